"""Many confirmations at once: past playlist items to confirm, and a device that streams them.

Shared by tests/test_confirmations_reliability.py and bench/confirmations_http.py. The
playlists are only inputs there, so they are bulk-inserted rather than built: days that
are over, ITEMS_PER_SESSION items of ITEM_SECONDS each in sessions six hours apart, all
pointing at one segment. The device posts batches over a new connection each (as
bench/http_load.py does) and retries a batch until it gets a 2xx answer.
"""

import http.client
import json
import threading
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as clock
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from bench.http_load import fetch
from scheduler.playlists import Playlist, PlaylistItem, PlaylistSession, Reason, SessionKind
from scheduler.units import Station

ITEM_SECONDS = 60
ITEMS_PER_SESSION = 50
FIRST_SESSION = clock(5, 0)
SESSION_EVERY = timedelta(hours=6)
RETRY_PAUSE = 0.2  # seconds between tries of a batch, while the server restarts


def add_past_items(
    session: Session, stations: list[Station], days: int, per_day: int, segment_id: int, today: date
) -> dict[str, list[dict[str, Any]]]:
    """Playlists for `days` days ending the day before yesterday, `per_day` items a day per
    station; each station's items as confirmation entries (aired as planned), oldest first."""
    for station in stations:
        zone = ZoneInfo(station.timezone)
        for back in range(days):
            day = today - timedelta(days=2 + back)
            playlist = Playlist(
                station_id=station.id, day=day, version=1, trigger="load", content_hash="0" * 64
            )
            session.add(playlist)
            session.flush()
            opening = datetime.combine(day, FIRST_SESSION, zone)
            items = []
            for n in range(0, per_day, ITEMS_PER_SESSION):
                number = n // ITEMS_PER_SESSION + 1
                starts = opening + (number - 1) * SESSION_EVERY
                session.add(
                    PlaylistSession(
                        playlist_id=playlist.id,
                        number=number,
                        label=f"Buổi {number}",
                        kind=SessionKind.REGULAR,
                        starts_at=starts,
                        max_seconds=ITEMS_PER_SESSION * ITEM_SECONDS,
                        gap_seconds=0,
                    )
                )
                for position in range(min(ITEMS_PER_SESSION, per_day - n)):
                    items.append(
                        {
                            "playlist_id": playlist.id,
                            "session_number": number,
                            "position": position,
                            "kind": "segment",
                            "segment_id": segment_id,
                            "title": f"Bản tin {position + 1}",
                            "level": "normal",
                            "planned_start": starts + timedelta(seconds=position * ITEM_SECONDS),
                            "duration": float(ITEM_SECONDS),
                            "reason": Reason.FILL,
                        }
                    )
            session.flush()  # the sessions before the items that point at them
            session.execute(insert(PlaylistItem), items)
    session.commit()
    return {station.code: entries(session, station) for station in stations}


def entries(session: Session, station: Station) -> list[dict[str, Any]]:
    """One entry a station's device would send for each of its items: aired as planned."""
    rows = session.execute(
        select(PlaylistItem.id, PlaylistItem.planned_start, PlaylistItem.duration)
        .join(Playlist, Playlist.id == PlaylistItem.playlist_id)
        .where(Playlist.station_id == station.id)
        .order_by(PlaylistItem.planned_start)
    )
    found = []
    for item_id, start, seconds in rows:
        end = start + timedelta(seconds=seconds)
        found.append(
            {
                "item_id": item_id,
                "client_key": f"load-{item_id}",
                "status": "aired",
                "started_at": start.isoformat(),
                "ended_at": end.isoformat(),
                "client_time": (end + timedelta(seconds=5)).isoformat(),
            }
        )
    return found


def batches(code: str, token: str, items: list[dict[str, Any]], size: int) -> list["Batch"]:
    return [Batch(code, token, items[i : i + size]) for i in range(0, len(items), size)]


@dataclass
class Batch:
    code: str
    token: str
    items: list[dict[str, Any]]

    def request(self) -> tuple[str, dict[str, str], bytes]:
        path = f"/api/v1/stations/{self.code}/confirmations"
        headers = {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"}
        return path, headers, json.dumps({"items": self.items}).encode()


@dataclass
class Device:
    """Posts batches to the server on `port`, each until a 2xx, and keeps every answer."""

    port: int
    deadline: float  # time.monotonic() after which it gives up
    answers: dict[tuple[int, str], dict[str, Any]] = field(default_factory=dict)
    rejected: list[dict[str, Any]] = field(default_factory=list)
    failures: int = 0  # tries that got no answer or a 5xx
    error: BaseException | None = None  # what stopped it early, for the caller to raise
    lock: threading.Lock = field(default_factory=threading.Lock)

    def send(self, batch: Batch) -> None:
        path, headers, body = batch.request()
        while True:
            try:
                status, _headers, reply = fetch(self.port, path, headers, body)
            except (OSError, http.client.HTTPException):
                status, reply = 0, b""  # killed mid-request, or not listening yet
            if 200 <= status < 300:
                break
            if 400 <= status < 500:
                raise AssertionError(f"batch refused with {status}: {reply[:500]!r}")
            with self.lock:
                self.failures += 1
            if time.monotonic() > self.deadline:
                raise TimeoutError(f"no 2xx answer for a batch to {path} in time")
            time.sleep(RETRY_PAUSE)
        outcomes = json.loads(reply)["items"]
        with self.lock:
            for answer in outcomes:
                if answer["outcome"] == "rejected":
                    self.rejected.append(answer)
                else:
                    self.answers[(answer["item_id"], answer["client_key"])] = answer

    def run(self, work: list[Batch]) -> None:
        """Send these batches in turn; a thread's target, so it keeps what went wrong."""
        try:
            for batch in work:
                self.send(batch)
        except BaseException as exc:  # re-raised by the thread that waits for this one
            self.error = exc

    @property
    def answered(self) -> int:
        return len(self.answers)
