"""Playlist builds as background jobs: the nightly run and the rebuild after a change."""

from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from audio_library.db import utcnow
from audio_library.jobs import Handler, Job, Report, enqueue
from scheduler.builder import build_playlists

KIND = "build-playlists"
DAYS_AHEAD = 7


def request_build(
    session: Session,
    first: date,
    *,
    days: int = DAYS_AHEAD,
    station_ids: list[int] | None = None,
    trigger: str = "change",
    user_id: int | None = None,
) -> Job:
    """Queue a build (after a change to templates, campaigns or announcements)."""
    params = {
        "first": first.isoformat(),
        "days": days,
        "station_ids": station_ids,
        "trigger": trigger,
    }
    return enqueue(session, KIND, params, user_id)


def today_in(timezone: str, now: datetime | None = None) -> date:
    return (now or utcnow()).astimezone(ZoneInfo(timezone)).date()


def make_handler(
    sessions: sessionmaker[Session], clock: Callable[[], datetime] = utcnow
) -> Handler:
    def handle(params: dict[str, Any], report: Report) -> dict[str, Any]:
        first = date.fromisoformat(params["first"])
        days = int(params.get("days", DAYS_AHEAD))
        with sessions.begin() as session:
            result = build_playlists(
                session,
                first,
                days,
                now=clock(),
                station_ids=params.get("station_ids"),
                trigger=params.get("trigger", "change"),
                progress=lambda done, total: report(done / max(total, 1), "build"),
            )
        return {
            "stations": result.stations,
            "playlists": result.playlists,
            "unchanged": result.unchanged,
            "shortfalls": result.shortfalls,
        }

    return handle


def nightly(sessions: sessionmaker[Session], timezone: str) -> None:
    """Queue the build of the next days for every station (the runner does the work)."""
    with sessions.begin() as session:
        request_build(session, today_in(timezone), trigger="nightly")
