"""Loading what the planner needs for many stations and days in a few bulk queries.

Announcements and campaigns are reduced to plain frozen values once, and what many
stations share (a province's sessions of a day, a district's pool) is worked out
once per build: a national build plans tens of thousands of station-days.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from math import ceil
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from audio_library.segments import Level, Segment, State
from scheduler.announcements import Announcement
from scheduler.campaigns import Campaign, QuotaKind, campaign_segment
from scheduler.plan_parts import Airing, Fixed, OneOff, QuotaRule, Seg, Slot
from scheduler.rules import UnitRules
from scheduler.stored_playlists import History, Stored
from scheduler.templates import ItemKind, Place, SessionTemplate, TemplateBook


@lru_cache(maxsize=64)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def local_start(day: date, at: time, tz: str) -> datetime:
    return datetime.combine(day, at, tzinfo=zone(tz)).astimezone(UTC)


@dataclass(frozen=True, slots=True)
class Valid:
    """A segment with the facts that decide where and when it may air."""

    seg: Seg
    unit_id: int | None
    air_from: date | None
    air_until: date | None

    def on(self, day: date) -> bool:
        return (self.air_from is None or self.air_from <= day) and (
            self.air_until is None or day <= self.air_until
        )


@dataclass(frozen=True, slots=True)
class Broadcast:
    """An announcement reduced to what the planner asks of it."""

    id: int
    segment_id: int
    priority: bool
    days: frozenset[date]
    labels: frozenset[str]
    unit_ids: frozenset[int]
    station_ids: frozenset[int]
    airings: tuple[datetime, ...]

    @classmethod
    def of(cls, a: Announcement) -> "Broadcast":
        return cls(
            id=a.id,
            segment_id=a.segment_id,
            priority=a.level == Level.PRIORITY,
            days=frozenset(date.fromisoformat(d) for d in a.days or []),
            labels=frozenset(a.session_labels or []),
            unit_ids=frozenset(u.id for u in a.units),
            station_ids=frozenset(s.id for s in a.stations),
            airings=tuple(a.airings()),
        )

    def reaches(self, place: Place) -> bool:
        return place.station.id in self.station_ids or not self.unit_ids.isdisjoint(place.unit_ids)


@dataclass(frozen=True, slots=True)
class CampaignPlan:
    """A campaign reduced to its period, targets, pool and quotas."""

    id: int
    starts_on: date
    ends_on: date
    target_ids: frozenset[int]
    pool: tuple[int, ...]
    quotas: tuple[tuple[int, str, int, int, int | None], ...]  # id, kind, times, minutes, topic

    def runs_on(self, day: date) -> bool:
        return self.starts_on <= day <= self.ends_on


@dataclass
class Inputs:
    book: TemplateBook
    segments: dict[int, Valid]
    campaigns: list[CampaignPlan]
    one_offs: list[Broadcast]
    emergencies: list[Broadcast]
    stored: dict[tuple[int, date], Stored] = field(default_factory=dict)
    history: History = field(default_factory=History)
    _owners: set[int] = field(default_factory=set)
    _cache: dict[Any, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._owners = {v.unit_id for v in self.segments.values() if v.unit_id}

    def _cached(self, key: Any, make: Any) -> Any:
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    def _pool_key(self, place: Place) -> tuple[int, ...]:
        """Stations whose chains hold the same segment-owning units share one pool."""
        return tuple(u for u in place.unit_ids if u in self._owners)

    def fill_pool(self, place: Place, day: date) -> dict[int | None, list[Seg]]:
        """Normal and priority segments valid on the day and meant for this place, by topic."""
        chain = self._pool_key(place)
        return self._cached(("pool", chain, day), lambda: self._pool(set(chain), day))  # type: ignore[no-any-return]

    def _pool(self, chain: set[int], day: date) -> dict[int | None, list[Seg]]:
        pool: dict[int | None, list[Seg]] = defaultdict(list)
        for valid in self.segments.values():
            if valid.seg.level == Level.EMERGENCY or not valid.on(day):
                continue
            if valid.unit_id is None or valid.unit_id in chain:
                pool[valid.seg.topic_id].append(valid.seg)
                pool[None].append(valid.seg)
        return dict(pool)

    def slots(self, place: Place, day: date, report: list[dict[str, Any]]) -> list[Slot]:
        """The day's regular sessions; stations with the same templates share them."""
        templates = tuple(self.book.sessions_on(place, day))
        key = ("slots", tuple(t.id for t in templates), day, place.station.timezone)
        slots, notes = self._cached(key, lambda: self._slots(templates, day, place))
        report.extend(dict(n) for n in notes)
        return slots  # type: ignore[no-any-return]

    def _slots(
        self, templates: tuple[SessionTemplate, ...], day: date, place: Place
    ) -> tuple[list[Slot], list[dict[str, Any]]]:
        slots, notes = [], []
        for template in templates:
            fixed = []
            fill: list[int | None] = []
            for item in template.items:
                if item.kind == ItemKind.FILL:
                    fill.append(item.topic_id)
                elif item.kind == ItemKind.RELAY:
                    fixed.append(Fixed(item.id, None, item.url, item.title, item.seconds, False))
                else:
                    valid = self.segments.get(item.segment_id or 0)
                    if valid is None or not valid.on(day):
                        notes.append(
                            {
                                "kind": "fixed_missing",
                                "session": template.label,
                                "segment_id": item.segment_id,
                            }
                        )
                        continue
                    fixed.append(Fixed(item.id, valid.seg, "", "", 0, item.kind == ItemKind.CLOSE))
            slots.append(
                Slot(
                    template_id=template.id,
                    label=template.label,
                    start=local_start(day, template.starts_at, place.station.timezone),
                    max_seconds=template.max_minutes * 60,
                    gap=template.gap_seconds,
                    fixed=tuple(fixed),
                    fill_topics=tuple(fill),
                )
            )
        return slots, notes

    def one_offs_for(self, place: Place, day: date) -> list[OneOff]:
        found = []
        for broadcast in self.one_offs:
            valid = self.segments.get(broadcast.segment_id)
            if day in broadcast.days and valid and valid.on(day) and broadcast.reaches(place):
                found.append(OneOff(broadcast.id, valid.seg, broadcast.priority, broadcast.labels))
        return found

    def airings_for(self, place: Place, day: date, now: datetime) -> list[Airing]:
        tz = zone(place.station.timezone)
        found = []
        for broadcast in self.emergencies:
            valid = self.segments.get(broadcast.segment_id)
            if valid is None or not valid.on(day) or not broadcast.reaches(place):
                continue
            for at in broadcast.airings:
                if at >= now - timedelta(seconds=59) and at.astimezone(tz).date() == day:
                    found.append(Airing(broadcast.id, valid.seg, at))
        return found

    def quotas_for(self, place: Place, day: date) -> list[QuotaRule]:
        """The quotas of the campaigns that run on the day and target this place."""
        chosen = tuple(
            c
            for c in self.campaigns
            if c.runs_on(day) and not c.target_ids.isdisjoint(place.unit_ids)
        )
        key = ("quotas", tuple(c.id for c in chosen), self._pool_key(place), day)
        return self._cached(key, lambda: self._quotas(chosen, place, day))  # type: ignore[no-any-return]

    def _quotas(
        self, campaigns: tuple[CampaignPlan, ...], place: Place, day: date
    ) -> list[QuotaRule]:
        monday = day - timedelta(days=day.weekday())
        rules = []
        for campaign in campaigns:
            active = sum(campaign.runs_on(monday + timedelta(days=i)) for i in range(7))
            pool = [self.segments[s] for s in campaign.pool if s in self.segments]
            pool = [v for v in pool if v.on(day) and v.seg.level != Level.EMERGENCY]
            for quota_id, kind, times, minutes, topic_id in campaign.quotas:
                if kind == QuotaKind.SEGMENT_PLAYS:
                    required = float(ceil(times * active / 7))
                    segs = tuple(v.seg for v in pool)
                else:
                    required = minutes * 60 * active / 7
                    segs = tuple(v.seg for v in pool if v.seg.topic_id == topic_id)
                    if not segs:
                        segs = tuple(self.fill_pool(place, day).get(topic_id, []))
                rules.append(QuotaRule(quota_id, campaign.id, kind, required, topic_id, segs))
        return rules


def load_inputs(session: Session, first: date, last: date, now: datetime) -> Inputs:
    templates = session.scalars(
        select(SessionTemplate).options(selectinload(SessionTemplate.items))
    )
    book = TemplateBook(templates, session.scalars(select(UnitRules)))
    rows = session.execute(
        select(
            Segment.id,
            Segment.title,
            Segment.topic_id,
            Segment.level,
            Segment.duration,
            Segment.audio_sha,
            Segment.unit_id,
            Segment.air_from,
            Segment.air_until,
        )
        .where(Segment.state == State.APPROVED)
        .order_by(Segment.id)
    )
    segments = {
        r.id: Valid(
            Seg(r.id, r.title, r.topic_id, r.level, r.duration, r.audio_sha),
            r.unit_id,
            r.air_from,
            r.air_until,
        )
        for r in rows
    }
    one_offs, emergencies = _broadcasts(session, first, last, now)
    return Inputs(book, segments, _campaigns(session, first, last), one_offs, emergencies)


def _campaigns(session: Session, first: date, last: date) -> list[CampaignPlan]:
    pools: dict[int, list[int]] = defaultdict(list)
    for campaign_id, segment_id in session.execute(
        select(campaign_segment.c.campaign_id, campaign_segment.c.segment_id).order_by(
            campaign_segment.c.segment_id
        )
    ):
        pools[campaign_id].append(segment_id)
    campaigns = session.scalars(
        select(Campaign)
        .where(Campaign.starts_on <= last, Campaign.ends_on >= first)
        .options(
            selectinload(Campaign.quotas),
            selectinload(Campaign.targets),
            selectinload(Campaign.owner),
        )
        .order_by(Campaign.id)
    )
    return [
        CampaignPlan(
            id=c.id,
            starts_on=c.starts_on,
            ends_on=c.ends_on,
            target_ids=frozenset(u.id for u in c.target_units()),
            pool=tuple(pools.get(c.id, [])),
            quotas=tuple(
                (q.id, q.kind, q.times_per_week, q.minutes_per_week, q.topic_id) for q in c.quotas
            ),
        )
        for c in campaigns
    ]


def _broadcasts(
    session: Session, first: date, last: date, now: datetime
) -> tuple[list[Broadcast], list[Broadcast]]:
    """The one-offs on the days built, and the emergencies still on air."""
    announcements = session.scalars(
        select(Announcement)
        .options(selectinload(Announcement.units), selectinload(Announcement.stations))
        .order_by(Announcement.id)
    )
    days = {(first + timedelta(days=i)).isoformat() for i in range((last - first).days + 1)}
    one_offs, emergencies = [], []
    for a in announcements:
        if a.level != Level.EMERGENCY and days & set(a.days or []):
            one_offs.append(Broadcast.of(a))
        elif (
            a.level == Level.EMERGENCY
            and a.expires_at is not None
            and a.expires_at > now - timedelta(days=1)
            and (a.ended_at is None or a.ended_at > now)
        ):
            emergencies.append(Broadcast.of(a))
    return one_offs, emergencies
