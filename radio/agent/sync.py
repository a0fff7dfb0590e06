"""Syncing ahead: the next days' playlists and every audio file they need, nothing more.

Audio is kept by sha256 under `audio/`, so a file used on several days or sessions is
held once; whatever no playlist from today on needs is deleted after each sync, which
keeps the disk bounded by what the next days air.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from radio.agent.client import BadDownload, DiskFull, NotBuilt, ServerClient, ServerProblem
from radio.agent.store import LocalStore

PART_PREFIX = ".part-"
RETRIES = 2  # a damaged download is fetched again this many times in the same sync


@dataclass
class SyncResult:
    changed: list[date] = field(default_factory=list)
    not_built: list[date] = field(default_factory=list)


def audio_path(folder: Path, sha256: str) -> Path:
    return folder / f"{sha256}.mp3"


def audio_items(body: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for session in body["sessions"]:
        for item in session["items"]:
            if item.get("sha256"):
                yield item


def fetch_playlists(
    client: ServerClient, store: LocalStore, code: str, days: list[date], now: datetime
) -> SyncResult:
    """Ask for each day's playlist with the ETag held; keep what changed."""
    result = SyncResult()
    for day in days:
        try:
            fetched = client.playlist(code, day, store.etag(day))
        except NotBuilt:
            result.not_built.append(day)
            continue
        if fetched.body is not None:
            store.save_playlist(day, fetched.body, fetched.etag, now)
            result.changed.append(day)
    return result


def fetch_audio(
    client: ServerClient, store: LocalStore, folder: Path, today: date, reserve: int
) -> list[ServerProblem]:
    """Download the audio the held playlists need, today's first; what went wrong.

    A file that fails its hash is fetched again; one that keeps failing is left for the
    next sync and the others still come. A full disk stops the round (today's audio was
    asked for first); an unreachable server is raised, for the caller to back off.
    """
    folder.mkdir(parents=True, exist_ok=True)
    wanted: dict[str, str] = {}
    for body in store.playlists(today).values():  # ordered by day
        for item in audio_items(body):
            wanted.setdefault(item["sha256"], item["audio_url"])
    problems: list[ServerProblem] = []
    for sha, url in wanted.items():
        target = audio_path(folder, sha)
        if target.exists():
            continue
        for attempt in range(RETRIES + 1):
            try:
                client.download(url, sha, target, reserve)
                break
            except BadDownload as exc:
                if attempt == RETRIES:
                    problems.append(exc)
            except DiskFull as exc:
                problems.append(exc)
                return problems
    return problems


def prune(store: LocalStore, folder: Path, today: date) -> int:
    """Delete audio no playlist from yesterday on needs, and leftover partial files."""
    keep_from = today - timedelta(days=1)  # a session may still be airing past midnight
    store.forget_playlists(keep_from)
    needed = {
        item["sha256"] for body in store.playlists(keep_from).values() for item in audio_items(body)
    }
    removed = 0
    for path in folder.glob("*"):
        if path.name.startswith(PART_PREFIX) or (path.suffix == ".mp3" and path.stem not in needed):
            path.unlink(missing_ok=True)
            removed += 1
    return removed
