"""Content-addressed audio files: <root>/ab/cd/<sha256>.<ext>, written atomically."""

import contextlib
import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

CHUNK = 1 << 20


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """A temporary path beside `target` that replaces it only if the block succeeds."""
    # Same folder, so os.replace is a rename: readers see the old file or the whole new one.
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    os.close(fd)
    temporary = Path(name)
    try:
        yield temporary
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)


class AudioStore:
    """Files named by the sha256 of their bytes, so identical files are stored once."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, sha: str, extension: str) -> Path:
        return self.root / sha[:2] / sha[2:4] / f"{sha}.{extension}"

    def find(self, sha: str) -> Path | None:
        """The stored file with this hash, whatever its extension."""
        matches = list((self.root / sha[:2] / sha[2:4]).glob(f"{sha}.*"))
        return matches[0] if matches else None

    def put(self, src: Path, extension: str) -> str:
        """Copy src into the store (temp file + rename) and return its sha256."""
        sha = sha256_of(src)
        target = self.path(sha, extension)
        if target.exists():
            return sha
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
        try:
            with os.fdopen(fd, "wb") as out, src.open("rb") as f:
                shutil.copyfileobj(f, out, CHUNK)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return sha

    def scratch(self) -> Path:
        """A private working folder on the same disk (caller removes it)."""
        folder = self.root / ".work"
        folder.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(dir=folder))
