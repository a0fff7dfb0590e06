"""Compliance of a unit over a period: planned against aired, from the station-day tallies.

Everything here reads tallies (radio.airings.tally), refreshed first, so a province-year
costs a few grouped reads of a few hundred thousand rows, not millions of records.
"""

from collections import defaultdict
from dataclasses import dataclass, field, fields
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import Session

from radio.airings.chain import daily_anchor, stations_under
from radio.airings.records import Confirmation, Status
from radio.airings.tally import AiringDay, AiringTally, Clock, last_report, refresh
from radio.downloads import last_downloads
from radio.tokens import AccessToken
from scheduler.campaigns import Campaign, QuotaKind
from scheduler.playlists import Playlist, PlaylistItem, current_playlists
from scheduler.units import Station, Unit, path_names

MATRIX_DAYS = 31


@dataclass
class Figures:
    planned_items: int = 0
    planned_seconds: float = 0.0
    due_items: int = 0
    due_seconds: float = 0.0
    aired_items: int = 0
    aired_seconds: float = 0.0
    partly_items: int = 0
    not_aired_items: int = 0
    late_items: int = 0
    unplanned_items: int = 0
    unplanned_seconds: float = 0.0

    @property
    def reported_items(self) -> int:
        return self.aired_items + self.partly_items + self.not_aired_items

    @property
    def unreported_items(self) -> int:
        return max(self.due_items - self.reported_items, 0)

    @property
    def rate(self) -> float | None:
        """Share of the items due so far that aired in full; None when none was due."""
        return self.aired_items / self.due_items if self.due_items else None

    @property
    def minutes_rate(self) -> float | None:
        """Share of the minutes due so far that aired, partly aired items by their part."""
        return min(self.aired_seconds / self.due_seconds, 1.0) if self.due_seconds else None

    def add(self, other: "Figures") -> None:
        for name in FIGURES:
            setattr(self, name, getattr(self, name) + getattr(other, name))


FIGURES = tuple(f.name for f in fields(Figures))


@dataclass
class Sessions:
    planned: int = 0
    due: int = 0
    confirmed: int = 0
    records: int = 0
    late_records: int = 0

    @property
    def unconfirmed(self) -> int:
        return self.due - self.confirmed


@dataclass
class StationLine:
    station: Station
    unit_path: str
    figures: Figures
    sessions: Sessions
    last_download: datetime | None
    last_contact: datetime | None


@dataclass
class QuotaLine:
    campaign: Campaign
    kind: QuotaKind
    label: str  # the topic's name, or the pool
    station: Station
    required: float  # plays (least played pool segment) or minutes, for the period
    done: float

    @property
    def met(self) -> bool:
        return self.done >= self.required


@dataclass
class EmergencyLine:
    station: Station
    title: str
    planned_start: datetime
    status: Status | None
    started_at: datetime | None

    @property
    def delay_seconds(self) -> float | None:
        if self.started_at is None:
            return None
        return (self.started_at - self.planned_start).total_seconds()


@dataclass
class Compliance:
    unit: Unit
    first: date
    last: date
    made_at: datetime
    total: Figures
    stations: list[StationLine]
    days: dict[date, Figures]
    # Station × day, for periods of up to MATRIX_DAYS days (what the matrix shows).
    cells: dict[tuple[int, date], tuple[Figures, Sessions]]
    topics: list[tuple[int | None, Figures]]
    campaigns: list[tuple[int | None, Figures]]
    levels: list[tuple[str, Figures]]
    quotas: list[QuotaLine] = field(default_factory=list)
    emergencies: list[EmergencyLine] = field(default_factory=list)
    anchor: str = ""
    # The anchor covers the records received before this moment: the end of the period's
    # last day in the zone, or `now` while that day is not over. Printed with the anchor,
    # it is what a later check recomputes.
    anchored_at: datetime | None = None


def compliance(
    session: Session,
    unit: Unit,
    first: date,
    last: date,
    *,
    now: datetime,
    grace: timedelta,
    zone: str,
    campaign_id: int | None = None,
) -> Compliance:
    """The unit's compliance between two days (inclusive), as of `now`; with a campaign,
    only that campaign's items and quotas count."""
    under = stations_under(session, unit)
    stations = [s for s in under if s.active]
    ids = [s.id for s in stations]
    refresh(session, stations, first, last, Clock(now, grace))
    # Sums by station and day come from one row per station-day; with a campaign, from
    # the tally rows of its items.
    source: Any = AiringDay if campaign_id is None else AiringTally
    in_range = and_(source.station_id.in_(ids), source.day.between(first, last))
    if campaign_id is not None:
        in_range = and_(in_range, AiringTally.campaign_id == campaign_id)

    def grouped(*keys: Any) -> Select[Any]:
        sums = [func.sum(getattr(source, name)).label(name) for name in FIGURES]
        return select(*keys, *sums).where(in_range).group_by(*keys)

    total = next((_figures(r) for r in session.execute(grouped())), Figures())
    days = {r.day: _figures(r) for r in session.execute(grouped(source.day))}
    by_station = {r.station_id: _figures(r) for r in session.execute(grouped(source.station_id))}
    kinds = _kinds(session, ids, first, last, campaign_id)
    station_sessions = _sessions(session, ids, first, last, AiringDay.station_id)
    cells: dict[tuple[int, date], tuple[Figures, Sessions]] = {}
    if (last - first).days < MATRIX_DAYS:
        cell_figures = {
            (r.station_id, r.day): _figures(r)
            for r in session.execute(grouped(source.station_id, source.day))
        }
        cell_sessions = _sessions(session, ids, first, last, AiringDay.station_id, AiringDay.day)
        cells = {
            key: (cell_figures.get(key, Figures()), cell_sessions.get(key, Sessions()))
            for key in set(cell_figures) | set(cell_sessions)
        }
    paths = path_names(session, list({s.unit_id: s.unit for s in stations}.values()))
    downloads = last_downloads(session, ids)
    contacts = _last_contacts(session, ids, downloads)
    lines = [
        StationLine(
            s,
            paths.get(s.unit_id, ""),
            by_station.get(s.id, Figures()),
            station_sessions.get((s.id,), Sessions()),
            downloads.get(s.id),
            contacts.get(s.id),
        )
        for s in stations
    ]
    until = min(datetime.combine(last + timedelta(days=1), time(0), ZoneInfo(zone)), now)
    return Compliance(
        unit=unit,
        first=first,
        last=last,
        made_at=now,
        total=total,
        stations=lines,
        days=dict(sorted(days.items())),
        cells=cells,
        topics=list(kinds.topics.items()),
        campaigns=list(kinds.campaigns.items()),
        levels=list(kinds.levels.items()),
        quotas=_quotas(session, stations, first, last, campaign_id, kinds),
        emergencies=_emergencies(session, stations, first, last),
        # Every station of the unit, as `radio audit anchor` takes them: a station made
        # inactive later must not change the anchor a printed report carries.
        anchor=daily_anchor(session, under, until),
        anchored_at=until,
    )


def _sessions(
    session: Session, ids: list[int], first: date, last: date, *keys: Any
) -> dict[tuple[Any, ...], Sessions]:
    """Sessions and records of the station-days, summed by the given AiringDay columns."""
    sums = [
        func.sum(column)
        for column in (
            AiringDay.sessions_planned,
            AiringDay.sessions_due,
            AiringDay.sessions_confirmed,
            AiringDay.records,
            AiringDay.late_records,
        )
    ]
    query = (
        select(*keys, *sums)
        .where(AiringDay.station_id.in_(ids), AiringDay.day.between(first, last))
        .group_by(*keys)
    )
    return {
        tuple(row[: len(keys)]): Sessions(*(int(n or 0) for n in row[len(keys) :]))
        for row in session.execute(query)
    }


def _last_contacts(
    session: Session, ids: list[int], downloads: dict[int, datetime]
) -> dict[int, datetime]:
    """The last time each station was heard from: a download, a report or a token's use."""
    heard = dict(downloads)
    # Per station, one probe of (station, received at), not a scan of the year's records.
    last_report = (
        select(func.max(Confirmation.received_at))
        .where(Confirmation.station_id == Station.id)
        .scalar_subquery()
    )
    reports = select(Station.id, last_report).where(Station.id.in_(ids))
    tokens = (
        select(AccessToken.station_id, func.max(AccessToken.last_used_at))
        .where(AccessToken.station_id.in_(ids))
        .group_by(AccessToken.station_id)
    )
    for query in (reports, tokens):
        for station_id, at in session.execute(query):
            if station_id is None or at is None:
                continue
            if station_id not in heard or at > heard[station_id]:
                heard[station_id] = at
    return heard


def _quotas(
    session: Session,
    stations: list[Station],
    first: date,
    last: date,
    campaign_id: int | None,
    kinds: "Kinds",
) -> list[QuotaLine]:
    """Each quota of the campaigns running in the period, per target station: met or not.

    A weekly quota asks, over the part of the period the campaign runs, its weekly figure
    times the number of weeks (days / 7).
    """
    by_id = {s.id: s for s in stations}
    running = select(Campaign).where(Campaign.starts_on <= last, Campaign.ends_on >= first)
    if campaign_id is not None:
        running = running.where(Campaign.id == campaign_id)
    campaigns = session.scalars(running)
    out: list[QuotaLine] = []
    for campaign in campaigns:
        start, end = max(first, campaign.starts_on), min(last, campaign.ends_on)
        weeks = ((end - start).days + 1) / 7
        targets = [
            s.id for s in stations if any(u.contains(s.unit) for u in campaign.target_units())
        ]
        if not targets or not campaign.quotas:
            continue
        # The report's own figures serve when they cover the same days and every item.
        counted = kinds
        if (start, end) != (first, last) or campaign_id is not None:
            counted = _kinds(session, targets, start, end, None)
        for quota in campaign.quotas:
            for station_id in targets:
                done: float
                if quota.kind == QuotaKind.SEGMENT_PLAYS:
                    done = min(
                        (
                            counted.plays.get((station_id, campaign.id, seg.id), 0)
                            for seg in campaign.segments
                        ),
                        default=0,
                    )
                    required = quota.times_per_week * weeks
                    label = campaign.name
                else:
                    done = counted.minutes.get((station_id, quota.topic_id), 0.0)
                    required = quota.minutes_per_week * weeks
                    label = quota.topic.name if quota.topic else ""
                out.append(
                    QuotaLine(campaign, quota.kind, label, by_id[station_id], required, done)
                )
    return out


@dataclass
class Kinds:
    """A period's figures by topic, campaign and level, and what the quotas count."""

    topics: dict[int | None, Figures] = field(default_factory=lambda: defaultdict(Figures))
    campaigns: dict[int | None, Figures] = field(default_factory=lambda: defaultdict(Figures))
    levels: dict[str, Figures] = field(default_factory=lambda: defaultdict(Figures))
    # Plays aired in full by station, campaign and segment; minutes by station and topic.
    plays: dict[tuple[int, int | None, int], int] = field(default_factory=dict)
    minutes: dict[tuple[int, int | None], float] = field(default_factory=lambda: defaultdict(float))


def _kinds(
    session: Session, ids: list[int], first: date, last: date, campaign_id: int | None
) -> Kinds:
    """One grouped read of the tallies (a few thousand rows for a province-year), folded."""
    keys = (
        AiringTally.station_id,
        AiringTally.topic_id,
        AiringTally.campaign_id,
        AiringTally.level,
        AiringTally.segment_id,
    )
    sums = [func.sum(getattr(AiringTally, name)).label(name) for name in FIGURES]
    query = select(*keys, *sums).where(
        AiringTally.station_id.in_(ids), AiringTally.day.between(first, last)
    )
    if campaign_id is not None:
        query = query.where(AiringTally.campaign_id == campaign_id)
    kinds = Kinds()
    for row in session.execute(query.group_by(*keys)):
        fig = _figures(row)
        kinds.topics[row.topic_id].add(fig)
        kinds.campaigns[row.campaign_id].add(fig)
        kinds.levels[row.level].add(fig)
        kinds.minutes[(row.station_id, row.topic_id)] += (
            fig.aired_seconds + fig.unplanned_seconds
        ) / 60
        if row.segment_id is not None:
            key = (row.station_id, row.campaign_id, row.segment_id)
            kinds.plays[key] = kinds.plays.get(key, 0) + fig.aired_items
    return kinds


def _figures(row: Any) -> Figures:
    return Figures(**{name: getattr(row, name) or 0 for name in FIGURES})


def _emergencies(
    session: Session, stations: list[Station], first: date, last: date
) -> list[EmergencyLine]:
    """Every emergency item planned in the period, with its last report if any."""
    by_id = {s.id: s for s in stations}
    current = current_playlists(first, last, list(by_id)).subquery()
    query = (
        select(
            Playlist.station_id,
            PlaylistItem.title,
            PlaylistItem.planned_start,
            Confirmation.status,
            Confirmation.started_at,
        )
        .select_from(PlaylistItem)
        .join(current, current.c.id == PlaylistItem.playlist_id)
        .join(Playlist, Playlist.id == PlaylistItem.playlist_id)
        .outerjoin(Confirmation, last_report())
        .where(PlaylistItem.level == "emergency")
        .order_by(PlaylistItem.planned_start)
    )
    return [
        EmergencyLine(by_id[s], title, start, Status(status) if status else None, started)
        for s, title, start, status, started in session.execute(query)
    ]
