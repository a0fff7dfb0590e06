"""Time-based jobs: one APScheduler per deployment, started by a command, never by the app.

Jobs have stable ids and `replace_existing`, so a restart does not duplicate them.
"""

from collections.abc import Mapping
from datetime import datetime, timedelta

from apscheduler.schedulers.base import BaseScheduler
from sqlalchemy import String
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from audio_library.db import Base, utcnow
from audio_library.jobs import Handler, requeue_abandoned, run_next

HEARTBEAT_JOB_ID = "scheduler-heartbeat"
HEARTBEAT_SECONDS = 60
JOB_RUNNER_ID = "job-runner"
JOB_REAPER_ID = "job-reaper"
JOB_WORKERS = 2
# A running job reports at every step; this much silence means its process died.
JOB_SILENCE = timedelta(minutes=2)


class SchedulerBeat(Base):
    """When each scheduler process last ran its heartbeat job (shown to admins, /healthz)."""

    __tablename__ = "scheduler_beat"

    name: Mapped[str] = mapped_column(String(80), primary_key=True)
    host: Mapped[str] = mapped_column(String(200))
    started_at: Mapped[datetime]
    beat_at: Mapped[datetime]


def beat(sessions: sessionmaker[Session], name: str, host: str, started_at: datetime) -> None:
    """Record that this scheduler is alive."""
    with sessions.begin() as session:
        row = session.get(SchedulerBeat, name) or SchedulerBeat(name=name)
        row.host, row.started_at, row.beat_at = host, started_at, utcnow()
        session.add(row)


def run_queued_jobs(sessions: sessionmaker[Session], handlers: Mapping[str, Handler]) -> None:
    """Run queued slow jobs (TTS, …) until none is left."""
    while run_next(sessions, handlers):
        pass


def add_jobs(
    scheduler: BaseScheduler,
    sessions: sessionmaker[Session],
    name: str,
    host: str,
    handlers: Mapping[str, Handler] | None = None,
) -> None:
    """Register every recurring job; with handlers, this process also runs slow jobs."""
    started_at = utcnow()
    scheduler.add_job(
        beat,
        "interval",
        args=[sessions, name, host, started_at],
        seconds=HEARTBEAT_SECONDS,
        id=HEARTBEAT_JOB_ID,
        replace_existing=True,
        next_run_time=started_at,
        coalesce=True,
        max_instances=1,
    )
    if handlers is None:
        return
    scheduler.add_job(
        run_queued_jobs,
        "interval",
        args=[sessions, handlers],
        seconds=1,
        id=JOB_RUNNER_ID,
        replace_existing=True,
        coalesce=True,
        max_instances=JOB_WORKERS,
    )
    scheduler.add_job(
        requeue_abandoned,
        "interval",
        args=[sessions, JOB_SILENCE],
        seconds=60,
        id=JOB_REAPER_ID,
        replace_existing=True,
        coalesce=True,
        next_run_time=utcnow(),
    )
