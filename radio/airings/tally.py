"""Per station-day tallies of planned against aired, kept fresh for fast reports.

A province-year is millions of confirmations; the reports add up tallies instead. A
tally is derived data, never the record: it is remade whenever its station-day has a
new playlist version, a record that arrived after it was made, or was made before the
day was over. Nothing in the as-run log itself is ever changed.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    ForeignKey,
    Index,
    String,
    and_,
    case,
    delete,
    exists,
    func,
    insert,
    literal,
    select,
)
from sqlalchemy.orm import Mapped, Session, aliased, mapped_column

from audio_library.db import Base, utcnow
from radio.airings.chain import lock_station
from radio.airings.records import Confirmation, Status
from scheduler.playlists import Playlist, PlaylistItem, current_playlists
from scheduler.units import Station

CHUNK = 500  # stations per statement: keeps IN lists well inside every database's limits


class FigureColumns:
    """Planned, due and what aired, as summed columns (a mixin of both tables below)."""

    planned_items: Mapped[int] = mapped_column(default=0)
    planned_seconds: Mapped[float] = mapped_column(default=0.0)
    due_items: Mapped[int] = mapped_column(default=0)  # planned to start by then
    due_seconds: Mapped[float] = mapped_column(default=0.0)
    aired_items: Mapped[int] = mapped_column(default=0)
    aired_seconds: Mapped[float] = mapped_column(default=0.0)  # partly aired counted in part
    partly_items: Mapped[int] = mapped_column(default=0)
    not_aired_items: Mapped[int] = mapped_column(default=0)
    late_items: Mapped[int] = mapped_column(default=0)  # their last report came late
    unplanned_items: Mapped[int] = mapped_column(default=0)
    unplanned_seconds: Mapped[float] = mapped_column(default=0.0)


FIGURES = tuple(FigureColumns.__annotations__)


class AiringTally(FigureColumns, Base):
    """A station-day's items by topic, campaign and level: planned, due and what aired."""

    __tablename__ = "airing_tally"
    __table_args__ = (Index("ix_airing_tally_station_day", "station_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("station.id"))
    day: Mapped[date] = mapped_column(index=True)
    topic_id: Mapped[int | None]
    campaign_id: Mapped[int | None]
    level: Mapped[str] = mapped_column(String(12))
    # Campaign items are kept per segment too: "each pool segment N times a week".
    segment_id: Mapped[int | None]


class AiringDay(FigureColumns, Base):
    """What a station-day's tallies were made from, their sum, and its sessions.

    The sums let a province-year's totals by station and by day read one row per
    station-day instead of every tally row."""

    __tablename__ = "airing_day"

    station_id: Mapped[int] = mapped_column(ForeignKey("station.id"), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    playlist_id: Mapped[int | None]
    through_seq: Mapped[int] = mapped_column(default=0)  # the station's head when made
    # When time alone makes it stale: the next item start or session end (plus the grace)
    # after it was made; None when only a new version or a new record can.
    fresh_until: Mapped[datetime | None]
    made_at: Mapped[datetime] = mapped_column(default=utcnow)
    sessions_planned: Mapped[int] = mapped_column(default=0)
    sessions_due: Mapped[int] = mapped_column(default=0)  # over for longer than the grace
    sessions_confirmed: Mapped[int] = mapped_column(default=0)  # of those, any report
    records: Mapped[int] = mapped_column(default=0)
    late_records: Mapped[int] = mapped_column(default=0)


StationDay = tuple[int, date]


@dataclass(frozen=True)
class Clock:
    now: datetime
    grace: timedelta


def refresh(
    session: Session, stations: list[Station], first: date, last: date, clock: Clock
) -> int:
    """Remake the stale tallies of these stations between two days; how many were remade."""
    stale = _stale(session, stations, first, last, clock)
    by_day: dict[date, list[int]] = defaultdict(list)
    for station_id, day in sorted(stale):
        by_day[day].append(station_id)
    for day, station_ids in by_day.items():
        for start in range(0, len(station_ids), CHUNK):
            chunk = station_ids[start : start + CHUNK]
            # Two reports remaking the same days, or a report and an append, take turns.
            lock_station(session, *chunk)
            _remake(session, day, chunk, clock)
            session.commit()
    return len(stale)


def _stale(
    session: Session, stations: list[Station], first: date, last: date, clock: Clock
) -> set[StationDay]:
    ids = [s.id for s in stations]
    wanted = {(s, first + timedelta(days=n)) for s in ids for n in range((last - first).days + 1)}
    heads: dict[StationDay, int] = {}
    made: dict[StationDay, tuple[int | None, datetime | None]] = {}
    for chunk in _chunks(ids):
        current = current_playlists(first, last, chunk).with_only_columns(
            Playlist.station_id, Playlist.day, Playlist.id
        )
        heads.update({(s, d): p for s, d, p in session.execute(current)})
        rows = session.execute(
            select(
                AiringDay.station_id, AiringDay.day, AiringDay.playlist_id, AiringDay.fresh_until
            ).where(AiringDay.station_id.in_(chunk), AiringDay.day.between(first, last))
        )
        made.update({(s, d): (p, fresh) for s, d, p, fresh in rows})

    def fresh(key: StationDay) -> bool:
        if key not in made:
            return False
        playlist_id, fresh_until = made[key]
        return playlist_id == heads.get(key) and (fresh_until is None or fresh_until > clock.now)

    stale = {key for key in wanted if not fresh(key)}
    # Records that arrived after a tally was made: one index probe per station-day.
    newer = exists().where(
        Confirmation.station_id == AiringDay.station_id,
        Confirmation.day == AiringDay.day,
        Confirmation.seq > AiringDay.through_seq,
    )
    for chunk in _chunks(ids):
        query = select(AiringDay.station_id, AiringDay.day).where(
            AiringDay.station_id.in_(chunk), AiringDay.day.between(first, last), newer
        )
        stale.update((s, d) for s, d in session.execute(query))
    return stale


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


# The tallies are inserted with their NULLs written out (render_nulls): left to the ORM,
# each different pattern of NULL keys would start a new batch, one row at a time at worst.


def _remake(
    session: Session,
    day: date,
    station_ids: list[int],
    clock: Clock,
) -> None:
    # Each station's head through its own index, not a scan of all its records.
    last_seq = (
        select(func.max(Confirmation.seq))
        .where(Confirmation.station_id == Station.id)
        .scalar_subquery()
    )
    heads: dict[int, int | None] = dict(
        session.execute(select(Station.id, last_seq).where(Station.id.in_(station_ids))).all()
    )
    playlists = dict(
        session.execute(
            current_playlists(day, day, station_ids).with_only_columns(
                Playlist.station_id, Playlist.id
            )
        ).all()
    )
    where_days = and_(AiringTally.station_id.in_(station_ids), AiringTally.day == day)
    session.execute(delete(AiringTally).where(where_days))
    session.execute(
        delete(AiringDay).where(AiringDay.station_id.in_(station_ids), AiringDay.day == day)
    )
    rows = _planned_rows(session, day, playlists, clock.now)
    rows += _unplanned_rows(session, day, station_ids)
    if rows:
        session.execute(insert(AiringTally).execution_options(render_nulls=True), rows)
    sessions = _sessions(session, day, playlists, clock)
    records = _record_counts(session, day, station_ids)
    sums: dict[int, dict[str, float]] = defaultdict(lambda: dict.fromkeys(FIGURES, 0))
    for row in rows:
        for name in FIGURES:
            sums[row["station_id"]][name] += row.get(name) or 0
    days = []
    for station_id in station_ids:
        planned, due, confirmed, fresh_until = sessions.get(station_id, (0, 0, 0, None))
        count, late = records.get(station_id, (0, 0))
        days.append(
            {
                **sums[station_id],
                "station_id": station_id,
                "day": day,
                "playlist_id": playlists.get(station_id),
                "through_seq": heads.get(station_id) or 0,
                "fresh_until": fresh_until,
                "made_at": clock.now,
                "sessions_planned": planned,
                "sessions_due": due,
                "sessions_confirmed": confirmed,
                "records": count,
                "late_records": late,
            }
        )
    session.execute(insert(AiringDay).execution_options(render_nulls=True), days)


def last_report() -> Any:
    """Joins a playlist item (with its playlist) to the last report of its slot: a report
    of the slot with no later one. Both databases find these through the slot index; a
    join to the day's reports grouped by slot had SQLite compare every item with every
    report of the day."""
    later = aliased(Confirmation)
    return and_(
        Confirmation.station_id == Playlist.station_id,
        Confirmation.planned_start == PlaylistItem.planned_start,
        func.coalesce(Confirmation.segment_id, 0) == func.coalesce(PlaylistItem.segment_id, 0),
        ~exists().where(
            later.station_id == Confirmation.station_id,
            later.planned_start == Confirmation.planned_start,
            func.coalesce(later.segment_id, 0) == func.coalesce(Confirmation.segment_id, 0),
            later.id > Confirmation.id,
        ),
    )


def _planned_rows(
    session: Session, day: date, playlists: dict[int, int], now: datetime
) -> list[dict[str, Any]]:
    """Tally rows of the stations' current playlists (station id → playlist id)."""
    if not playlists:
        return []
    status = Confirmation.status
    one = literal(1)
    started = PlaylistItem.planned_start <= now
    segment = case((PlaylistItem.campaign_id.is_not(None), PlaylistItem.segment_id))
    query = (
        select(
            Playlist.station_id,
            PlaylistItem.topic_id,
            PlaylistItem.campaign_id,
            PlaylistItem.level,
            segment.label("segment_id"),
            func.count().label("planned_items"),
            func.sum(PlaylistItem.duration).label("planned_seconds"),
            func.sum(case((started, one), else_=0)).label("due_items"),
            func.sum(case((started, PlaylistItem.duration), else_=0)).label("due_seconds"),
            func.sum(case((status == Status.AIRED, one), else_=0)).label("aired_items"),
            func.sum(
                case(
                    (status == Status.AIRED, PlaylistItem.duration),
                    (status == Status.PARTLY_AIRED, func.coalesce(Confirmation.seconds, 0)),
                    else_=0,
                )
            ).label("aired_seconds"),
            func.sum(case((status == Status.PARTLY_AIRED, one), else_=0)).label("partly_items"),
            func.sum(case((status == Status.NOT_AIRED, one), else_=0)).label("not_aired_items"),
            func.sum(case((Confirmation.late, one), else_=0)).label("late_items"),
        )
        .select_from(PlaylistItem)
        .join(Playlist, Playlist.id == PlaylistItem.playlist_id)
        .outerjoin(Confirmation, last_report())
        .where(Playlist.id.in_(playlists.values()))
        .group_by(
            Playlist.station_id,
            PlaylistItem.topic_id,
            PlaylistItem.campaign_id,
            PlaylistItem.level,
            segment,
        )
    )
    return [{**row._asdict(), "day": day} for row in session.execute(query)]


def _unplanned_rows(session: Session, day: date, station_ids: list[int]) -> list[dict[str, Any]]:
    aired = Confirmation.status != Status.NOT_AIRED
    correction = aliased(Confirmation)
    query = (
        select(
            Confirmation.station_id,
            Confirmation.topic_id,
            func.count().label("unplanned_items"),
            func.sum(func.coalesce(Confirmation.seconds, 0)).label("unplanned_seconds"),
        )
        .where(
            Confirmation.station_id.in_(station_ids),
            Confirmation.day == day,
            Confirmation.planned_start.is_(None),
            aired,
            # A corrected unplanned airing counts once, as its last report says.
            ~exists().where(correction.corrects_id == Confirmation.id),
        )
        .group_by(Confirmation.station_id, Confirmation.topic_id)
    )
    return [
        {**row._asdict(), "day": day, "campaign_id": None, "level": "normal"}
        for row in session.execute(query)
    ]


def _sessions(
    session: Session, day: date, playlists: dict[int, int], clock: Clock
) -> dict[int, tuple[int, int, int, datetime | None]]:
    """Per station: sessions planned, over by more than the grace, of those confirmed, and
    the next moment one of these figures (or the items due) changes by time alone."""
    if not playlists:
        return {}
    later = PlaylistItem.planned_start > clock.now
    query = (
        select(
            Playlist.station_id,
            PlaylistItem.session_number,
            func.max(PlaylistItem.planned_start),
            func.max(PlaylistItem.duration),
            func.min(case((later, PlaylistItem.planned_start))),
            func.count(Confirmation.id),
        )
        .select_from(PlaylistItem)
        .join(Playlist, Playlist.id == PlaylistItem.playlist_id)
        .outerjoin(Confirmation, last_report())
        .where(Playlist.id.in_(playlists.values()))
        .group_by(Playlist.station_id, PlaylistItem.session_number)
    )
    counts: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    changes: dict[int, list[datetime]] = defaultdict(list)
    for station_id, _number, last_start, longest, next_start, reported in session.execute(query):
        counts[station_id][0] += 1
        # The last item's start plus the longest item's length is never before the end.
        due_at = last_start + timedelta(seconds=longest) + clock.grace
        if due_at <= clock.now:
            counts[station_id][1] += 1
            counts[station_id][2] += reported > 0
        else:
            changes[station_id].append(due_at)
        if next_start is not None:
            changes[station_id].append(next_start)
    return {
        station_id: (planned, due, confirmed, min(changes[station_id], default=None))
        for station_id, (planned, due, confirmed) in counts.items()
    }


def _record_counts(
    session: Session, day: date, station_ids: list[int]
) -> dict[int, tuple[int, int]]:
    query = (
        select(
            Confirmation.station_id,
            func.count(),
            func.sum(case((Confirmation.late, literal(1)), else_=0)),
        )
        .where(Confirmation.station_id.in_(station_ids), Confirmation.day == day)
        .group_by(Confirmation.station_id)
    )
    return {s: (n, int(late or 0)) for s, n, late in session.execute(query)}
