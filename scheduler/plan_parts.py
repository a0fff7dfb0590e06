"""The values the planner works on: segments, sessions, items and a station's state.

Plain data, no database: the builder fills them from bulk queries, the tests by hand.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from scheduler.playlists import Reason, SessionKind

EMERGENCY_LABEL = "emergency"  # shown through the translation catalog


@dataclass(frozen=True, slots=True)
class Seg:
    id: int
    title: str
    topic_id: int
    level: str
    duration: float
    sha: str


@dataclass(frozen=True, slots=True)
class Fixed:
    """A template's opening, closing or relay item."""

    template_item_id: int
    seg: Seg | None  # None: a relay
    url: str
    title: str
    seconds: float
    at_end: bool


@dataclass(frozen=True, slots=True)
class Slot:
    """A regular session to fill."""

    template_id: int
    label: str
    start: datetime
    max_seconds: int
    gap: int
    fixed: tuple[Fixed, ...]
    fill_topics: tuple[int | None, ...]


@dataclass(slots=True)
class Item:
    kind: str  # "segment" or "relay"
    seg: Seg | None
    url: str
    title: str
    duration: float
    reason: Reason
    campaign_id: int | None = None
    quota_id: int | None = None
    announcement_id: int | None = None
    template_item_id: int | None = None
    at_end: bool = False
    first: bool = False  # a priority item: first after the opening items


@dataclass(slots=True)
class Planned:
    """A session as planned: regular or an emergency's extra session."""

    label: str
    kind: SessionKind
    start: datetime
    max_seconds: int
    gap: int
    template_id: int | None
    items: list[Item] = field(default_factory=list)
    interrupts: int | None = None  # the number of the regular session an emergency breaks
    frozen: bool = False
    used: float = 0.0
    fill_topics: tuple[int | None, ...] = ()
    seg_ids: set[int] = field(default_factory=set)  # asked on every placement: keep it O(1)

    def fits(self, seconds: float) -> bool:
        gap = self.gap if self.items else 0
        return self.used + gap + seconds <= self.max_seconds + 1e-6

    def add(self, item: Item) -> None:
        self.used += (self.gap if self.items else 0) + item.duration
        self.items.append(item)
        if item.seg is not None:
            self.seg_ids.add(item.seg.id)

    def has(self, seg_id: int) -> bool:
        return seg_id in self.seg_ids

    @property
    def end(self) -> datetime:
        return self.start + timedelta(seconds=self.used)


@dataclass(frozen=True, slots=True)
class OneOff:
    id: int
    seg: Seg
    priority: bool
    labels: frozenset[str]  # empty: every session of the day


@dataclass(frozen=True, slots=True)
class Airing:
    announcement_id: int
    seg: Seg
    at: datetime


@dataclass(frozen=True, slots=True)
class QuotaRule:
    """A campaign quota for this station and week; `required` is already prorated."""

    id: int
    campaign_id: int
    kind: str  # QuotaKind value
    required: float  # plays per pool segment, or seconds of the topic
    topic_id: int | None
    pool: tuple[Seg, ...]


@dataclass(slots=True)
class StationState:
    """What carries from one day to the next while building a station's days."""

    rotation: dict[int, int] = field(default_factory=dict)  # segment id → last planned tick
    week: date | None = None
    plays: dict[int, int] = field(default_factory=dict)  # this week's plays per segment
    topic_seconds: dict[int, float] = field(default_factory=dict)

    def start_week(self, monday: date, plays: dict[int, int], seconds: dict[int, float]) -> None:
        self.week, self.plays, self.topic_seconds = monday, dict(plays), dict(seconds)

    def count(self, item: Item, at: int) -> None:
        if item.seg is None:
            return
        # The latest session wins, whatever order the sessions are counted in.
        self.rotation[item.seg.id] = max(at, self.rotation.get(item.seg.id, at))
        self.plays[item.seg.id] = self.plays.get(item.seg.id, 0) + 1
        topic = item.seg.topic_id
        self.topic_seconds[topic] = self.topic_seconds.get(topic, 0.0) + item.duration


@dataclass
class DayInput:
    day: date
    slots: list[Slot]
    frozen: list[Planned] = field(default_factory=list)
    airings: list[Airing] = field(default_factory=list)
    one_offs: list[OneOff] = field(default_factory=list)
    quotas: list[QuotaRule] = field(default_factory=list)
    fill_pool: dict[int | None, list[Seg]] = field(default_factory=dict)
    max_day_seconds: int | None = None
    # Sessions and seconds this station still has in the week after this day.
    sessions_after: int = 0
    seconds_after: float = 0.0


@dataclass
class DayPlan:
    sessions: list[Planned]
    report: list[dict[str, Any]]


def tick(start: datetime) -> int:
    """An increasing number per session, for least-recently-planned rotation."""
    # Minutes since the epoch: a local morning session is earlier than the afternoon one
    # even when its UTC start falls on the day before.
    return int(start.timestamp()) // 60
