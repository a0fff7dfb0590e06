"""A ZIP archive written as it is sent: no file is built in memory or on disk.

zipfile writes to any object with write(); given one that cannot seek, it puts each
entry's sizes in a data descriptor after the data, which every unzip reads.
"""

import io
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

CHUNK = 1 << 16


@dataclass(frozen=True)
class Entry:
    name: str
    modified: datetime
    path: Path | None = None  # a file copied as it is (audio: already compressed)
    data: bytes = b""  # or a small text, deflated


class _Pipe(io.RawIOBase):
    """Collects what zipfile writes until the generator hands it on."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        self._chunks.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        data = b"".join(self._chunks)
        self._chunks.clear()
        return data


def stream_zip(entries: Iterable[Entry]) -> Iterator[bytes]:
    pipe = _Pipe()
    with zipfile.ZipFile(pipe, "w") as archive:
        for entry in entries:
            info = zipfile.ZipInfo(entry.name, date_time=entry.modified.timetuple()[:6])
            info.compress_type = zipfile.ZIP_STORED if entry.path else zipfile.ZIP_DEFLATED
            with archive.open(info, "w") as out:
                if entry.path is None:
                    out.write(entry.data)
                else:
                    with entry.path.open("rb") as source:
                        while block := source.read(CHUNK):
                            out.write(block)
                            yield pipe.take()
            yield pipe.take()
    yield pipe.take()
