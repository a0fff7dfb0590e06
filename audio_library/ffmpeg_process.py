"""Finding and running ffmpeg: the executable, the error type, the input options and header parsing.

Everything audio goes through an ffmpeg child process; nothing here holds audio in memory.
The static ffmpeg of the imageio-ffmpeg wheel has no ffprobe, so stream facts are read
from the header ffmpeg prints when it opens an input (``Input #0 …``) and durations from
decoding (``-progress`` reports the exact time of the last decoded sample).
"""

from __future__ import annotations

import importlib
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

# Demuxers an upload may be opened with. Whitelisting keeps ffmpeg from following playlists
# (HLS, concat, …) that an attacker could disguise as "audio.mp3".
ACCEPTED_DEMUXERS = (
    "mp3,wav,w64,ogg,mov,mp4,m4a,3gp,3g2,flac,amr,amrnb,amrwb,aac,matroska,webm,aiff,caf"
)
BASE = ("-hide_banner", "-nostdin", "-nostats")


def ffmpeg_exe() -> str:
    """ffmpeg from PATH, else the one in the imageio-ffmpeg wheel.

    RADIO_FFMPEG overrides: a path to an executable, or "imageio" to force the wheel's.
    """
    choice = os.environ.get("RADIO_FFMPEG", "").strip()
    if choice and choice != "imageio":
        return choice
    if not choice:
        found = shutil.which("ffmpeg")
        if found:
            return found
    try:
        module: Any = importlib.import_module("imageio_ffmpeg")
    except ImportError as exc:
        raise AudioError("ffmpeg_failed", detail="no ffmpeg on PATH and no imageio-ffmpeg") from exc
    return str(module.get_ffmpeg_exe())


class AudioError(Exception):
    """An audio file that cannot be used, or ffmpeg failing on one.

    `kind` is one of "empty", "not_audio", "truncated", "too_long", "silent", "too_short",
    "ffmpeg_failed"; the other attributes (duration, max_duration, min_duration, detail, …)
    are there for the message the UI words.
    """

    KINDS = frozenset(
        {"empty", "not_audio", "truncated", "too_long", "silent", "too_short", "ffmpeg_failed"}
    )

    def __init__(self, kind: str, **details: Any) -> None:
        if kind not in self.KINDS:
            raise ValueError(f"unknown AudioError kind {kind!r}")
        self.kind = kind
        self.details = details
        for name, value in details.items():
            setattr(self, name, value)
        shown = ", ".join(f"{k}={v!r}" for k, v in details.items())
        super().__init__(f"{kind}: {shown}" if shown else kind)


def input_args(src: Path) -> list[str]:
    """Options and -i for an untrusted local file."""
    return [
        "-format_whitelist",
        ACCEPTED_DEMUXERS,
        "-protocol_whitelist",
        "file",
        "-i",
        f"file:{src}",
    ]


def run(args: Sequence[str], what: str) -> None:
    """Run ffmpeg to completion (logging only errors); AudioError("ffmpeg_failed") if it fails."""
    cmd = [ffmpeg_exe(), *BASE, "-v", "error", *args]
    done = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, check=False)
    if done.returncode != 0:
        raise AudioError("ffmpeg_failed", step=what, detail=last_lines(done.stderr))


def last_lines(data: bytes, count: int = 5) -> str:
    return "\n".join(data.decode("utf-8", "replace").strip().splitlines()[-count:])


@contextmanager
def stderr_lines(args: Sequence[str], exe: str | None = None) -> Iterator[Iterator[str]]:
    """ffmpeg's log (info level, -progress on it too), one line at a time, as it runs.

    After the with-block, the process has ended; its exit code is not raised: the caller
    judges from the log, whose last line this adds: "returncode=N".
    """
    cmd = [exe or ffmpeg_exe(), *BASE, "-v", "info", "-progress", "pipe:2", *args]
    proc = subprocess.Popen(
        cmd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        errors="replace",
    )
    assert proc.stderr is not None
    stream = proc.stderr

    def lines() -> Iterator[str]:
        yield from stream
        stream.close()
        yield f"returncode={proc.wait()}"

    try:
        yield lines()
    finally:
        if proc.poll() is None:
            proc.kill()
        stream.close()
        proc.wait()


@contextmanager
def pcm_chunks(
    src: Path, rate: int, split: str = "", channels: int = 1, chunk_bytes: int = 1 << 16
) -> Iterator[Iterator[bytes]]:
    """Decoded s16le PCM at `rate`, in chunks of whole sample frames.

    Mono, or the `channels` channels `split` makes of the mono signal (a filter chain ending
    in a multi-channel output, e.g. "asplit[a][b];[b]highpass=f=1000[h];[a][h]join=inputs=2").

    Raises AudioError("not_audio") once the stream is exhausted if ffmpeg failed.
    """
    cmd = [
        ffmpeg_exe(),
        *BASE,
        "-v",
        "error",
        *input_args(src),
        "-filter_complex",
        f"[0:a:0]aformat=channel_layouts=mono,aresample={rate}" + (f",{split}" if split else ""),
        "-f",
        "s16le",
        "-c:a",
        "pcm_s16le",
        "pipe:1",
    ]
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=err)
        assert proc.stdout is not None
        out: IO[bytes] = proc.stdout

        def chunks() -> Iterator[bytes]:
            carry = b""
            frame = 2 * channels
            while block := out.read(chunk_bytes):
                block = carry + block
                cut = len(block) - len(block) % frame
                carry = block[cut:]
                if cut:
                    yield block[:cut]
            if proc.wait() != 0:
                err.seek(0)
                raise AudioError("not_audio", detail=last_lines(err.read()))

        try:
            yield chunks()
        finally:
            if proc.poll() is None:
                proc.kill()
            out.close()
            proc.wait()


@dataclass
class Header:
    """What ffmpeg says about an input when it opens it (no decoding)."""

    container: str = ""
    codec: str = ""
    sample_rate: int = 0
    channels: int = 0
    duration: float | None = None  # the container's claim
    estimated: bool = False  # ffmpeg guessed the duration from the bitrate
    brand: str = ""

    def feed(self, line: str) -> None:
        if match := _INPUT.match(line):
            self.container = match[1]
        elif match := _DURATION.match(line):
            h, m, s = match[1], match[2], match[3]
            self.duration = int(h) * 3600 + int(m) * 60 + float(s)
        elif "Estimating duration from bitrate" in line:
            self.estimated = True
        elif not self.brand and (match := _BRAND.match(line)):
            self.brand = match[1].strip()
        elif not self.codec and (match := _AUDIO.match(line)):
            self.codec = match[1]
            rest = match[2]
            if rate := re.search(r"(\d+) Hz", rest):
                self.sample_rate = int(rate[1])
            self.channels = _channels(rest)

    @property
    def container_name(self) -> str:
        """mp3, wav, ogg, flac, amr, aac, matroska; mp4 / m4a / 3gp for the mov family."""
        names = self.container.split(",")
        if "mov" in names or "mp4" in names:
            brand = self.brand.lower()
            if brand.startswith("3g"):
                return "3gp"
            if brand.startswith("m4a"):
                return "m4a"
            return "mp4"
        return names[0] if names and names[0] else "unknown"


_INPUT = re.compile(r"^Input #0, (.+?), from ")
_DURATION = re.compile(r"^\s+Duration: (\d+):(\d\d):(\d\d(?:\.\d+)?)")
_BRAND = re.compile(r"^\s+major_brand\s*: (\S+)")
_AUDIO = re.compile(r"^\s+Stream #0:\d+\S*: Audio: (\w+)(.*)$")
_LAYOUTS = {
    "mono": 1,
    "stereo": 2,
    "2.1": 3,
    "3.0": 3,
    "3.0(back)": 3,
    "quad": 4,
    "quad(side)": 4,
    "4.0": 4,
    "4.1": 5,
    "5.0": 5,
    "5.0(side)": 5,
    "5.1": 6,
    "5.1(side)": 6,
    "6.0": 6,
    "6.1": 7,
    "7.0": 7,
    "7.1": 8,
    "7.1(wide)": 8,
}


def _channels(rest: str) -> int:
    fields = [f.strip() for f in rest.split(",")]
    for field in fields:
        if match := re.fullmatch(r"(\d+) channels.*", field):
            return int(match[1])
        if field in _LAYOUTS:
            return _LAYOUTS[field]
    return 0


PROGRESS_TIME = re.compile(r"^out_time_us=(\d+)")


def media_info(path: Path) -> tuple[float, str, int, int]:
    """(decoded duration in seconds, codec, sample rate, channels) of the first audio stream.

    The duration is what really decodes (a full decode without filters), not the header's claim.
    Raises AudioError("not_audio") when nothing decodes.
    """
    header = Header()
    out_us = 0
    failed = False
    args = [*input_args(path), "-map", "0:a:0", "-vn", "-sn", "-dn", "-f", "null", "-"]
    with stderr_lines(args) as lines:
        for line in lines:
            header.feed(line)
            if match := PROGRESS_TIME.match(line):
                out_us = int(match[1])
            elif line.startswith("returncode=") and line != "returncode=0":
                failed = True
    if failed or not header.codec or out_us <= 0:
        raise AudioError("not_audio")
    return out_us / 1e6, header.codec, header.sample_rate, header.channels
