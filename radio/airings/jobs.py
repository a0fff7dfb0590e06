"""The as-run log's time-based jobs, registered with stable ids in the one scheduler.

Every quarter hour, sessions past their grace time with no report are flagged; each
morning, yesterday's digests are made for the units' auditors and, when a sender is
given (SMTP configured), e-mailed. Every five minutes, station agents that fell silent
are flagged and logged.
"""

import logging
from collections.abc import Callable, Mapping
from datetime import time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.schedulers.base import BaseScheduler
from sqlalchemy.orm import Session, sessionmaker

from audio_library.db import utcnow
from radio.airings.digest import make_digests
from radio.airings.follow_up import flag_unconfirmed
from radio.airings.liveness import flag_silent_agents

log = logging.getLogger(__name__)

FLAG_JOB_ID = "flag-unconfirmed"
DIGEST_JOB_ID = "daily-digest"
SILENT_JOB_ID = "flag-silent-agents"
FLAG_MINUTES = 15
SILENT_JOB_MINUTES = 5
DIGEST_AT = time(6, 30)
# A digest job missed by a scheduler that was down still runs if it comes back this soon.
DIGEST_MISFIRE = timedelta(hours=12)
CATCH_UP_DELAY = timedelta(minutes=2)  # on a late start, the flag job catches up first

# Sends the digests with these ids and notes who got them.
Sender = Callable[[sessionmaker[Session], list[int]], None]


def flag_job(sessions: sessionmaker[Session], grace: timedelta) -> int:
    with sessions.begin() as session:
        return flag_unconfirmed(session, utcnow(), grace)


def silent_agents_job(sessions: sessionmaker[Session], threshold: timedelta) -> int:
    """Flag and log the agents that fell silent since the last run; how many."""
    with sessions.begin() as session:
        flagged = flag_silent_agents(session, utcnow(), threshold)
    for code, last in flagged:
        log.warning("station %s: its agent is silent, last heartbeat at %s", code, last)
    return len(flagged)


def digest_job(
    sessions: sessionmaker[Session], timezone: str, grace: timedelta, send: Sender | None
) -> list[int]:
    """Make yesterday's digests and send those not sent yet; their ids."""
    now = utcnow()
    yesterday = now.astimezone(ZoneInfo(timezone)).date() - timedelta(days=1)
    with sessions() as session:
        digests = make_digests(session, yesterday, timezone, grace, now)
        unsent = [d.id for d in digests if not d.emailed_to]
        session.commit()
    if send is not None and unsent:
        send(sessions, unsent)
    return unsent


def add_airing_jobs(
    scheduler: BaseScheduler,
    sessions: sessionmaker[Session],
    config: Mapping[str, Any],
    send: Sender | None = None,
) -> None:
    """Register both jobs; restarting replaces them rather than adding copies."""
    timezone = str(config["TIMEZONE"])
    grace = timedelta(hours=float(config["CONFIRM_GRACE_HOURS"]))
    now = utcnow()
    scheduler.add_job(
        flag_job,
        "interval",
        args=[sessions, grace],
        minutes=FLAG_MINUTES,
        id=FLAG_JOB_ID,
        replace_existing=True,
        coalesce=True,
        max_instances=1,
        next_run_time=now,
    )
    # Started after the morning's time, it makes today's digests at once (a digest is
    # made once per unit and day, and mailed once, so a restart never sends twice).
    late_start = now.astimezone(ZoneInfo(timezone)).time() >= DIGEST_AT
    scheduler.add_job(
        digest_job,
        "cron",
        args=[sessions, timezone, grace, send],
        hour=DIGEST_AT.hour,
        minute=DIGEST_AT.minute,
        timezone=ZoneInfo(timezone),
        id=DIGEST_JOB_ID,
        replace_existing=True,
        coalesce=True,
        max_instances=1,
        misfire_grace_time=int(DIGEST_MISFIRE.total_seconds()),
        **({"next_run_time": now + CATCH_UP_DELAY} if late_start else {}),
    )


def add_liveness_job(
    scheduler: BaseScheduler, sessions: sessionmaker[Session], config: Mapping[str, Any]
) -> None:
    """Register the silent-agent job; restarting replaces it rather than adding a copy."""
    scheduler.add_job(
        silent_agents_job,
        "interval",
        args=[sessions, timedelta(minutes=float(config["AGENT_SILENT_MINUTES"]))],
        minutes=SILENT_JOB_MINUTES,
        id=SILENT_JOB_ID,
        replace_existing=True,
        coalesce=True,
        max_instances=1,
        next_run_time=utcnow(),
    )
