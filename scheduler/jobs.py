"""Time-based jobs: one APScheduler per deployment, started by a command, never by the app.

Jobs have stable ids and `replace_existing`, so a restart does not duplicate them.
"""

from datetime import datetime

from apscheduler.schedulers.base import BaseScheduler
from sqlalchemy import String
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from audio_library.db import Base, utcnow

HEARTBEAT_JOB_ID = "scheduler-heartbeat"
HEARTBEAT_SECONDS = 60


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


def add_jobs(
    scheduler: BaseScheduler, sessions: sessionmaker[Session], name: str, host: str
) -> None:
    """Register every recurring job on a scheduler whose jobs get their own sessions."""
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
