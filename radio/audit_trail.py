"""Who changed what: the trail of people's actions that auditors and admins can read.

Each entry names the person (and keeps their username, which outlives renames), the
action, what it touched and the unit it belongs to, which is what audit scope checks.
Pages and API routes call `log_change` right next to the change, before its commit.
"""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from flask import request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, Session, mapped_column

from audio_library.db import Base, nfc, utcnow
from radio.db import get_session
from radio.people import User
from scheduler.announcements import Announcement
from scheduler.units import Unit, ids_of

# Every action recorded; its first word is the kind of thing it touched.
ACTION_LABELS = {
    "segment.submitted": _l("Segment sent for approval"),
    "segment.approved": _l("Segment approved"),
    "segment.rejected": _l("Segment rejected"),
    "segment.archived": _l("Segment archived"),
    "template.created": _l("Session template created"),
    "template.updated": _l("Session template changed"),
    "template.deleted": _l("Session template deleted"),
    "rules.changed": _l("Unit limits changed"),
    "campaign.created": _l("Campaign created"),
    "campaign.updated": _l("Campaign changed"),
    "one_off.created": _l("One-off announcement planned"),
    "emergency.sent": _l("Emergency bulletin sent"),
    "emergency.superseded": _l("Emergency bulletin superseded"),
    "emergency.ended": _l("Emergency bulletin ended"),
    "user.created": _l("User created"),
    "user.updated": _l("User changed"),
    "station.created": _l("Station created"),
    "station.updated": _l("Station changed"),
    "token.issued": _l("Token issued"),
    "token.revoked": _l("Token revoked"),
    "unit.created": _l("Unit added"),
    "unit.renamed": _l("Unit renamed"),
    "units.imported": _l("Units imported"),
}


class Change(Base):
    __tablename__ = "change_log"
    __table_args__ = (Index("ix_change_log_unit_at", "unit_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    username: Mapped[str] = mapped_column(String(80), default="")
    action: Mapped[str] = mapped_column(String(40))  # e.g. "segment.approved"
    target_kind: Mapped[str] = mapped_column(String(20))  # e.g. "segment"
    target_id: Mapped[int | None]
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))  # None: system-wide
    summary: Mapped[str] = mapped_column(String(300), default="")
    remote_addr: Mapped[str] = mapped_column(String(45), default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


def record_change(
    session: Session,
    user: User | None,
    action: str,
    target_kind: str,
    target_id: int | None,
    *,
    unit_id: int | None = None,
    summary: str = "",
    remote_addr: str = "",
    details: dict[str, Any] | None = None,
) -> Change:
    """Add a trail entry to the session; it commits with the change it describes."""
    change = Change(
        user_id=user.id if user else None,
        username=user.username if user else "",
        action=action,
        target_kind=target_kind,
        target_id=target_id,
        unit_id=unit_id,
        summary=nfc(summary)[:300],
        remote_addr=remote_addr[:45],
        details=details or {},
    )
    session.add(change)
    return change


def log_change(
    action: str,
    target_id: int | None,
    summary: str,
    *,
    unit_id: int | None,
    details: dict[str, Any] | None = None,
) -> Change:
    """Record what the person behind this request (page or API) just did, and from where."""
    return record_change(
        get_session(),
        current_user._get_current_object(),
        action,
        action.partition(".")[0],
        target_id,
        unit_id=unit_id,
        summary=summary,
        remote_addr=request.remote_addr or "",
        details=details,
    )


def common_unit(units: Iterable[Unit]) -> int | None:
    """The lowest unit at or above all of these; None for none, or units of several trees."""
    shared: tuple[int, ...] | None = None
    for unit in units:
        path = ids_of(unit.path)
        if shared is None:
            shared = path
            continue
        length = 0
        while length < min(len(shared), len(path)) and shared[length] == path[length]:
            length += 1
        shared = shared[:length]
    return shared[-1] if shared else None


def log_broadcast(action: str, announcement: Announcement) -> Change:
    """A one-off or emergency, at the lowest unit over all the places it reaches."""
    places = [*announcement.units, *(s.unit for s in announcement.stations)]
    return log_change(
        action,
        announcement.id,
        announcement.segment.title,
        unit_id=common_unit(places),
        details={"level": announcement.level},
    )
