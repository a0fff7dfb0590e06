"""What the scheduled jobs leave behind: sessions flagged as unconfirmed, daily digests."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from audio_library.db import Base, utcnow


class UnconfirmedSession(Base):
    """A session that ended some hours ago with nothing confirmed for any of its items."""

    __tablename__ = "unconfirmed_session"
    __table_args__ = (UniqueConstraint("station_id", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("station.id"))
    day: Mapped[date]
    playlist_id: Mapped[int] = mapped_column(ForeignKey("playlist.id"))
    session_number: Mapped[int]
    label: Mapped[str] = mapped_column(String(60), default="")
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    flagged_at: Mapped[datetime] = mapped_column(default=utcnow)


class Digest(Base):
    """A unit's summary of one day, for its auditors (and e-mailed when SMTP is set)."""

    __tablename__ = "digest"
    __table_args__ = (UniqueConstraint("unit_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    day: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    figures: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    emailed_to: Mapped[str] = mapped_column(String(500), default="")
