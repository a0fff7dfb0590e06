"""Loading what the planner needs for many stations and days in a few bulk queries."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from math import ceil
from zoneinfo import ZoneInfo

from sqlalchemy import and_, select
from sqlalchemy.orm import Session, selectinload

from audio_library.segments import Level, Segment, State
from scheduler.announcements import Announcement
from scheduler.campaigns import Campaign, QuotaKind, campaign_segment
from scheduler.planner import Airing, Fixed, Item, OneOff, Planned, QuotaRule, Seg, Slot
from scheduler.playlists import (
    Playlist,
    PlaylistItem,
    PlaylistSession,
    Reason,
    SessionKind,
    current_versions,
)
from scheduler.rules import UnitRules
from scheduler.templates import ItemKind, Place, SessionTemplate, TemplateBook

HISTORY_DAYS = 14  # how far back rotation looks for when a segment was last planned


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


@dataclass
class Stored:
    """A station-day's current playlist, as the planner sees it."""

    version: int
    content_hash: str
    sessions: list[Planned]


@dataclass
class Inputs:
    book: TemplateBook
    segments: dict[int, Valid]
    campaigns: list[Campaign]
    pools: dict[int, list[int]]  # campaign id → segment ids
    one_offs: list[Announcement]
    emergencies: list[Announcement]
    stored: dict[tuple[int, date], Stored] = field(default_factory=dict)
    _owners: set[int] | None = None
    _fill_cache: dict[tuple[tuple[int, ...], date], dict[int | None, list[Seg]]] = field(
        default_factory=dict
    )

    def fill_pool(self, place: Place, day: date) -> dict[int | None, list[Seg]]:
        """Normal and priority segments valid on the day and meant for this place, by topic."""
        # Stations whose chains hold the same segment-owning units share one pool.
        if self._owners is None:
            self._owners = {v.unit_id for v in self.segments.values() if v.unit_id}
        chain = set(place.unit_ids) & self._owners
        key = (tuple(sorted(chain)), day)
        if key not in self._fill_cache:
            pool: dict[int | None, list[Seg]] = defaultdict(list)
            for valid in self.segments.values():
                if valid.seg.level == Level.EMERGENCY or not valid.on(day):
                    continue
                if valid.unit_id is None or valid.unit_id in chain:
                    pool[valid.seg.topic_id].append(valid.seg)
                    pool[None].append(valid.seg)
            self._fill_cache[key] = dict(pool)
        return self._fill_cache[key]

    def slots(self, place: Place, day: date, report: list[dict[str, object]]) -> list[Slot]:
        slots = []
        for template in self.book.sessions_on(place, day):
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
                        report.append(
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
        return slots

    def one_offs_for(self, place: Place, day: date) -> list[OneOff]:
        iso = day.isoformat()
        found = []
        for announcement in self.one_offs:
            valid = self.segments.get(announcement.segment_id)
            if (
                iso in announcement.days
                and valid
                and valid.on(day)
                and _reaches(announcement, place)
            ):
                priority = announcement.level == Level.PRIORITY
                found.append(
                    OneOff(
                        announcement.id, valid.seg, priority, frozenset(announcement.session_labels)
                    )
                )
        return found

    def airings_for(self, place: Place, day: date, now: datetime) -> list[Airing]:
        tz = zone(place.station.timezone)
        found = []
        for announcement in self.emergencies:
            valid = self.segments.get(announcement.segment_id)
            if valid is None or not _reaches(announcement, place):
                continue
            for at in announcement.airings():
                if at >= now - timedelta(seconds=59) and at.astimezone(tz).date() == day:
                    found.append(Airing(announcement.id, valid.seg, at))
        return found

    def quotas_for(self, place: Place, day: date) -> list[QuotaRule]:
        monday = day - timedelta(days=day.weekday())
        rules = []
        for campaign in self.campaigns:
            if not campaign.runs_on(day) or not any(
                u.id in place.unit_ids for u in campaign.target_units()
            ):
                continue
            active = sum(campaign.runs_on(monday + timedelta(days=i)) for i in range(7))
            pool = [self.segments[s] for s in self.pools.get(campaign.id, []) if s in self.segments]
            pool = [v for v in pool if v.on(day) and v.seg.level != Level.EMERGENCY]
            for quota in campaign.quotas:
                if quota.kind == QuotaKind.SEGMENT_PLAYS:
                    required = float(ceil(quota.times_per_week * active / 7))
                    segs = tuple(v.seg for v in pool)
                else:
                    required = quota.minutes_per_week * 60 * active / 7
                    segs = tuple(v.seg for v in pool if v.seg.topic_id == quota.topic_id)
                    if not segs:
                        segs = tuple(self.fill_pool(place, day).get(quota.topic_id, []))
                rules.append(
                    QuotaRule(quota.id, campaign.id, quota.kind, required, quota.topic_id, segs)
                )
        return rules


def _reaches(announcement: Announcement, place: Place) -> bool:
    return any(s.id == place.station.id for s in announcement.stations) or any(
        u.id in place.unit_ids for u in announcement.units
    )


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
        ).where(Segment.state == State.APPROVED)
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
    campaigns = list(
        session.scalars(
            select(Campaign)
            .where(Campaign.starts_on <= last, Campaign.ends_on >= first)
            .options(
                selectinload(Campaign.quotas),
                selectinload(Campaign.targets),
                selectinload(Campaign.owner),
            )
            .order_by(Campaign.id)
        )
    )
    pools: dict[int, list[int]] = defaultdict(list)
    for campaign_id, segment_id in session.execute(
        select(campaign_segment.c.campaign_id, campaign_segment.c.segment_id).order_by(
            campaign_segment.c.segment_id
        )
    ):
        pools[campaign_id].append(segment_id)
    announcements = list(
        session.scalars(
            select(Announcement)
            .options(selectinload(Announcement.units), selectinload(Announcement.stations))
            .order_by(Announcement.id)
        )
    )
    days = {(first + timedelta(days=i)).isoformat() for i in range((last - first).days + 1)}
    one_offs = [a for a in announcements if a.level != Level.EMERGENCY and days & set(a.days)]
    emergencies = [
        a
        for a in announcements
        if a.level == Level.EMERGENCY
        and a.expires_at is not None
        and a.expires_at > now - timedelta(days=1)
        and (a.ended_at is None or a.ended_at > now)
    ]
    return Inputs(book, segments, campaigns, dict(pools), one_offs, emergencies)


def load_stored(
    session: Session, station_ids: list[int] | None, first: date, last: date
) -> dict[tuple[int, date], Stored]:
    """The current playlists from HISTORY_DAYS before `first` to `last`."""
    heads = current_versions(first - timedelta(days=HISTORY_DAYS), last)
    playlists = select(
        Playlist.id, Playlist.station_id, Playlist.day, Playlist.version, Playlist.content_hash
    ).join(
        heads,
        and_(
            heads.c.station_id == Playlist.station_id,
            heads.c.day == Playlist.day,
            heads.c.version == Playlist.version,
        ),
    )
    if station_ids is not None:
        playlists = playlists.where(Playlist.station_id.in_(station_ids))
    found: dict[int, tuple[tuple[int, date], Stored]] = {}
    for row in session.execute(playlists):
        found[row.id] = ((row.station_id, row.day), Stored(row.version, row.content_hash, []))
    if not found:
        return {}
    ids = list(found)
    sessions: dict[tuple[int, int], Planned] = {}
    for chunk in _chunks(ids, 5000):
        for s in session.scalars(
            select(PlaylistSession)
            .where(PlaylistSession.playlist_id.in_(chunk))
            .order_by(PlaylistSession.playlist_id, PlaylistSession.number)
        ):
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
        for i in session.execute(
            select(PlaylistItem)
            .where(PlaylistItem.playlist_id.in_(chunk))
            .order_by(PlaylistItem.playlist_id, PlaylistItem.session_number, PlaylistItem.position)
        ).scalars():
            seg = (
                Seg(i.segment_id, i.title, i.topic_id or 0, i.level, i.duration, i.audio_sha)
                if i.segment_id is not None
                else None
            )
            item = Item(
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
            sessions[(i.playlist_id, i.session_number)].add(item)
    return dict(found.values())


def _chunks(values: list[int], size: int) -> list[list[int]]:
    return [values[i : i + size] for i in range(0, len(values), size)]
