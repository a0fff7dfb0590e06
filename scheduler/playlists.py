"""Playlists: a station's materialised plan for one day, in immutable versions.

A build that changes anything writes a new version; readers take the highest. Items
carry why they are there (`reason`, and the campaign, quota, announcement or
template item behind them), which the operator page and the audit show.
"""

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Select,
    String,
    UniqueConstraint,
    and_,
    func,
    select,
    text,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from audio_library.db import Base, utcnow


class Reason(enum.StrEnum):
    FIXED = "fixed"  # an opening or closing item of the session template
    RELAY = "relay"  # tiếp âm set in the template
    EMERGENCY = "emergency"
    ONE_OFF = "one_off"
    QUOTA = "quota"  # placed to meet a campaign quota
    FILL = "fill"  # a fill rule of the template, by topic


class SessionKind(enum.StrEnum):
    REGULAR = "regular"
    EMERGENCY = "emergency"


class Playlist(Base):
    __tablename__ = "playlist"
    __table_args__ = (UniqueConstraint("station_id", "day", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("station.id"))
    day: Mapped[date]
    version: Mapped[int]
    built_at: Mapped[datetime] = mapped_column(default=utcnow)
    trigger: Mapped[str] = mapped_column(String(20))
    content_hash: Mapped[str] = mapped_column(String(64))
    # What changed from the previous version, and what did not fit or fell short.
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    report: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)

    sessions: Mapped[list["PlaylistSession"]] = relationship(
        order_by="PlaylistSession.number", viewonly=True
    )


class PlaylistSession(Base):
    __tablename__ = "playlist_session"

    playlist_id: Mapped[int] = mapped_column(ForeignKey("playlist.id"), primary_key=True)
    number: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(60))
    kind: Mapped[SessionKind] = mapped_column(String(10))
    starts_at: Mapped[datetime]
    max_seconds: Mapped[int]
    gap_seconds: Mapped[int]
    # Provenance ids, not foreign keys: a published version keeps naming the template,
    # quota or template item it came from after that is edited or deleted.
    template_id: Mapped[int | None]
    interrupts: Mapped[int | None]  # the regular session an emergency breaks into

    items: Mapped[list["PlaylistItem"]] = relationship(
        order_by="PlaylistItem.position", viewonly=True
    )

    @property
    def planned_seconds(self) -> float:
        if not self.items:
            return 0.0
        return sum(i.duration for i in self.items) + self.gap_seconds * (len(self.items) - 1)


class PlaylistItem(Base):
    __tablename__ = "playlist_item"
    __table_args__ = (
        ForeignKeyConstraint(
            ["playlist_id", "session_number"],
            ["playlist_session.playlist_id", "playlist_session.number"],
        ),
        # Emergencies are a handful among millions of items: the audit finds them here.
        Index(
            "ix_playlist_item_emergency",
            "playlist_id",
            sqlite_where=text("level = 'emergency'"),
            postgresql_where=text("level = 'emergency'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The playlist is checked through the session's key. Topic, campaign and announcement
    # are what the item was planned from, kept as ids: a million rows a night need no
    # more foreign-key checks than these two.
    playlist_id: Mapped[int] = mapped_column(index=True)
    session_number: Mapped[int]
    position: Mapped[int]
    kind: Mapped[str] = mapped_column(String(10))  # "segment" or "relay"
    segment_id: Mapped[int | None] = mapped_column(ForeignKey("segment.id"), index=True)
    url: Mapped[str] = mapped_column(String(500), default="")
    title: Mapped[str] = mapped_column(String(300))
    topic_id: Mapped[int | None]
    level: Mapped[str] = mapped_column(String(12))
    planned_start: Mapped[datetime]
    duration: Mapped[float]
    audio_sha: Mapped[str] = mapped_column(String(64), default="")
    reason: Mapped[Reason] = mapped_column(String(12))
    campaign_id: Mapped[int | None]
    quota_id: Mapped[int | None]
    announcement_id: Mapped[int | None]
    template_item_id: Mapped[int | None]


def current_playlist(session: Session, station_id: int, day: date) -> Playlist | None:
    """The newest version of a station's playlist for a day."""
    query = (
        select(Playlist)
        .where(Playlist.station_id == station_id, Playlist.day == day)
        .order_by(Playlist.version.desc())
        .limit(1)
    )
    return session.scalar(query)


def current_playlists(
    first: date, last: date, station_ids: list[int] | None = None
) -> Select[Playlist]:
    """The current (highest) version of each station's playlist between two days."""
    heads = select(
        Playlist.station_id, Playlist.day, func.max(Playlist.version).label("version")
    ).where(Playlist.day.between(first, last))
    if station_ids is not None:
        heads = heads.where(Playlist.station_id.in_(station_ids))
    current = heads.group_by(Playlist.station_id, Playlist.day).subquery()
    return select(Playlist).join(
        current,
        and_(
            current.c.station_id == Playlist.station_id,
            current.c.day == Playlist.day,
            current.c.version == Playlist.version,
        ),
    )
