"""Slow work (TTS, transcoding, pre-mixing) as jobs whose state lives in the database.

Any process may run them: `radio serve` in the embedded mode, RQ workers at scale. A job
claimed by a process that then died is queued again, so a restart loses nothing.
"""

import enum
import json
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import String, Text, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from audio_library.db import Base, utcnow

MAX_ATTEMPTS = 3


class JobState(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


class Job(Base):
    __tablename__ = "job"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    state: Mapped[JobState] = mapped_column(String(12), default=JobState.QUEUED, index=True)
    progress: Mapped[float] = mapped_column(default=0.0)
    stage: Mapped[str] = mapped_column(String(40), default="")
    params: Mapped[str] = mapped_column(Text, default="{}")
    result: Mapped[str] = mapped_column(Text, default="{}")
    error: Mapped[str] = mapped_column(String(40), default="")
    error_detail: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[int | None] = mapped_column(index=True)
    cancel_requested: Mapped[bool] = mapped_column(default=False)
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    heartbeat_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]

    @property
    def finished(self) -> bool:
        return self.state in (JobState.DONE, JobState.FAILED, JobState.CANCELLED)


class Cancelled(Exception):
    """Raised inside a job when someone asked to cancel it."""


class JobFailed(Exception):
    """A job's expected failure: `kind` names it for the UI."""

    def __init__(self, kind: str, detail: str = "") -> None:
        super().__init__(kind, detail)
        self.kind, self.detail = kind, detail


Report = Callable[[float, str], None]
Handler = Callable[[dict[str, Any], Report], dict[str, Any]]


def enqueue(session: Session, kind: str, params: dict[str, Any], user_id: int | None) -> Job:
    job = Job(
        id=uuid.uuid4().hex,
        kind=kind,
        params=json.dumps(params, ensure_ascii=False),
        created_by=user_id,
    )
    session.add(job)
    session.flush()
    return job


def cancel(session: Session, job: Job) -> None:
    """Cancel a queued job at once; ask a running one to stop at its next step."""
    if job.state == JobState.QUEUED:
        job.state, job.finished_at = JobState.CANCELLED, utcnow()
    elif job.state == JobState.RUNNING:
        job.cancel_requested = True


def claim(sessions: sessionmaker[Session], job_id: str | None = None) -> Job | None:
    """Take the oldest queued job (or this one); safe when several workers race."""
    with sessions.begin() as session:
        query = select(Job.id).where(Job.state == JobState.QUEUED)
        if job_id:
            query = query.where(Job.id == job_id)
        for candidate in session.scalars(query.order_by(Job.created_at).limit(5)):
            taken = session.execute(
                update(Job)
                .where(Job.id == candidate, Job.state == JobState.QUEUED)
                .values(
                    state=JobState.RUNNING,
                    started_at=utcnow(),
                    heartbeat_at=utcnow(),
                    attempts=Job.attempts + 1,
                )
            )
            if taken.rowcount == 1:  # type: ignore[attr-defined]
                return session.get(Job, candidate)
    return None


def requeue_abandoned(sessions: sessionmaker[Session], silent_for: timedelta) -> int:
    """Queue again the running jobs whose process stopped reporting (or fail them)."""
    cutoff = utcnow() - silent_for
    with sessions.begin() as session:
        stale = session.scalars(
            select(Job).where(Job.state == JobState.RUNNING, Job.heartbeat_at < cutoff)
        ).all()
        for job in stale:
            if job.attempts >= MAX_ATTEMPTS:
                job.state, job.error, job.finished_at = JobState.FAILED, "abandoned", utcnow()
            else:
                job.state = JobState.QUEUED
        return len(stale)


def run(sessions: sessionmaker[Session], job: Job, handlers: Mapping[str, Handler]) -> None:
    """Run a claimed job to its end, recording progress, result or failure."""

    def report(fraction: float, stage: str) -> None:
        with sessions.begin() as session:
            current = session.get(Job, job.id)
            if current is None or current.cancel_requested:
                raise Cancelled
            current.progress = max(0.0, min(1.0, fraction))
            current.stage, current.heartbeat_at = stage, utcnow()

    outcome: dict[str, Any] = {"state": JobState.DONE, "progress": 1.0}
    try:
        result = handlers[job.kind](json.loads(job.params), report)
        outcome["result"] = json.dumps(result, ensure_ascii=False, default=str)
    except Cancelled:
        outcome = {"state": JobState.CANCELLED}
    except JobFailed as exc:
        outcome = {"state": JobState.FAILED, "error": exc.kind, "error_detail": exc.detail}
    except Exception as exc:  # a bug must fail the job visibly, not kill the worker
        outcome = {"state": JobState.FAILED, "error": "internal", "error_detail": repr(exc)}
    with sessions.begin() as session:
        session.execute(update(Job).where(Job.id == job.id).values(finished_at=utcnow(), **outcome))


def run_next(sessions: sessionmaker[Session], handlers: Mapping[str, Handler]) -> bool:
    """Claim and run one queued job; False when there was none."""
    job = claim(sessions)
    if job is None:
        return False
    run(sessions, job, handlers)
    return True
