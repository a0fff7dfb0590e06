"""Session templates (lịch phát): when a station broadcasts, for how long, and with what.

A template set on a unit applies to every station below it; a station (or a lower unit)
can override an inherited template with its own version, or opt out of it.
"""

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import ForeignKey, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from audio_library.db import Base, nfc, utcnow
from audio_library.segments import Segment, Topic
from scheduler.errors import ScheduleError
from scheduler.rules import Limits, UnitRules, limits_for
from scheduler.units import Station, Unit

MAX_SESSION_MINUTES = 240
ALL_DAYS = "1234567"  # ISO weekdays: 1 is Monday
DEFAULT_GAP = 2  # seconds of silence between items
RELAY_SCHEMES = ("http://", "https://", "rtsp://", "rtmp://", "srt://")


class ItemKind(enum.StrEnum):
    OPEN = "open"  # a fixed segment at the start: opening jingle, station identification
    CLOSE = "close"  # a fixed segment at the end: closing jingle
    RELAY = "relay"  # tiếp âm: an external stream for a set length
    FILL = "fill"  # fill the rest of the session from a topic (none: any topic)


class SessionTemplate(Base):
    __tablename__ = "session_template"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    station_id: Mapped[int | None] = mapped_column(ForeignKey("station.id"), index=True)
    label: Mapped[str] = mapped_column(String(60))
    weekdays: Mapped[str] = mapped_column(String(7), default=ALL_DAYS)
    starts_at: Mapped[time]
    max_minutes: Mapped[int]
    valid_from: Mapped[date | None]
    valid_until: Mapped[date | None]
    gap_seconds: Mapped[int] = mapped_column(default=DEFAULT_GAP)
    # An override replaces the inherited template it names; an opt-out just removes it.
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("session_template.id"))
    opt_out: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    items: Mapped[list["TemplateItem"]] = relationship(
        order_by="TemplateItem.position", cascade="all, delete-orphan"
    )

    @property
    def start_minute(self) -> int:
        return self.starts_at.hour * 60 + self.starts_at.minute

    def runs_on(self, day: date) -> bool:
        return (
            str(day.isoweekday()) in self.weekdays
            and (self.valid_from is None or self.valid_from <= day)
            and (self.valid_until is None or day <= self.valid_until)
        )


class TemplateItem(Base):
    __tablename__ = "template_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("session_template.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[ItemKind] = mapped_column(String(10))
    segment_id: Mapped[int | None] = mapped_column(ForeignKey("segment.id"))
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("topic.id"))
    url: Mapped[str] = mapped_column(String(500), default="")
    title: Mapped[str] = mapped_column(String(300), default="")
    seconds: Mapped[int] = mapped_column(default=0)


@dataclass(frozen=True)
class Place:
    """Where templates are looked up for one station: its unit chain and itself."""

    station: Station
    unit_ids: tuple[int, ...]  # from the root down

    @classmethod
    def of(cls, station: Station) -> "Place":
        return cls(station, station.unit.ids_from_root)


class TemplateBook:
    """All templates and unit rules, indexed for resolving many stations at once."""

    def __init__(self, templates: Iterable[SessionTemplate], rules: Iterable[UnitRules]) -> None:
        self.by_unit: dict[int, list[SessionTemplate]] = {}
        self.by_station: dict[int, list[SessionTemplate]] = {}
        for template in templates:
            if template.station_id is not None:
                self.by_station.setdefault(template.station_id, []).append(template)
            elif template.unit_id is not None:
                self.by_unit.setdefault(template.unit_id, []).append(template)
        self.rules = {r.unit_id: r for r in rules}
        self._effective: dict[tuple[tuple[int, ...], int], list[SessionTemplate]] = {}

    @classmethod
    def load(cls, session: Session) -> "TemplateBook":
        return cls(session.scalars(select(SessionTemplate)), session.scalars(select(UnitRules)))

    def effective(self, place: Place) -> list[SessionTemplate]:
        """The templates that apply to a station, overrides and opt-outs resolved."""
        return self.effective_at(place.unit_ids, place.station.id)

    def effective_at(
        self, unit_ids: tuple[int, ...], station_id: int | None = None
    ) -> list[SessionTemplate]:
        """The templates in force at the end of a unit chain (and at a station on it)."""
        key = (unit_ids, station_id or 0)
        if key not in self._effective:
            self._effective[key] = self._resolve(unit_ids, station_id)
        return self._effective[key]

    def _resolve(self, unit_ids: tuple[int, ...], station_id: int | None) -> list[SessionTemplate]:
        layers = [self.by_unit.get(u, []) for u in unit_ids]
        if station_id is not None:
            layers.append(self.by_station.get(station_id, []))
        found: list[SessionTemplate] = []
        for layer in layers:
            replaced = {t.replaces_id for t in layer if t.replaces_id is not None}
            found = [t for t in found if t.id not in replaced]
            found += [t for t in layer if not t.opt_out]
        # A new template has no id yet while it is validated.
        return sorted(found, key=lambda t: (t.start_minute, t.id or 0))

    def limits(self, place: Place) -> Limits:
        return limits_for([self.rules.get(u) for u in place.unit_ids])

    def sessions_on(self, place: Place, day: date) -> list[SessionTemplate]:
        return [t for t in self.effective(place) if t.runs_on(day)]


def check_overlaps(place: Place, templates: Sequence[SessionTemplate]) -> None:
    """Refuse two sessions of one station that could run at the same time."""
    for i, first in enumerate(templates):
        for second in templates[i + 1 :]:
            if not set(first.weekdays) & set(second.weekdays):
                continue
            if _dates_apart(first, second):
                continue
            a0, b0 = first.start_minute, second.start_minute
            if a0 < b0 + second.max_minutes and b0 < a0 + first.max_minutes:
                raise ScheduleError(
                    "overlap", station=place.station.code, first=first.label, second=second.label
                )


def _dates_apart(first: SessionTemplate, second: SessionTemplate) -> bool:
    return bool(
        (first.valid_until and second.valid_from and first.valid_until < second.valid_from)
        or (second.valid_until and first.valid_from and second.valid_until < first.valid_from)
    )


def check_limits(place: Place, template: SessionTemplate, limits: Limits) -> None:
    if template.opt_out:
        return
    if limits.max_session_minutes is not None and template.max_minutes > limits.max_session_minutes:
        raise ScheduleError(
            "session_too_long", station=place.station.code, limit=limits.max_session_minutes
        )
    start = template.start_minute
    if limits.in_quiet_hours(start, start + template.max_minutes):
        raise ScheduleError(
            "quiet_hours",
            station=place.station.code,
            quiet_from=f"{limits.quiet_from:%H:%M}" if limits.quiet_from else "",
            quiet_until=f"{limits.quiet_until:%H:%M}" if limits.quiet_until else "",
        )


def _check_fields(session: Session, template: SessionTemplate) -> None:
    # Column defaults apply only on insert; validation needs them now.
    template.weekdays = ALL_DAYS if template.weekdays is None else template.weekdays
    template.gap_seconds = DEFAULT_GAP if template.gap_seconds is None else template.gap_seconds
    template.opt_out = bool(template.opt_out)
    template.label = nfc(template.label or "").strip()
    if (template.unit_id is None) == (template.station_id is None):
        raise ScheduleError("no_owner")
    if template.opt_out:
        if template.replaces_id is None:
            raise ScheduleError("opt_out_needs_template")
        return
    if not template.label:
        raise ScheduleError("no_label")
    days = "".join(sorted(set(template.weekdays or "")))
    if not days or not set(days) <= set("1234567"):
        raise ScheduleError("no_weekdays")
    template.weekdays = days
    if not 1 <= template.max_minutes <= MAX_SESSION_MINUTES:
        raise ScheduleError("bad_length", limit=MAX_SESSION_MINUTES)
    if template.valid_from and template.valid_until and template.valid_until < template.valid_from:
        raise ScheduleError("bad_period")
    if not 0 <= template.gap_seconds <= 30:
        raise ScheduleError("bad_gap")
    for item in template.items:
        _check_item(session, item)


def _check_item(session: Session, item: TemplateItem) -> None:
    item.title = nfc(item.title or "").strip()
    if item.kind in (ItemKind.OPEN, ItemKind.CLOSE):
        if item.segment_id is None or session.get(Segment, item.segment_id) is None:
            raise ScheduleError("unknown_segment")
    elif item.kind == ItemKind.RELAY:
        if not item.url.startswith(RELAY_SCHEMES) or len(item.url) > 500:
            raise ScheduleError("bad_relay_url")
        if not 1 <= item.seconds <= MAX_SESSION_MINUTES * 60:
            raise ScheduleError("bad_relay_length")
        if not item.title:
            raise ScheduleError("no_relay_title")
    elif item.kind == ItemKind.FILL:
        if item.topic_id is not None and session.get(Topic, item.topic_id) is None:
            raise ScheduleError("unknown_topic")
    else:
        raise ScheduleError("bad_item_kind")


def stations_under(session: Session, unit: Unit) -> list[Station]:
    query = (
        select(Station)
        .join(Station.unit)
        .where(Unit.path.startswith(unit.path, autoescape=True), Station.active.is_(True))
    )
    return list(session.scalars(query.order_by(Station.code)))


def affected_stations(session: Session, template: SessionTemplate) -> list[Station]:
    """The stations whose sessions this template shapes."""
    if template.station_id is not None:
        station = session.get(Station, template.station_id)
        return [station] if station is not None else []
    unit = session.get(Unit, template.unit_id)
    return stations_under(session, unit) if unit is not None else []


def save_template(session: Session, template: SessionTemplate) -> list[Station]:
    """Validate a new or changed template against every station it reaches; store it.

    Returns the stations whose playlists it may change.
    """
    _check_fields(session, template)
    if template.replaces_id is not None:
        replaced = session.get(SessionTemplate, template.replaces_id)
        if replaced is None or replaced.id == template.id:
            raise ScheduleError("unknown_template")
    with session.no_autoflush:
        others = [t for t in session.scalars(select(SessionTemplate)) if t is not template]
        book = TemplateBook([*others, template], session.scalars(select(UnitRules)))
        stations = affected_stations(session, template)
        for station in stations:
            place = Place.of(station)
            effective = book.effective(place)
            if template in effective:
                check_limits(place, template, book.limits(place))
            check_overlaps(place, effective)
    session.add(template)
    session.flush()
    return stations


def delete_template(session: Session, template: SessionTemplate) -> list[Station]:
    """Remove a template, with the overrides and opt-outs that point at it, at any depth."""
    stations = affected_stations(session, template)
    for dependant in session.scalars(
        select(SessionTemplate).where(SessionTemplate.replaces_id == template.id)
    ):
        stations += delete_template(session, dependant)
    session.delete(template)
    session.flush()
    return list({s.id: s for s in stations}.values())


def save_rules(session: Session, rules: UnitRules) -> list[Station]:
    """Store a unit's limits after checking every template below still respects them."""
    for value in (rules.max_session_minutes, rules.max_day_minutes):
        if value is not None and not 1 <= value <= 24 * 60:
            raise ScheduleError("bad_limit")
    if (rules.quiet_from is None) != (rules.quiet_until is None):
        raise ScheduleError("bad_quiet_hours")
    unit = session.get(Unit, rules.unit_id)
    if unit is None:
        raise ScheduleError("unknown_unit")
    with session.no_autoflush:
        others = [r for r in session.scalars(select(UnitRules)) if r.unit_id != rules.unit_id]
        book = TemplateBook(session.scalars(select(SessionTemplate)), [*others, rules])
        stations = stations_under(session, unit)
        for station in stations:
            place = Place.of(station)
            for template in book.effective(place):
                check_limits(place, template, book.limits(place))
    session.merge(rules)
    session.flush()
    return stations
