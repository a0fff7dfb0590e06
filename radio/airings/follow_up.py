"""What the scheduled jobs leave behind: sessions flagged as unconfirmed, daily digests.

A session is flagged once, some hours after it ended, when no report names any of its
items' slots. The flag is never removed: a report that comes later clears the session
in `unconfirmed_sessions`, which is what pages and digests read.
"""

from collections.abc import Collection
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    JSON,
    ColumnElement,
    ForeignKey,
    String,
    UniqueConstraint,
    exists,
    func,
    select,
)
from sqlalchemy.orm import Mapped, Session, aliased, mapped_column

from audio_library.db import Base, utcnow
from radio.airings.records import Confirmation
from scheduler.bulk import insert_rows
from scheduler.playlists import Playlist, PlaylistItem, PlaylistSession, current_playlists
from scheduler.units import Station

# No item is longer than this: a session whose last item started earlier than the
# look-back window by more than this has surely ended before it.
LONGEST_ITEM = timedelta(hours=6)


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


def session_confirmed(
    station_id: Any, playlist_id: Any, session_number: Any
) -> ColumnElement[bool]:
    """Whether any item of this playlist session has a report at the station (by slot)."""
    item = aliased(PlaylistItem)
    return exists().where(
        item.playlist_id == playlist_id,
        item.session_number == session_number,
        Confirmation.station_id == station_id,
        Confirmation.planned_start == item.planned_start,
        Confirmation.segment_id.is_not_distinct_from(item.segment_id),
    )


def flag_unconfirmed(
    session: Session, now: datetime, grace: timedelta, lookback_days: int = 3
) -> int:
    """Flag the sessions that ended between the look-back and `grace` ago with no report.

    Only the current playlist versions of active stations count. Returns how many were
    flagged; a session flagged before is not flagged again.
    """
    earliest, latest = now - timedelta(days=lookback_days), now - grace
    # Playlist days are local dates: a day on either side covers every zone.
    first, last = (earliest - timedelta(days=1)).date(), (now + timedelta(days=1)).date()
    plays = (
        current_playlists(first, last)
        .join(Station, Station.id == Playlist.station_id)
        .where(Station.active.is_(True))
        .with_only_columns(Playlist.id, Playlist.station_id, Playlist.day)
        .subquery("plays")
    )
    last_start = func.max(PlaylistItem.planned_start)
    bounds = (
        select(
            plays.c.station_id,
            plays.c.day,
            PlaylistItem.playlist_id,
            PlaylistItem.session_number,
            func.min(PlaylistItem.planned_start).label("starts_at"),
            last_start.label("last_start"),
        )
        .join_from(plays, PlaylistItem, PlaylistItem.playlist_id == plays.c.id)
        .group_by(
            plays.c.station_id, plays.c.day, PlaylistItem.playlist_id, PlaylistItem.session_number
        )
        .having(last_start >= earliest - LONGEST_ITEM, last_start <= latest)
        .subquery("bounds")
    )
    last_item = aliased(PlaylistItem)
    query = (
        select(bounds, PlaylistSession.label, last_item.duration)
        .join(
            PlaylistSession,
            (PlaylistSession.playlist_id == bounds.c.playlist_id)
            & (PlaylistSession.number == bounds.c.session_number),
        )
        .join(
            last_item,
            (last_item.playlist_id == bounds.c.playlist_id)
            & (last_item.session_number == bounds.c.session_number)
            & (last_item.planned_start == bounds.c.last_start),
        )
        .where(
            ~session_confirmed(bounds.c.station_id, bounds.c.playlist_id, bounds.c.session_number),
            ~exists().where(
                UnconfirmedSession.station_id == bounds.c.station_id,
                UnconfirmedSession.starts_at == bounds.c.starts_at,
            ),
        )
    )
    # One row per session: (station, start) is what the flag is unique on.
    rows: dict[tuple[int, datetime], dict[str, Any]] = {}
    for row in session.execute(query):
        ends_at = row.last_start + timedelta(seconds=row.duration)
        if earliest <= ends_at <= latest:
            rows.setdefault(
                (row.station_id, row.starts_at),
                {
                    "station_id": row.station_id,
                    "day": row.day,
                    "playlist_id": row.playlist_id,
                    "session_number": row.session_number,
                    "label": row.label,
                    "starts_at": row.starts_at,
                    "ends_at": ends_at,
                    "flagged_at": now,
                },
            )
    insert_rows(session, UnconfirmedSession, list(rows.values()))
    return len(rows)


def unconfirmed_sessions(
    session: Session, station_ids: Collection[int], first: date, last: date
) -> list[UnconfirmedSession]:
    """The flagged sessions of these stations and days that still have no report now."""
    if not station_ids:
        return []
    flagged = UnconfirmedSession
    query = (
        select(flagged)
        .where(
            flagged.station_id.in_(station_ids),
            flagged.day.between(first, last),
            ~session_confirmed(flagged.station_id, flagged.playlist_id, flagged.session_number),
        )
        .order_by(flagged.starts_at, flagged.station_id)
    )
    return list(session.scalars(query))
