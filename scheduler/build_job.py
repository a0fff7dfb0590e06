"""Playlist builds as background jobs: the nightly run and the rebuild after a change."""

import json
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.schedulers.base import BaseScheduler
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from audio_library.db import utcnow
from audio_library.jobs import Handler, Job, JobState, Report, enqueue
from scheduler.builder import LOCK_WINDOW, BuildResult, build_playlists
from scheduler.session_mix import request_premix

KIND = "build-playlists"
NIGHTLY_JOB_ID = "playlist-nightly"
DAYS_AHEAD = 7
RETRIES = 3


def request_build(
    session: Session,
    first: date,
    *,
    days: int = DAYS_AHEAD,
    station_ids: list[int] | None = None,
    trigger: str = "change",
    user_id: int | None = None,
) -> Job:
    """Queue a build (after a change to templates, campaigns or announcements).

    A build still waiting with the same parameters covers this change too: several
    quick edits queue one build, not one each.
    """
    params = {
        "first": first.isoformat(),
        "days": days,
        "station_ids": station_ids,
        "trigger": trigger,
    }
    waiting = session.scalar(
        select(Job).where(
            Job.kind == KIND,
            Job.state == JobState.QUEUED,
            Job.params == json.dumps(params, ensure_ascii=False),
        )
    )
    return waiting or enqueue(session, KIND, params, user_id)


def today_in(timezone: str, now: datetime | None = None) -> date:
    return (now or utcnow()).astimezone(ZoneInfo(timezone)).date()


def make_handler(
    sessions: sessionmaker[Session],
    lock: timedelta = LOCK_WINDOW,
    clock: Callable[[], datetime] = utcnow,
) -> Handler:
    def handle(params: dict[str, Any], report: Report) -> dict[str, Any]:
        for attempt in range(RETRIES):
            try:
                result = _build_in_batches(sessions, params, report, lock, clock())
                break
            except IntegrityError:
                # Another build wrote the same station-day version first: plan again on
                # top of it (what it wrote is now the current version).
                if attempt == RETRIES - 1:
                    raise
        if params.get("trigger") == "nightly":
            # the morning's pre-mixed sessions, now that their playlists exist
            with sessions.begin() as session:
                request_premix(session, date.fromisoformat(params["first"]))
        return {
            "stations": result.stations,
            "playlists": result.playlists,
            "unchanged": result.unchanged,
            "shortfalls": result.shortfalls,
        }

    return handle


def _build_in_batches(
    sessions: sessionmaker[Session],
    params: dict[str, Any],
    report: Report,
    lock: timedelta,
    now: datetime,
) -> BuildResult:
    with sessions() as session:
        # Each batch of stations is committed before its progress is reported: on
        # SQLite the report's own write would otherwise wait for this transaction.
        session.expire_on_commit = False

        def batch_done(done: int, total: int) -> None:
            session.commit()
            report(done / max(total, 1), "build")

        result = build_playlists(
            session,
            date.fromisoformat(params["first"]),
            int(params.get("days", DAYS_AHEAD)),
            now=now,
            station_ids=params.get("station_ids"),
            trigger=params.get("trigger", "change"),
            lock=lock,
            progress=batch_done,
        )
        session.commit()
        return result


def nightly(sessions: sessionmaker[Session], timezone: str, days: int) -> None:
    """Queue the build of the next days for every station (the job runner does the work)."""
    with sessions.begin() as session:
        request_build(session, today_in(timezone), days=days, trigger="nightly")


def add_nightly_build(
    scheduler: BaseScheduler,
    sessions: sessionmaker[Session],
    timezone: str,
    at: time,
    days: int = DAYS_AHEAD,
) -> None:
    """Build every night at `at` (local time), and once now so a restart catches up."""
    scheduler.add_job(
        nightly,
        "cron",
        args=[sessions, timezone, days],
        hour=at.hour,
        minute=at.minute,
        timezone=ZoneInfo(timezone),
        id=NIGHTLY_JOB_ID,
        replace_existing=True,
        coalesce=True,
        max_instances=1,
        next_run_time=utcnow(),
    )
