"""The daily digest: one unit's day in figures, made each morning for its auditors.

The figures come from the unit's compliance for that day (radio.airings.compliance) and
are stored as they stood when the digest was made, with the day's anchor hash: mailed
to the auditors, it is a copy of the anchor kept outside the system. The digest page
adds what is still unconfirmed at the time it is read.
"""

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from audio_library.db import utcnow
from radio.airings.compliance import compliance
from radio.airings.follow_up import Digest, unconfirmed_sessions
from radio.airings.liveness import flagged_silent
from radio.airings.records import Confirmation, Status
from radio.people import Role, User
from scheduler.units import Unit

SILENT_DAYS = 2  # a station not heard from for this long is named in the digest
LISTED = 50  # stations and sessions named one by one; the counts cover the rest
READERS = (Role.AUDITOR, Role.ADMIN)  # who of the unit gets the digest by e-mail


def audited_units(session: Session) -> list[Unit]:
    """Units with at least one active auditor, each once."""
    has_auditor = select(User.unit_id).where(
        User.role == Role.AUDITOR, User.active.is_(True), User.unit_id.is_not(None)
    )
    return list(session.scalars(select(Unit).where(Unit.id.in_(has_auditor)).order_by(Unit.path)))


def make_digests(
    session: Session, day: date, timezone: str, grace: timedelta, now: datetime | None = None
) -> list[Digest]:
    """The digests of `day` for every audited unit, made where missing; the caller commits.

    A digest already made for a unit and day is kept as it is. (Working out the figures
    refreshes the compliance tallies, which commits them.)
    """
    now = now or utcnow()
    made = {d.unit_id: d for d in session.scalars(select(Digest).where(Digest.day == day))}
    digests = []
    for unit in audited_units(session):
        digest = made.get(unit.id)
        if digest is None:
            numbers = figures(session, unit, day, timezone, grace, now)
            digest = Digest(unit_id=unit.id, day=day, created_at=now, figures=numbers)
            session.add(digest)
        digests.append(digest)
    session.flush()
    return digests


def silent_agents(figures: dict[str, Any]) -> list[dict[str, Any]]:
    """The digest's silent agents, with their last heartbeat as a time again."""
    return [
        {**s, "last_heartbeat": datetime.fromisoformat(s["last_heartbeat"])}
        for s in figures.get("silent_agent_list", [])
    ]


def recipients(session: Session, unit_id: int) -> list[str]:
    """The e-mail addresses of the unit's active auditors and admins."""
    query = select(User.email).where(
        User.unit_id == unit_id, User.role.in_(READERS), User.active.is_(True), User.email != ""
    )
    return sorted(set(session.scalars(query)))


def figures(
    session: Session, unit: Unit, day: date, timezone: str, grace: timedelta, now: datetime
) -> dict[str, Any]:
    """The day at the unit's active stations: planned, reported, late, emergencies, silence
    (and the agents flagged silent as the digest is made)."""
    day_start = datetime.combine(day, time(0), ZoneInfo(timezone))
    day_end = day_start + timedelta(days=1)
    c = compliance(session, unit, day, day, now=now, grace=grace, zone=timezone)
    stations = [line.station for line in c.stations]
    ids = [s.id for s in stations]
    unconfirmed = unconfirmed_sessions(session, ids, day, day)
    codes = {s.id: s.code for s in stations}
    quiet_since = day_end - timedelta(days=SILENT_DAYS)
    silent = [
        line.station
        for line in c.stations
        if line.last_contact is None or line.last_contact < quiet_since
    ]
    late = select(func.count(Confirmation.id)).where(
        Confirmation.station_id.in_(ids),
        Confirmation.late.is_(True),
        Confirmation.received_at >= day_start,
        Confirmation.received_at < day_end,
    )
    agents = flagged_silent(session, ids)
    return {
        "stations": len(stations),
        "sessions_planned": sum(line.sessions.planned for line in c.stations),
        "items_planned": c.total.planned_items,
        "items_aired": c.total.aired_items,
        "items_partly_aired": c.total.partly_items,
        "items_not_aired": c.total.not_aired_items,
        "items_confirmed": c.total.reported_items,
        "sessions_unconfirmed": len(unconfirmed),
        "unconfirmed": [
            {"station": codes[s.station_id], "label": s.label, "starts_at": s.starts_at.isoformat()}
            for s in unconfirmed[:LISTED]
        ],
        "late_confirmations": session.scalar(late) or 0,
        "emergencies_planned": len(c.emergencies),
        "emergencies_aired": sum(e.status == Status.AIRED for e in c.emergencies),
        "silent_stations": len(silent),
        "silent": [{"station": s.code, "name": s.name} for s in silent[:LISTED]],
        "silent_agents": len(agents),
        "silent_agent_list": [
            {"station": s.code, "name": s.name, "last_heartbeat": at.isoformat()}
            for s, at in agents[:LISTED]
        ],
        "anchor": c.anchor,
    }
