"""Read-only views of the schedule for people: a place's week, a station's day, a unit's week.

Plain queries over templates and playlists; the web pages render what these return.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session, selectinload

from audio_library.segments import Segment, Topic
from scheduler.campaigns import Campaign
from scheduler.playlists import Playlist, PlaylistItem, PlaylistSession
from scheduler.rules import Limits, UnitRules, limits_for
from scheduler.templates import SessionTemplate, TemplateBook, TemplateItem
from scheduler.units import Station, Unit, ancestors

Owner = Unit | Station


@dataclass
class PlaceWeek:
    """The sessions in force at a unit or station, and those set there."""

    owner: Owner
    effective: list[SessionTemplate]
    own: list[SessionTemplate]  # set here, including overrides and opt-outs
    limits: Limits
    owners: dict[int, Unit]  # the units of the chain, by id
    templates: dict[int, SessionTemplate]  # every template of the chain, by id

    def is_own(self, template: SessionTemplate) -> bool:
        return _owned_by(template, self.owner)

    def inherited(self) -> list[SessionTemplate]:
        return [t for t in self.effective if not self.is_own(t)]

    def origin(self, template: SessionTemplate) -> Unit | None:
        """The unit an inherited template comes from (None: set on a station)."""
        return self.owners.get(template.unit_id) if template.unit_id is not None else None


def _owned_by(template: SessionTemplate, owner: Owner) -> bool:
    if isinstance(owner, Station):
        return template.station_id == owner.id
    return template.unit_id == owner.id


def place_week(session: Session, owner: Owner) -> PlaceWeek:
    """Resolve the templates in force at a unit or a station (overrides and opt-outs applied)."""
    unit = owner.unit if isinstance(owner, Station) else owner
    chain = ancestors(session, unit)
    unit_ids = [u.id for u in chain]
    where: ColumnElement[bool] = SessionTemplate.unit_id.in_(unit_ids)
    if isinstance(owner, Station):
        where = or_(where, SessionTemplate.station_id == owner.id)
    templates = list(
        session.scalars(
            select(SessionTemplate).where(where).options(selectinload(SessionTemplate.items))
        )
    )
    rules = {
        r.unit_id: r
        for r in session.scalars(select(UnitRules).where(UnitRules.unit_id.in_(unit_ids)))
    }
    book = TemplateBook(templates, rules.values())
    station_id = owner.id if isinstance(owner, Station) else None
    effective = book.effective_at(tuple(unit_ids), station_id)
    own = sorted(
        (t for t in templates if _owned_by(t, owner)), key=lambda t: (t.start_minute, t.id)
    )
    return PlaceWeek(
        owner=owner,
        effective=effective,
        own=own,
        limits=limits_for([rules.get(u) for u in unit_ids]),
        owners={u.id: u for u in chain},
        templates={t.id: t for t in templates},
    )


def copy_template(
    source: SessionTemplate, owner: Owner, *, opt_out: bool = False
) -> SessionTemplate:
    """A template at `owner` that replaces the inherited `source` (a copy, or an opt-out)."""
    copy = SessionTemplate(
        unit_id=owner.id if isinstance(owner, Unit) else None,
        station_id=owner.id if isinstance(owner, Station) else None,
        label=source.label,
        weekdays=source.weekdays,
        starts_at=source.starts_at,
        max_minutes=source.max_minutes,
        valid_from=source.valid_from,
        valid_until=source.valid_until,
        gap_seconds=source.gap_seconds,
        replaces_id=source.id,
        opt_out=opt_out,
    )
    if not opt_out:
        copy.items = [
            TemplateItem(
                position=i.position,
                kind=i.kind,
                segment_id=i.segment_id,
                topic_id=i.topic_id,
                url=i.url,
                title=i.title,
                seconds=i.seconds,
            )
            for i in source.items
        ]
    return copy


def jingle_first(topic_codes: tuple[str, ...] = ("nhac-hieu",)) -> Any:
    """An ORDER BY term putting station-identification segments first."""
    return Segment.topic_id.in_(select(Topic.id).where(Topic.code.in_(topic_codes))).desc()


@dataclass
class DayView:
    playlist: Playlist | None
    topics: dict[int, str]
    campaigns: dict[int, str]


def day_view(session: Session, station: Station, day: date) -> DayView:
    """The current version of a station's playlist for a day, with names to show."""
    playlist = session.scalar(
        select(Playlist)
        .where(Playlist.station_id == station.id, Playlist.day == day)
        .order_by(Playlist.version.desc())
        .limit(1)
        .options(selectinload(Playlist.sessions).selectinload(PlaylistSession.items))
    )
    topics: dict[int, str] = {}
    campaigns: dict[int, str] = {}
    if playlist is not None:
        items = [i for s in playlist.sessions for i in s.items]
        topic_ids = {i.topic_id for i in items if i.topic_id is not None}
        campaign_ids = {i.campaign_id for i in items if i.campaign_id is not None}
        topics = dict(
            session.execute(select(Topic.id, Topic.name).where(Topic.id.in_(topic_ids))).all()
        )
        campaigns = dict(
            session.execute(
                select(Campaign.id, Campaign.name).where(Campaign.id.in_(campaign_ids))
            ).all()
        )
    return DayView(playlist, topics, campaigns)


def stations_below(session: Session, unit: Unit, limit: int, offset: int = 0) -> list[Station]:
    """One page of the active stations at or below a unit, by code."""
    query = (
        select(Station)
        .join(Station.unit)
        .where(Unit.path.startswith(unit.path, autoescape=True), Station.active.is_(True))
        .order_by(Station.code)
    )
    return list(session.scalars(query.limit(limit).offset(offset)))


@dataclass
class Cell:
    """One station's day in a unit's week."""

    day: date
    built: bool = False
    items: int = 0
    seconds: float = 0.0
    report: list[dict[str, Any]] = field(default_factory=list)

    @property
    def warning(self) -> bool:
        return not self.built or bool(self.report)


def week_cells(session: Session, stations: list[Station], monday: date) -> dict[int, list[Cell]]:
    """For each station, its seven days from `monday`: items, planned seconds, report."""
    last = monday + timedelta(days=6)
    ids = [s.id for s in stations]
    current = (
        select(Playlist.station_id, Playlist.day, func.max(Playlist.version).label("version"))
        .where(Playlist.day.between(monday, last), Playlist.station_id.in_(ids))
        .group_by(Playlist.station_id, Playlist.day)
        .subquery()
    )
    rows = session.execute(
        select(Playlist.id, Playlist.station_id, Playlist.day, Playlist.report).join(
            current,
            and_(
                Playlist.station_id == current.c.station_id,
                Playlist.day == current.c.day,
                Playlist.version == current.c.version,
            ),
        )
    ).all()
    totals = {
        playlist_id: (count, seconds)
        for playlist_id, count, seconds in session.execute(
            select(PlaylistItem.playlist_id, func.count(), func.sum(PlaylistItem.duration))
            .where(PlaylistItem.playlist_id.in_([r.id for r in rows]))
            .group_by(PlaylistItem.playlist_id)
        )
    }
    cells = {s.id: [Cell(monday + timedelta(days=i)) for i in range(7)] for s in stations}
    for row in rows:
        count, seconds = totals.get(row.id, (0, 0.0))
        cell = cells[row.station_id][(row.day - monday).days]
        cell.built, cell.items, cell.seconds = True, count, float(seconds or 0.0)
        cell.report = list(row.report or [])
    return cells


def warning_counts(cells: dict[int, list[Cell]]) -> Counter[str]:
    """How many report entries of each kind, and how many days have no playlist ("missing")."""
    counts: Counter[str] = Counter()
    for week in cells.values():
        for cell in week:
            if not cell.built:
                counts["missing"] += 1
            counts.update(str(entry.get("kind")) for entry in cell.report)
    return counts
