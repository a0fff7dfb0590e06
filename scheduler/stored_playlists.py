"""What the current playlists already say: the days being rebuilt, and the history before.

Read as plain rows: a national rebuild reads a million items.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, timedelta
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from scheduler.plan_parts import Item, Planned, Seg, tick
from scheduler.playlists import (
    Playlist,
    PlaylistItem,
    PlaylistSession,
    Reason,
    SessionKind,
    current_playlists,
)

HISTORY_DAYS = 14  # how far back rotation looks for when a segment was last planned


@dataclass
class Stored:
    """A station-day's current playlist, as the planner sees it."""

    version: int
    content_hash: str
    sessions: list[Planned]


@dataclass
class History:
    """What was planned before the first day built: rotation and this week's counts."""

    last_tick: dict[int, dict[int, int]] = field(default_factory=dict)  # station → segment
    plays: dict[int, dict[int, int]] = field(default_factory=dict)  # station → segment
    seconds: dict[int, dict[int, float]] = field(default_factory=dict)  # station → topic


def _heads(first: date, last: date, station_ids: list[int]) -> Any:
    """Current playlist versions of these stations between two days, as a join target."""
    current = current_playlists(first, last, station_ids)
    return current.with_only_columns(Playlist.id, Playlist.station_id, Playlist.day).subquery()


def load_history(session: Session, station_ids: list[int], first: date) -> History:
    """When each segment was last planned at each station, and this week's counts so far."""
    history = History()
    before = _heads(first - timedelta(days=HISTORY_DAYS), first - timedelta(days=1), station_ids)
    last = (
        select(before.c.station_id, PlaylistItem.segment_id, func.max(PlaylistSession.starts_at))
        .join(PlaylistItem, PlaylistItem.playlist_id == before.c.id)
        .join(
            PlaylistSession,
            and_(
                PlaylistSession.playlist_id == PlaylistItem.playlist_id,
                PlaylistSession.number == PlaylistItem.session_number,
            ),
        )
        .where(PlaylistItem.segment_id.is_not(None))
        .group_by(before.c.station_id, PlaylistItem.segment_id)
    )
    for station_id, segment_id, starts_at in session.execute(last):
        moment = starts_at if starts_at.tzinfo else starts_at.replace(tzinfo=UTC)
        history.last_tick.setdefault(station_id, {})[segment_id] = tick(moment)
    monday = first - timedelta(days=first.weekday())
    if monday < first:
        week = _heads(monday, first - timedelta(days=1), station_ids)
        counts = (
            select(
                week.c.station_id,
                PlaylistItem.segment_id,
                PlaylistItem.topic_id,
                func.count(),
                func.sum(PlaylistItem.duration),
            )
            .join(PlaylistItem, PlaylistItem.playlist_id == week.c.id)
            .where(PlaylistItem.segment_id.is_not(None))
            .group_by(week.c.station_id, PlaylistItem.segment_id, PlaylistItem.topic_id)
        )
        for station_id, segment_id, topic_id, plays, seconds in session.execute(counts):
            history.plays.setdefault(station_id, {})[segment_id] = plays
            topics = history.seconds.setdefault(station_id, {})
            topics[topic_id] = topics.get(topic_id, 0.0) + float(seconds)
    return history


def load_stored(
    session: Session, station_ids: list[int], first: date, last: date
) -> dict[tuple[int, date], Stored]:
    """The current playlists of the days being built, as planned sessions."""
    playlists = current_playlists(first, last, station_ids).with_only_columns(
        Playlist.id, Playlist.station_id, Playlist.day, Playlist.version, Playlist.content_hash
    )
    found: dict[int, tuple[tuple[int, date], Stored]] = {}
    for row in session.execute(playlists):
        found[row.id] = ((row.station_id, row.day), Stored(row.version, row.content_hash, []))
    sessions: dict[tuple[int, int], Planned] = {}
    for chunk in _chunks(list(found), 5000):
        session_rows = session.execute(
            select(PlaylistSession.__table__)
            .where(PlaylistSession.playlist_id.in_(chunk))
            .order_by(PlaylistSession.playlist_id, PlaylistSession.number)
        )
        for s in session_rows:
            planned = Planned(
                s.label,
                SessionKind(s.kind),
                s.starts_at,
                s.max_seconds,
                s.gap_seconds,
                s.template_id,
                interrupts=s.interrupts,
                frozen=True,
            )
            sessions[(s.playlist_id, s.number)] = planned
            found[s.playlist_id][1].sessions.append(planned)
        item_rows = session.execute(
            select(PlaylistItem.__table__)
            .where(PlaylistItem.playlist_id.in_(chunk))
            .order_by(PlaylistItem.playlist_id, PlaylistItem.session_number, PlaylistItem.position)
        )
        for i in item_rows:
            sessions[(i.playlist_id, i.session_number)].add(_stored_item(i))
    return dict(found.values())


def _stored_item(i: Any) -> Item:
    seg = (
        Seg(i.segment_id, i.title, i.topic_id or 0, i.level, i.duration, i.audio_sha)
        if i.segment_id is not None
        else None
    )
    return Item(
        i.kind,
        seg,
        i.url,
        i.title,
        i.duration,
        Reason(i.reason),
        i.campaign_id,
        i.quota_id,
        i.announcement_id,
        i.template_item_id,
    )


def _chunks(values: list[int], size: int) -> list[list[int]]:
    return [values[i : i + size] for i in range(0, len(values), size)]
