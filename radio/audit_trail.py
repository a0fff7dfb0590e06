"""Who changed what: the trail of people's actions that auditors and admins can read.

Each entry names the person (and keeps their username, which outlives renames), the
action, what it touched and the unit it belongs to, which is what audit scope checks.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, Session, mapped_column

from audio_library.db import Base, nfc, utcnow
from radio.people import User


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
