"""The as-run log as the audit pages read it: a unit's station × day matrix and headline,
a station-day's items with every report made of them, and a record among its neighbours.

Plain functions over the compliance figures and the records; the pages word them.
"""

import enum
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from audio_library.segments import Topic
from radio.airings.as_run import day_log, slot_of
from radio.airings.chain import daily_anchor
from radio.airings.compliance import Compliance, Figures, QuotaLine, Sessions
from radio.airings.records import CHAINED, GENESIS, Confirmation, Status, record_hash
from radio.downloads import Download
from radio.people import User
from radio.tokens import AccessToken
from scheduler.campaigns import QuotaKind
from scheduler.playlist_views import DayView, day_view
from scheduler.playlists import PlaylistItem, PlaylistSession
from scheduler.units import Station

GOOD, FAIR = 0.95, 0.70  # item rates from which a cell is green, then amber


class CellState(enum.StrEnum):
    GOOD = "good"
    FAIR = "fair"
    POOR = "poor"
    SILENT = "silent"  # items were due and nothing at all was reported
    EMPTY = "empty"  # no playlist
    FUTURE = "future"  # nothing due yet


@dataclass
class Cell:
    day: date
    figures: Figures
    sessions: Sessions
    state: CellState


def cell_state(figures: Figures, future: bool) -> CellState:
    if future:
        return CellState.FUTURE
    if not figures.planned_items:
        return CellState.EMPTY
    if not figures.due_items:
        return CellState.FUTURE
    if not figures.reported_items:
        return CellState.SILENT
    rate = figures.rate or 0.0
    return CellState.GOOD if rate >= GOOD else CellState.FAIR if rate >= FAIR else CellState.POOR


def period_days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def matrix(c: Compliance, station_id: int, today: date) -> list[Cell]:
    """A station's row of the station × day matrix (compliance has cells up to MATRIX_DAYS)."""
    row = []
    for day in period_days(c.first, c.last):
        figures, sessions = c.cells.get((station_id, day), (Figures(), Sessions()))
        row.append(Cell(day, figures, sessions, cell_state(figures, day > today)))
    return row


@dataclass
class Headline:
    unconfirmed_sessions: int
    late_records: int
    emergencies: int
    emergencies_aired: int
    max_delay: float | None  # seconds from planned to actual start, of those aired
    mean_delay: float | None


def headline(c: Compliance) -> Headline:
    aired = [e for e in c.emergencies if e.status in (Status.AIRED, Status.PARTLY_AIRED)]
    delays = [e.delay_seconds for e in aired if e.delay_seconds is not None]
    return Headline(
        unconfirmed_sessions=sum(line.sessions.unconfirmed for line in c.stations),
        late_records=sum(line.sessions.late_records for line in c.stations),
        emergencies=len(c.emergencies),
        emergencies_aired=len(aired),
        max_delay=max(delays) if delays else None,
        mean_delay=sum(delays) / len(delays) if delays else None,
    )


@dataclass
class QuotaProgress:
    """One quota of a campaign over its target stations."""

    campaign: str
    kind: QuotaKind
    label: str
    done: float  # plays or minutes, each station's counted up to what it was asked
    required: float
    stations: int
    met: int

    @property
    def share(self) -> float:
        return min(self.done / self.required, 1.0) if self.required else 1.0


def quota_progress(quotas: list[QuotaLine]) -> list[QuotaProgress]:
    grouped: dict[tuple[int, QuotaKind, str], list[QuotaLine]] = defaultdict(list)
    for line in quotas:
        grouped[(line.campaign.id, line.kind, line.label)].append(line)
    return [
        QuotaProgress(
            campaign=lines[0].campaign.name,
            kind=kind,
            label=label,
            # A station far over its quota does not make up for one short of it.
            done=sum(min(q.done, q.required) for q in lines),
            required=sum(q.required for q in lines),
            stations=len(lines),
            met=sum(q.met for q in lines),
        )
        for (_campaign, kind, label), lines in grouped.items()
    ]


def day_anchors(
    session: Session, stations: list[Station], days: list[date], zone: str, now: datetime
) -> list[tuple[date, str]]:
    """The unit's anchor at the end of each of these days that is over."""
    out = []
    for day in days:
        until = datetime.combine(day + timedelta(days=1), time(0), ZoneInfo(zone))
        if until <= now:
            out.append((day, daily_anchor(session, stations, until)))
    return out


def topic_names(session: Session, ids: set[int]) -> dict[int, str]:
    return dict(session.execute(select(Topic.id, Topic.name).where(Topic.id.in_(ids))).all())


@dataclass
class ItemLine:
    item: PlaylistItem
    records: list[Confirmation]  # every report of its slot, oldest first

    @property
    def effective(self) -> Confirmation | None:
        return self.records[-1] if self.records else None


@dataclass
class Actors:
    """Who made some records or downloads: people by username, tokens by id."""

    users: dict[int, str]
    tokens: dict[int, AccessToken]


def actors(session: Session, rows: Sequence[Confirmation | Download]) -> Actors:
    people = {r.user_id for r in rows if r.user_id}
    token_ids = {r.token_id for r in rows if r.token_id}
    users = select(User.id, User.username).where(User.id.in_(people))
    tokens = select(AccessToken).where(AccessToken.id.in_(token_ids))
    return Actors(dict(session.execute(users).all()), {t.id: t for t in session.scalars(tokens)})


@dataclass
class DayHistory:
    view: DayView  # the current version of the playlist, with topic and campaign names
    sessions: list[tuple[PlaylistSession, list[ItemLine]]]
    dropped: list[Confirmation]  # reports of slots the current version no longer has
    unplanned: list[Confirmation]
    downloads: list[Download]
    actors: Actors
    seqs: dict[int, int]  # the record no. of each record a correction names
    topics: dict[int, str]


def day_history(session: Session, station: Station, day: date) -> DayHistory:
    view = day_view(session, station, day)
    log = day_log(session, station.id, day)
    sessions = []
    shown = set()
    for playlist_session in view.playlist.sessions if view.playlist else []:
        lines = []
        for item in playlist_session.items:
            slot = slot_of(item.planned_start, item.segment_id)
            shown.add(slot)
            lines.append(ItemLine(item, list(log.by_slot.get(slot, []))))
        sessions.append((playlist_session, lines))
    dropped = [r for slot, rs in log.by_slot.items() if slot not in shown for r in rs]
    records = [r for rs in log.by_slot.values() for r in rs] + log.unplanned
    downloads = list(
        session.scalars(
            select(Download)
            .where(Download.station_id == station.id, Download.day == day)
            .order_by(Download.at, Download.id)
        )
    )
    return DayHistory(
        view=view,
        sessions=sessions,
        dropped=sorted(dropped, key=lambda r: r.seq),
        unplanned=log.unplanned,
        downloads=downloads,
        actors=actors(session, [*records, *downloads]),
        seqs=record_numbers(session, {r.corrects_id for r in records if r.corrects_id}),
        topics={
            **view.topics,
            **topic_names(session, {r.topic_id for r in log.unplanned if r.topic_id}),
        },
    )


def record_numbers(session: Session, ids: set[int]) -> dict[int, int]:
    """The record no. (seq) of each record id."""
    query = select(Confirmation.id, Confirmation.seq).where(Confirmation.id.in_(ids))
    return dict(session.execute(query).all())


@dataclass
class ChainLink:
    """A record with the records before and after it in its station's chain."""

    record: Confirmation
    previous: Confirmation | None
    following: Confirmation | None

    @property
    def content_holds(self) -> bool:
        """Its hash is still the hash of its content and the previous hash it carries."""
        values = {name: getattr(self.record, name) for name in CHAINED}
        return record_hash(self.record.prev_hash, values) == self.record.hash

    @property
    def linked(self) -> bool:
        """It carries the hash of the record before it (the genesis hash for the first)."""
        if self.record.seq == 1:
            return self.record.prev_hash == GENESIS
        return self.previous is not None and self.previous.hash == self.record.prev_hash


def chain_link(session: Session, station_id: int, seq: int) -> ChainLink | None:
    found = {
        r.seq: r
        for r in session.scalars(
            select(Confirmation).where(
                Confirmation.station_id == station_id, Confirmation.seq.between(seq - 1, seq + 1)
            )
        )
    }
    if seq not in found:
        return None
    return ChainLink(found[seq], found.get(seq - 1), found.get(seq + 1))
