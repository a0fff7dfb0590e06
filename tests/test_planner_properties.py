"""Properties of the planner and the builder, on generated schedules.

The pure planner (plan_day) is checked on in-memory days and weeks; the builder on the
database with generated templates, pools, campaigns, one-offs and emergencies. Examples
are derandomized so that CI sees the same cases on every run.
"""

import copy
import hashlib
import os
import shutil
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import Flask
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, make_url, select
from sqlalchemy.orm import selectinload

from audio_library.segments import Level, Segment, Source, State, Topic
from radio import db
from radio.db import get_session
from scheduler.announcements import Announcement
from scheduler.builder import LOCK_WINDOW, build_playlists, content_hash
from scheduler.campaigns import Campaign, Quota, QuotaKind, set_pool
from scheduler.plan_parts import (
    Airing,
    DayInput,
    Fixed,
    Item,
    OneOff,
    Planned,
    QuotaRule,
    Seg,
    Slot,
    StationState,
)
from scheduler.planner import plan_day
from scheduler.playlists import Playlist, PlaylistSession, Reason, SessionKind
from scheduler.quotas import quota_progress
from scheduler.rules import UnitRules
from scheduler.templates import ItemKind, SessionTemplate, TemplateItem
from scheduler.unit_import import import_units
from scheduler.units import Station
from tests.conftest import PG_URL, _pg_create, make_test_app, pg_drop

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
MONDAY = date(2030, 3, 4)
WEEK = [MONDAY + timedelta(days=i) for i in range(7)]
# A deeper look by hand: HYPOTHESIS_SCALE=10 HYPOTHESIS_RANDOM=1 pytest tests/test_planner_...
EXAMPLES = int(os.environ.get("HYPOTHESIS_SCALE", "1"))
SETTINGS = {
    "deadline": None,
    "derandomize": not os.environ.get("HYPOTHESIS_RANDOM"),
    "database": None,
    "suppress_health_check": [
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
}


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=TZ).astimezone(UTC)


# --------------------------------------------------------------------------- pure planner

TOPICS = (1, 2, 3, 4)
DAY = WEEK[2]


def make_seg(seg_id: int, topic: int, seconds: int, level: str = "normal") -> Seg:
    return Seg(seg_id, f"Bản tin {seg_id}", topic, level, float(seconds), f"{seg_id:064x}")


@st.composite
def library_segs(draw, first_id: int = 1, low: int = 3, high: int = 20) -> list[Seg]:
    count = draw(st.integers(low, high))
    return [
        make_seg(
            first_id + n,
            draw(st.sampled_from(TOPICS)),
            draw(st.integers(5, 240)),
            draw(st.sampled_from(["normal", "normal", "normal", "priority"])),
        )
        for n in range(count)
    ]


@st.composite
def slots_for(draw, day: date, hours: list[int]) -> list[Slot]:
    jingles = [make_seg(900 + n, 12, draw(st.integers(3, 20))) for n in range(2)]
    slots = []
    for n, hour in enumerate(hours):
        fixed = []
        if draw(st.booleans()):
            fixed.append(Fixed(1000 + 3 * n, jingles[0], "", "", 0, False))
        if draw(st.booleans()):
            seconds = float(draw(st.integers(30, 900)))
            fixed.append(
                Fixed(1001 + 3 * n, None, "https://vov.vn/live", "Tiếp âm", seconds, False)
            )
        if draw(st.booleans()):
            fixed.append(Fixed(1002 + 3 * n, jingles[1], "", "", 0, True))
        topics = draw(st.lists(st.sampled_from((None, *TOPICS)), max_size=3, unique=True))
        slots.append(
            Slot(
                template_id=10 + n,
                label=f"Buổi {n + 1}",
                start=local(day, hour, draw(st.sampled_from([0, 15, 30]))),
                max_seconds=draw(st.integers(60, 2400)),
                gap=draw(st.integers(0, 5)),
                fixed=tuple(fixed),
                fill_topics=tuple(topics),
            )
        )
    return slots


@st.composite
def day_inputs(draw) -> tuple[DayInput, StationState]:
    segs = draw(library_segs())
    hours = sorted(draw(st.lists(st.sampled_from([6, 9, 11, 15, 17, 19]), max_size=3, unique=True)))
    slots = draw(slots_for(DAY, hours))
    labels = [s.label for s in slots]
    frozen = []
    if draw(st.booleans()):  # a published session, kept as it was
        kept = Planned("Đã phát", SessionKind.REGULAR, local(DAY, 5, 0), 600, 2, 99, frozen=True)
        for seg in draw(st.lists(st.sampled_from(segs), max_size=4, unique=True)):
            item = _item(seg, Reason.FILL)
            if kept.fits(item.duration):
                kept.add(item)
        frozen.append(kept)
    one_offs = [
        OneOff(
            300 + n,
            draw(st.sampled_from(segs)),
            draw(st.booleans()),
            frozenset(draw(st.lists(st.sampled_from(labels), unique=True)) if labels else []),
        )
        for n in range(draw(st.integers(0, 3)))
    ]
    quotas = []
    for n in range(draw(st.integers(0, 2))):
        if draw(st.booleans()):
            pool = tuple(draw(st.lists(st.sampled_from(segs), min_size=1, max_size=5, unique=True)))
            quotas.append(
                QuotaRule(400 + n, 500 + n, "segment_plays", draw(st.integers(1, 4)), None, pool)
            )
        else:
            topic = draw(st.sampled_from(TOPICS))
            pool = tuple(s for s in segs if s.topic_id == topic)
            required = float(draw(st.integers(60, 1800)))
            quotas.append(QuotaRule(400 + n, 500 + n, "topic_minutes", required, topic, pool))
    alerts = [make_seg(800 + n, 10, draw(st.integers(20, 120)), "emergency") for n in range(2)]
    airings = sorted(
        {
            Airing(600 + draw(st.integers(0, 1)), alerts[0], local(DAY, 0) + timedelta(minutes=m))
            for m in draw(st.lists(st.integers(0, 24 * 60 - 1), max_size=3))
        },
        key=lambda a: (a.at, a.announcement_id),
    )
    state = StationState()
    for seg in draw(st.lists(st.sampled_from(segs), unique=True)):
        state.rotation[seg.id] = draw(st.integers(0, int(local(DAY, 0).timestamp()) // 60))
    state.start_week(
        DAY - timedelta(days=DAY.weekday()),
        {s.id: draw(st.integers(0, 2)) for s in draw(st.lists(st.sampled_from(segs), unique=True))},
        {
            t: float(draw(st.integers(0, 600)))
            for t in draw(st.lists(st.sampled_from(TOPICS), unique=True))
        },
    )
    after = draw(st.integers(0, 10))
    inp = DayInput(
        day=DAY,
        slots=slots,
        frozen=frozen,
        airings=airings,
        one_offs=one_offs,
        quotas=quotas,
        fill_pool={None: segs, **{t: [s for s in segs if s.topic_id == t] for t in TOPICS}},
        max_day_seconds=draw(st.one_of(st.none(), st.integers(60, 7200))),
        sessions_after=after,
        seconds_after=float(after * draw(st.integers(300, 1800))),
    )
    return inp, state


def _item(seg: Seg, reason: Reason) -> Item:
    return Item("segment", seg, "", seg.title, seg.duration, reason)


def used(planned: Planned) -> float:
    if not planned.items:
        return 0.0
    return sum(i.duration for i in planned.items) + planned.gap * (len(planned.items) - 1)


def check_sessions(sessions: list[Planned]) -> None:
    """What holds for every planned day: no overflow, no repeat, emergencies first."""
    starts = [(p.start, p.kind != SessionKind.EMERGENCY) for p in sessions]
    assert starts == sorted(starts)
    for planned in sessions:
        if planned.kind == SessionKind.REGULAR:
            assert used(planned) <= planned.max_seconds + 1e-6
            fixed = [i.seg.id for i in planned.items if i.reason == Reason.FIXED and i.seg]
            other = [i.seg.id for i in planned.items if i.reason != Reason.FIXED and i.seg]
            assert len(other) == len(set(other)) and not set(other) & set(fixed)
            assert all(i.reason != Reason.EMERGENCY for i in planned.items)
        else:
            assert [i.reason for i in planned.items] == [Reason.EMERGENCY]


@settings(max_examples=EXAMPLES * 60, **SETTINGS)
@given(day_inputs())
def test_planned_day_respects_the_rules(case):
    inp, state = case
    plan = plan_day(copy.deepcopy(inp), copy.deepcopy(state))
    check_sessions(plan.sessions)
    regular = [p for p in plan.sessions if p.kind == SessionKind.REGULAR]
    # Every airing gets its own session at its time, holding only the bulletin.
    emergency = [p for p in plan.sessions if p.kind == SessionKind.EMERGENCY]
    assert sorted((p.start, p.items[0].announcement_id) for p in emergency) == sorted(
        (a.at, a.announcement_id) for a in inp.airings
    )
    for planned in emergency:
        if planned.interrupts is not None:
            broken = plan.sessions[planned.interrupts - 1]
            assert broken.kind == SessionKind.REGULAR and broken.start <= planned.start
    # The day limit holds unless the fixed items alone break it.
    fixed_only = sum(
        used(
            Planned(
                p.label,
                p.kind,
                p.start,
                p.max_seconds,
                p.gap,
                None,
                items=[i for i in p.items if i.reason in (Reason.FIXED, Reason.RELAY)],
            )
        )
        for p in regular
        if not p.frozen
    ) + sum(used(p) for p in inp.frozen)
    if inp.max_day_seconds is not None and fixed_only <= inp.max_day_seconds:
        assert sum(used(p) for p in regular) <= inp.max_day_seconds + 1e-6
    # A one-off is in each session it asks for, or the report says why not.
    by_label = {p.label: p for p in regular if not p.frozen}
    not_placed = {(r.get("session"), r.get("segment_id")) for r in plan.report}
    for one_off in inp.one_offs:
        for label, planned in by_label.items():
            if one_off.labels and label not in one_off.labels:
                continue
            placed = [i for i in planned.items if i.seg and i.seg.id == one_off.seg.id]
            assert placed or (label, one_off.seg.id) in not_placed
    # Priority one-offs come right after the opening items.
    for planned in by_label.values():
        keys = [
            0
            if i.reason in (Reason.FIXED, Reason.RELAY) and not i.at_end
            else 3
            if i.reason in (Reason.FIXED, Reason.RELAY)
            else 1
            if i.first or (i.seg and i.seg.level == "priority")
            else 2
            for i in planned.items
        ]
        assert keys == sorted(keys)
        # (by announcement: the same segment may also be a normal one-off elsewhere)
        priority = {o.id for o in inp.one_offs if o.priority}
        for item in planned.items:
            if item.reason == Reason.ONE_OFF and item.announcement_id in priority:
                assert item.first


@settings(max_examples=EXAMPLES * 40, **SETTINGS)
@given(day_inputs())
def test_same_inputs_plan_the_same_day(case):
    inp, state = case
    first_state, second_state = copy.deepcopy(state), copy.deepcopy(state)
    first = plan_day(copy.deepcopy(inp), first_state)
    second = plan_day(copy.deepcopy(inp), second_state)
    assert content_hash(first.sessions) == content_hash(second.sessions)
    assert first.report == second.report
    assert first_state == second_state


@dataclass
class Week:
    """A station's week: per weekday, its sessions as (hour, seconds)."""

    days: list[list[tuple[int, int]]]
    pool: list[Seg]
    topic_segs: list[Seg]
    times: int
    minutes: int

    @property
    def sessions(self) -> int:
        return sum(len(d) for d in self.days)

    @property
    def capacity(self) -> float:
        return float(sum(s for d in self.days for _h, s in d))


GAP = 2


@st.composite
def weeks(draw, feasible: bool) -> Week:
    days = [
        [
            (h, draw(st.integers(600, 1800)))
            for h in sorted(draw(st.lists(st.sampled_from([6, 11, 17]), max_size=2, unique=True)))
        ]
        for _ in range(7)
    ]
    if not any(days):
        days[draw(st.integers(0, 6))] = [(6, 1800)]
    pool = [make_seg(1 + n, 1, draw(st.integers(20, 180))) for n in range(draw(st.integers(1, 5)))]
    topic_segs = [
        make_seg(50 + n, 2, draw(st.integers(20, 180))) for n in range(draw(st.integers(1, 4)))
    ]
    week = Week(days, pool, topic_segs, 1, 1)
    if not feasible:
        if draw(st.booleans()):
            week.times = week.sessions + draw(st.integers(1, 3))
        else:
            week.minutes = int(week.capacity // 60) + draw(st.integers(1, 30))
        return week
    # Clearly feasible: at most half of the capacity, and within what the pools can give.
    week.times = draw(st.integers(1, week.sessions))
    plays = week.times * sum(s.duration + GAP for s in pool)
    supply = week.sessions * sum(s.duration for s in topic_segs)
    room = min(week.capacity / 2 - plays, supply / 2) - max(s.duration + GAP for s in topic_segs)
    if room < 60:
        week.times = 1
        plays = sum(s.duration + GAP for s in pool)
        room = min(week.capacity / 2 - plays, supply / 2) - max(s.duration for s in topic_segs)
    week.minutes = max(0, int(room // 60))
    return week


def plan_week(week: Week) -> tuple[list[Planned], list[dict]]:
    """Plan Monday to Sunday in order, as the builder does for one station."""
    state = StationState()
    state.start_week(MONDAY, {}, {})
    quotas = [QuotaRule(1, 1, "segment_plays", float(week.times), None, tuple(week.pool))]
    if week.minutes:
        quotas.append(
            QuotaRule(2, 1, "topic_minutes", week.minutes * 60.0, 2, tuple(week.topic_segs))
        )
    sessions, report = [], []
    for n, day in enumerate(WEEK):
        later = week.days[n + 1 :]
        slots = [
            Slot(10 + k, f"Buổi {k}", local(day, hour), seconds, GAP, (), ())
            for k, (hour, seconds) in enumerate(week.days[n])
        ]
        plan = plan_day(
            DayInput(
                day=day,
                slots=slots,
                quotas=quotas,
                sessions_after=sum(len(d) for d in later),
                seconds_after=float(sum(s for d in later for _h, s in d)),
            ),
            state,
        )
        check_sessions(plan.sessions)
        sessions += plan.sessions
        report += plan.report
    return sessions, report


@settings(max_examples=EXAMPLES * 60, **SETTINGS)
@given(weeks(feasible=True))
def test_feasible_weekly_quotas_are_met(week):
    sessions, report = plan_week(week)
    assert [r for r in report if r["kind"] == "quota_shortfall"] == []
    plays = Counter(i.seg.id for p in sessions for i in p.items)
    assert all(plays[s.id] >= week.times for s in week.pool)
    topic = sum(i.duration for p in sessions for i in p.items if i.seg.topic_id == 2)
    assert topic >= week.minutes * 60


@settings(max_examples=EXAMPLES * 30, **SETTINGS)
@given(weeks(feasible=False))
def test_infeasible_weekly_quota_is_reported(week):
    _sessions, report = plan_week(week)
    assert [r for r in report if r["kind"] == "quota_shortfall"]


def test_topic_minutes_may_repeat_a_segment_in_two_sessions_of_a_day():
    """A weekday-only schedule with a small topic pool: each segment must air twice a day."""
    weekdays = [[(6, 1800), (17, 1800)]] * 5 + [[], []]
    topic = [make_seg(50, 2, 90), make_seg(51, 2, 90)]
    week = Week(weekdays, [make_seg(1, 1, 60)], topic, times=1, minutes=20)
    sessions, report = plan_week(week)
    assert [r for r in report if r["kind"] == "quota_shortfall"] == []
    assert sum(i.duration for p in sessions for i in p.items if i.seg.topic_id == 2) >= 1200


def test_shortfall_is_reported_once_on_the_last_day_with_sessions():
    weekdays = [[(6, 600)]] * 5 + [[], []]
    week = Week(weekdays, [make_seg(1, 1, 60)], [make_seg(50, 2, 90)], times=6, minutes=1)
    _sessions, report = plan_week(week)
    short = [r for r in report if r["kind"] == "quota_shortfall"]
    assert [(r["quota_id"], r["segments"]) for r in short] == [(1, {1: 1.0})]


# --------------------------------------------------------------------------- the builder

TREE_CSV = (
    "code,name,tier,parent_code\n"
    "77,Tỉnh Thuộc Tính,province,\n"
    "7701,Huyện Một,district,77\n"
    "7702,Huyện Hai,district,77\n"
    "770101,Xã Một Một,commune,7701\n"
    "770102,Xã Một Hai,commune,7701\n"
    "770201,Xã Hai Một,commune,7702\n"
).encode()
COMMUNES = ("770101", "770102", "770201")
OWNERS = (None, "77", "7701", "7702")
LIBRARY_TOPICS = ("thong-bao", "te-nan-xa-hoi", "phong-chong-ma-tuy", "phong-chong-toi-pham")


@dataclass
class SegSpec:
    topic: str
    seconds: int
    state: State = State.APPROVED
    level: Level = Level.NORMAL
    air_from: int | None = None  # days from MONDAY
    air_until: int | None = None
    owner: str | None = None


@dataclass
class TemplateSpec:
    owner: str
    label: str
    hour: int
    minutes: int
    weekdays: str
    fill: list[str | None]
    opening: bool = False
    closing: bool = False


@dataclass
class CampaignSpec:
    targets: list[str]
    starts: int
    ends: int
    pool: list[int]
    plays: int = 0
    minutes: int = 0
    topic: str = "phong-chong-toi-pham"


@dataclass
class OneOffSpec:
    segment: int
    priority: bool
    days: list[int]
    labels: list[str]
    units: list[str]
    stations: list[int]


@dataclass
class EmergencySpec:
    alert: int
    start: int  # minutes from MONDAY 00:00 local
    hours: int
    repeat: int | None
    ended_after: int | None  # minutes after the start
    units: list[str]
    stations: list[int]


@dataclass
class Scenario:
    segments: list[SegSpec]
    alerts: list[SegSpec] = field(default_factory=list)
    templates: list[TemplateSpec] = field(default_factory=list)
    override: tuple[int, int] | None = None  # (station, template) replaced at 08:00
    opt_out: tuple[int, int] | None = None
    day_minutes: int | None = None
    campaigns: list[CampaignSpec] = field(default_factory=list)
    one_offs: list[OneOffSpec] = field(default_factory=list)
    emergencies: list[EmergencySpec] = field(default_factory=list)
    first: int = 0
    days: int = 7
    now: int = -60  # minutes from MONDAY 00:00 local
    later: int = 0  # minutes after `now` of the second build


def validity(draw) -> tuple[int | None, int | None]:
    start = draw(st.one_of(st.none(), st.integers(-3, 8)))
    end = draw(st.one_of(st.none(), st.integers(start if start is not None else -3, 9)))
    return start, end


@st.composite
def seg_specs(draw, level: Level = Level.NORMAL) -> SegSpec:
    air_from, air_until = validity(draw)
    return SegSpec(
        topic=draw(st.sampled_from(LIBRARY_TOPICS)),
        seconds=draw(st.integers(15, 200)),
        state=draw(st.sampled_from([State.APPROVED] * 4 + [State.DRAFT, State.ARCHIVED])),
        level=level
        if level == Level.EMERGENCY
        else draw(st.sampled_from([level] * 3 + [Level.PRIORITY])),
        air_from=air_from,
        air_until=air_until,
        owner=draw(st.sampled_from(OWNERS)),
    )


weekdays = st.one_of(
    st.just("1234567"),
    st.sets(st.sampled_from("1234567"), min_size=1).map(lambda days: "".join(sorted(days))),
)


@st.composite
def template_specs(draw) -> list[TemplateSpec]:
    hours = draw(st.lists(st.sampled_from([6, 11, 17]), min_size=1, max_size=3, unique=True))
    owned = [("77", h) for h in sorted(hours)]
    if draw(st.booleans()):
        owned.append(("7702", 19))
    return [
        TemplateSpec(
            owner=owner,
            label=f"Buổi {hour}h",
            hour=hour,
            minutes=draw(st.integers(3, 40)),
            weekdays=draw(weekdays),
            fill=draw(st.lists(st.sampled_from((None, *LIBRARY_TOPICS)), max_size=3, unique=True)),
            opening=draw(st.booleans()),
            closing=draw(st.booleans()),
        )
        for owner, hour in owned
    ]


targets = st.sampled_from([["77"], ["7701"], ["7702"], ["7701", "7702"]])


@st.composite
def scenarios(draw) -> Scenario:
    first, days = draw(st.integers(0, 3)), draw(st.integers(1, 5))
    segments = draw(st.lists(seg_specs(), min_size=3, max_size=16))
    templates = draw(template_specs())
    labels = [t.label for t in templates]
    campaigns = [
        CampaignSpec(
            targets=draw(targets),
            starts=draw(st.integers(-7, 3)),
            ends=draw(st.integers(3, 14)),
            pool=draw(st.lists(st.integers(0, len(segments) - 1), max_size=5, unique=True)),
            plays=draw(st.integers(0, 4)),
            minutes=draw(st.integers(0, 15)),
            topic=draw(st.sampled_from(LIBRARY_TOPICS)),
        )
        for _ in range(draw(st.integers(0, 2)))
    ]
    one_offs = [
        OneOffSpec(
            segment=draw(st.integers(0, len(segments) - 1)),
            priority=draw(st.booleans()),
            days=draw(
                st.lists(st.integers(first, first + days), min_size=1, max_size=3, unique=True)
            ),
            labels=draw(st.lists(st.sampled_from(labels), unique=True)),
            units=draw(st.sampled_from([[], ["77"], ["7701"]])),
            stations=draw(st.lists(st.integers(0, 2), max_size=1)),
        )
        for _ in range(draw(st.integers(0, 3)))
    ]
    alerts = draw(st.lists(seg_specs(Level.EMERGENCY), min_size=1, max_size=2))
    emergencies = [
        EmergencySpec(
            alert=draw(st.integers(0, len(alerts) - 1)),
            start=first * 24 * 60 + draw(st.integers(-12 * 60, days * 24 * 60)),
            hours=draw(st.integers(1, 30)),
            repeat=draw(st.one_of(st.none(), st.integers(30, 300))),
            ended_after=draw(st.one_of(st.none(), st.integers(0, 20 * 60))),
            units=draw(st.sampled_from([[], ["77"], ["7702"]])),
            stations=draw(st.lists(st.integers(0, 2), min_size=0, max_size=2, unique=True)),
        )
        for _ in range(draw(st.integers(0, 3)))
    ]
    station_template = st.tuples(st.integers(0, 2), st.integers(0, len(templates) - 1))
    return Scenario(
        segments=segments,
        alerts=alerts,
        templates=templates,
        override=draw(st.one_of(st.none(), station_template)),
        opt_out=draw(st.one_of(st.none(), station_template)),
        day_minutes=draw(st.sampled_from([None, 10, 30, 90])),
        campaigns=campaigns,
        one_offs=one_offs,
        emergencies=emergencies,
        first=first,
        days=days,
        now=draw(st.integers(-24 * 60, 3 * 24 * 60)),
        later=draw(st.integers(0, 2 * 24 * 60)),
    )


@dataclass
class Installed:
    stations: list[Station]
    chains: dict[int, set[str]]  # station id → codes of its units, root to commune
    segments: dict[int, SegSpec]  # by segment id: the library, the alerts and the jingles
    bulletins: dict[int, tuple[EmergencySpec, int]]  # announcement id → spec, segment id
    campaigns: list[Campaign]
    first: date
    last: date
    now: datetime

    @property
    def station_ids(self) -> list[int]:
        return [s.id for s in self.stations]

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


def add_segment_row(session, spec: SegSpec, title: str, topics, units) -> Segment:
    sha = hashlib.sha256(title.encode()).hexdigest()
    segment = Segment(
        title=title,
        topic_id=topics[spec.topic],
        level=spec.level,
        state=spec.state,
        source=Source.UPLOAD,
        duration=float(spec.seconds),
        air_from=MONDAY + timedelta(days=spec.air_from) if spec.air_from is not None else None,
        air_until=MONDAY + timedelta(days=spec.air_until) if spec.air_until is not None else None,
        unit_id=units[spec.owner].id if spec.owner else None,
        audio_sha=sha,
        original_sha=sha,
        loudness_lufs=-16.0,
        true_peak_dbtp=-1.0,
    )
    session.add(segment)
    return segment


def install_tree(session, day_minutes: int | None):
    """Tree 77, a station per commune, and the province's rules."""
    units = {u.code: u for u in import_units(session, TREE_CSV).units}
    stations = [
        Station(
            code=f"77-{code}",
            name=f"Đài {units[code].name}",
            unit=units[code],
            timezone="Asia/Ho_Chi_Minh",
            kind="wired",
            clusters=1,
            active=True,
            contact="",
        )
        for code in COMMUNES
    ]
    session.add_all(stations)
    session.add(
        UnitRules(
            unit_id=units["77"].id,
            quiet_from=time(21, 0),
            quiet_until=time(6, 0),
            max_session_minutes=60,
            max_day_minutes=day_minutes,
        )
    )
    session.flush()
    chains = {s.id: {"77", s.unit.parent.code, s.unit.code} for s in stations}
    return units, stations, chains


def add_templates(session, specs: list[TemplateSpec], units, topics, jingles) -> list:
    templates = []
    for n, spec in enumerate(specs):
        items = [
            TemplateItem(position=k, kind=ItemKind.FILL, topic_id=topics[t] if t else None)
            for k, t in enumerate(spec.fill)
        ]
        if spec.opening:
            items.append(TemplateItem(position=-1, kind=ItemKind.OPEN, segment_id=jingles[0].id))
        if spec.closing:  # every other template closes with an archived jingle: reported missing
            items.append(
                TemplateItem(position=99, kind=ItemKind.CLOSE, segment_id=jingles[n % 2].id)
            )
        template = SessionTemplate(
            unit_id=units[spec.owner].id,
            label=spec.label,
            weekdays=spec.weekdays,
            starts_at=time(spec.hour, 0),
            max_minutes=spec.minutes,
            gap_seconds=GAP,
            items=items,
        )
        session.add(template)
        templates.append(template)
    session.flush()
    return templates


def add_campaigns(session, specs: list[CampaignSpec], units, topics, rows) -> list[Campaign]:
    campaigns = []
    for n, spec in enumerate(specs):
        quotas = []
        if spec.plays:
            quotas.append(Quota(kind=QuotaKind.SEGMENT_PLAYS, times_per_week=spec.plays))
        if spec.minutes:
            quotas.append(
                Quota(
                    kind=QuotaKind.TOPIC_MINUTES,
                    minutes_per_week=spec.minutes,
                    topic_id=topics[spec.topic],
                )
            )
        campaign = Campaign(
            code=f"thu-{n}",
            name=f"Chiến dịch {n}",
            starts_on=MONDAY + timedelta(days=spec.starts),
            ends_on=MONDAY + timedelta(days=spec.ends),
            unit_id=units["77"].id,
            targets=[units[c] for c in spec.targets],
            quotas=quotas,
        )
        session.add(campaign)
        session.flush()
        set_pool(session, campaign, [rows[i].id for i in spec.pool])
        campaigns.append(campaign)
    return campaigns


def install(session, sc: Scenario) -> Installed:
    """Store a scenario as the pages would have (rows, without the save_* checks)."""
    units, stations, chains = install_tree(session, sc.day_minutes)
    topics = {t.code: t.id for t in session.scalars(select(Topic))}
    jingle_specs = [SegSpec("thong-bao", 8), SegSpec("thong-bao", 12, state=State.ARCHIVED)]
    rows = [
        add_segment_row(session, s, f"Tin {n}", topics, units) for n, s in enumerate(sc.segments)
    ]
    alerts = [
        add_segment_row(session, s, f"Khẩn {n}", topics, units) for n, s in enumerate(sc.alerts)
    ]
    jingles = [
        add_segment_row(session, s, f"Nhạc {n}", topics, units) for n, s in enumerate(jingle_specs)
    ]
    session.flush()
    specs = dict(
        zip(
            [r.id for r in rows + alerts + jingles],
            sc.segments + sc.alerts + jingle_specs,
            strict=True,
        )
    )
    templates = add_templates(session, sc.templates, units, topics, jingles)
    if sc.override:
        station, which = sc.override
        session.add(
            SessionTemplate(
                station_id=stations[station].id,
                label="Buổi riêng",
                starts_at=time(8, 0),
                max_minutes=20,
                replaces_id=templates[which].id,
                items=[TemplateItem(kind=ItemKind.FILL)],
            )
        )
    if sc.opt_out and (sc.override is None or sc.opt_out[0] != sc.override[0]):
        station, which = sc.opt_out
        session.add(
            SessionTemplate(
                station_id=stations[station].id,
                label="",
                starts_at=time(0, 0),
                max_minutes=0,
                replaces_id=templates[which].id,
                opt_out=True,
            )
        )
    campaigns = add_campaigns(session, sc.campaigns, units, topics, rows)
    for spec in sc.one_offs:
        session.add(
            Announcement(
                segment=rows[spec.segment],
                level=Level.PRIORITY if spec.priority else Level.NORMAL,
                days=[(MONDAY + timedelta(days=d)).isoformat() for d in spec.days],
                session_labels=spec.labels,
                units=[units[c] for c in spec.units],
                stations=[stations[i] for i in spec.stations],
            )
        )
    bulletins = {}
    for spec in sc.emergencies:
        starts_at = local(MONDAY, 0) + timedelta(minutes=spec.start)
        ended = spec.ended_after
        bulletin = Announcement(
            segment=alerts[spec.alert],
            level=Level.EMERGENCY,
            starts_at=starts_at,
            expires_at=starts_at + timedelta(hours=spec.hours),
            repeat_minutes=spec.repeat,
            ended_at=starts_at + timedelta(minutes=ended) if ended is not None else None,
            units=[units[c] for c in spec.units],
            stations=[stations[i] for i in spec.stations],
        )
        session.add(bulletin)
        session.flush()
        bulletins[bulletin.id] = (spec, alerts[spec.alert].id)
    session.flush()
    first = MONDAY + timedelta(days=sc.first)
    return Installed(
        stations=stations,
        chains=chains,
        segments=specs,
        bulletins=bulletins,
        campaigns=campaigns,
        first=first,
        last=first + timedelta(days=sc.days - 1),
        now=local(MONDAY, 0) + timedelta(minutes=sc.now),
    )


def build(session, inst: Installed, now: datetime):
    return build_playlists(session, inst.first, inst.days, now=now, station_ids=inst.station_ids)


def current(session, inst: Installed) -> dict[tuple[int, date], Playlist]:
    found: dict[tuple[int, date], Playlist] = {}
    query = (
        select(Playlist)
        .where(
            Playlist.station_id.in_(inst.station_ids), Playlist.day.between(inst.first, inst.last)
        )
        .options(selectinload(Playlist.sessions).selectinload(PlaylistSession.items))
    )
    for playlist in session.scalars(query.order_by(Playlist.version)):
        found[(playlist.station_id, playlist.day)] = playlist
    return found


def valid_on(spec: SegSpec, day: date) -> bool:
    offset = (day - MONDAY).days
    return (
        spec.state == State.APPROVED
        and (spec.air_from is None or spec.air_from <= offset)
        and (spec.air_until is None or offset <= spec.air_until)
    )


def expected_airings(inst: Installed, station: Station, now: datetime) -> set[tuple[int, datetime]]:
    """Airings of the emergencies that reach the station, on the days built, from now on."""
    found = set()
    for announcement_id, (spec, segment_id) in inst.bulletins.items():
        reaches = station in [inst.stations[i] for i in spec.stations] or bool(
            set(spec.units) & inst.chains[station.id]
        )
        start = local(MONDAY, 0) + timedelta(minutes=spec.start)
        stop = start + timedelta(hours=spec.hours)
        if spec.ended_after is not None:
            stop = min(stop, start + timedelta(minutes=spec.ended_after))
        at = start
        while reaches and at < stop:
            day = at.astimezone(TZ).date()
            if (
                at >= now - timedelta(seconds=59)
                and inst.first <= day <= inst.last
                and valid_on(inst.segments[segment_id], day)
            ):
                found.add((announcement_id, at))
            if not spec.repeat:
                break
            at += timedelta(minutes=spec.repeat)
    return found


def check_day(
    inst: Installed, sc: Scenario, station_id: int, day: date, playlist: Playlist
) -> None:
    sessions = sorted(playlist.sessions, key=lambda s: s.number)
    order = [(s.starts_at, s.kind != SessionKind.EMERGENCY) for s in sessions]
    assert order == sorted(order)  # by time; an emergency before a session starting with it
    regular = fixed = 0.0
    for planned in sessions:
        items = sorted(planned.items, key=lambda i: i.position)
        for item in items:
            if item.segment_id is None:
                continue
            spec = inst.segments[item.segment_id]
            assert valid_on(spec, day), (item.title, item.reason, spec, day)
            if item.reason == Reason.FILL and spec.owner:
                assert spec.owner in inst.chains[station_id]
        if planned.kind == SessionKind.EMERGENCY:
            assert [i.reason for i in items] == [Reason.EMERGENCY]
            continue
        assert planned.planned_seconds <= planned.max_seconds + 1e-6
        kept = [i.segment_id for i in items if i.reason == Reason.FIXED]
        other = [i.segment_id for i in items if i.reason != Reason.FIXED and i.segment_id]
        assert len(other) == len(set(other)) and not set(other) & set(kept)
        regular += planned.planned_seconds
        fixed += sum(
            i.duration + planned.gap_seconds
            for i in items
            if i.reason in (Reason.FIXED, Reason.RELAY)
        )
    if sc.day_minutes is not None and fixed <= sc.day_minutes * 60:
        assert regular <= sc.day_minutes * 60 + 1e-6


def emergency_sessions(playlists, station_id: int) -> set[tuple[int, datetime]]:
    return {
        (s.items[0].announcement_id, s.starts_at)
        for (sid, _day), playlist in playlists.items()
        if sid == station_id
        for s in playlist.sessions
        if s.kind == SessionKind.EMERGENCY
    }


def check_built(session, sc: Scenario, inst: Installed, now: datetime, before=None) -> None:
    """What every current playlist of the built days must show."""
    playlists = current(session, inst)
    assert len(playlists) == len(inst.stations) * inst.days
    for (station_id, day), playlist in playlists.items():
        check_day(inst, sc, station_id, day, playlist)
    for station in inst.stations:
        aired = emergency_sessions(playlists, station.id)
        expected = expected_airings(inst, station, now)
        assert expected <= aired
        # Anything more had aired before `now`, in the version that was current then.
        earlier = emergency_sessions(before or {}, station.id)
        assert all(at < now and (a, at) in earlier for a, at in aired - expected)


def count_playlists(session) -> int:
    return session.scalar(select(func.count()).select_from(Playlist))


def reasons(playlists) -> set[str]:
    return {i.reason for p in playlists.values() for s in p.sessions for i in s.items}


def snapshot(playlists) -> dict:
    """Per station-day, each session as (kind, start, label, items)."""
    return {
        key: {
            (s.kind, s.starts_at, s.label): [
                (i.segment_id, i.reason, i.planned_start, i.duration)
                for i in sorted(s.items, key=lambda i: i.position)
            ]
            for s in p.sessions
        }
        for key, p in playlists.items()
    }


@settings(max_examples=EXAMPLES * 60, **SETTINGS)
@given(sc=scenarios())
def test_built_playlists_respect_the_rules(app, sc):
    with app.app_context():
        session = get_session()
        try:
            inst = install(session, sc)
            build(session, inst, inst.now)
            check_built(session, sc, inst, inst.now)
            for reason in sorted(reasons(current(session, inst))):
                event(f"planned: {reason}")
            # The same build again changes nothing and writes nothing.
            stored = count_playlists(session)
            again = build(session, inst, inst.now)
            assert again.playlists == 0 and count_playlists(session) == stored
            # Later, sessions that started or are about to keep what they had.
            before = current(session, inst)
            kept = snapshot(before)
            later = inst.now + timedelta(minutes=sc.later)
            build(session, inst, later)
            check_built(session, sc, inst, later, before)
            after = snapshot(current(session, inst))
            for key, sessions in kept.items():
                for (kind, start, label), items in sessions.items():
                    locked = start < later + (LOCK_WINDOW if kind == "regular" else timedelta())
                    if locked:
                        assert after[key].get((kind, start, label)) == items
                        event(f"rebuild kept a {kind} session")
        finally:
            session.rollback()


@dataclass
class QuotaWeek:
    """A week whose quotas are clearly feasible (or clearly not) at every station."""

    templates: list[TemplateSpec]
    pools: list[list[SegSpec]]  # one campaign each, with a plays quota
    plays: list[int]
    topic_segs: list[SegSpec]  # the library's segments of the minutes quota's topic
    minutes: int

    @property
    def sessions(self) -> int:
        return sum(len(t.weekdays) for t in self.templates)

    @property
    def capacity(self) -> int:
        return sum(t.minutes * 60 * len(t.weekdays) for t in self.templates)


@st.composite
def quota_weeks(draw, feasible: bool) -> QuotaWeek:
    pools = [
        [SegSpec("phong-chong-ma-tuy", draw(st.integers(20, 150))) for _ in range(n)]
        for n in draw(st.lists(st.integers(1, 4), min_size=1, max_size=2))
    ]
    topic_segs = [
        SegSpec("phong-chong-toi-pham", draw(st.integers(20, 150)))
        for _ in range(draw(st.integers(1, 3)))
    ]
    # Every session holds every pool and topic segment twice over.
    needed = sum(s.seconds + GAP for pool in pools for s in pool) + 150 + GAP
    shortest = max(5, -(-2 * needed // 60))
    hours = draw(st.lists(st.sampled_from([6, 11, 17]), min_size=1, max_size=3, unique=True))
    templates = [
        TemplateSpec(
            owner="77",
            label=f"Buổi {hour}h",
            hour=hour,
            minutes=draw(st.integers(min(shortest, 60), 60)),
            weekdays="".join(sorted(draw(st.sets(st.sampled_from("1234567"), min_size=1)))),
            fill=draw(st.lists(st.sampled_from(FILL_OR_ANY), max_size=2, unique=True)),
        )
        for hour in sorted(hours)
    ]
    week = QuotaWeek(templates, pools, [1] * len(pools), topic_segs, 0)
    if not feasible:
        if draw(st.booleans()):
            week.plays[0] = week.sessions + draw(st.integers(1, 3))
        else:
            week.minutes = week.capacity // 60 + draw(st.integers(1, 30))
        return week
    week.plays = [draw(st.integers(1, week.sessions)) for _ in pools]
    demand = sum(
        t * sum(s.seconds + GAP for s in p) for t, p in zip(week.plays, pools, strict=True)
    )
    supply = week.sessions * sum(s.seconds for s in topic_segs)
    room = min(week.capacity / 2 - demand, supply / 2) - 150
    week.minutes = max(0, int(room // 60))
    return week


FILL_OR_ANY = (None, "thong-bao", "te-nan-xa-hoi", "phong-chong-toi-pham")


def install_quota_week(session, week: QuotaWeek) -> tuple[Installed, list[list[int]]]:
    units, stations, chains = install_tree(session, None)
    topics = {t.code: t.id for t in session.scalars(select(Topic))}
    filler = [SegSpec(t, 60 + 20 * n) for n, t in enumerate(["thong-bao", "te-nan-xa-hoi"] * 3)]
    specs = [s for pool in week.pools for s in pool] + week.topic_segs + filler
    rows = [add_segment_row(session, s, f"Tin {n}", topics, units) for n, s in enumerate(specs)]
    session.flush()
    add_templates(session, week.templates, units, topics, [])
    pools, at = [], 0
    for pool in week.pools:
        pools.append(list(range(at, at + len(pool))))
        at += len(pool)
    campaigns = [
        CampaignSpec(targets=["77"], starts=-7, ends=14, pool=pool, plays=times)
        for pool, times in zip(pools, week.plays, strict=True)
    ]
    if week.minutes:
        campaigns.append(CampaignSpec(["77"], -7, 14, [], minutes=week.minutes))
    inst = Installed(
        stations=stations,
        chains=chains,
        segments={r.id: s for r, s in zip(rows, specs, strict=True)},
        bulletins={},
        campaigns=add_campaigns(session, campaigns, units, topics, rows),
        first=MONDAY,
        last=WEEK[-1],
        now=local(MONDAY, 0) - timedelta(days=1),
    )
    return inst, [[rows[i].id for i in pool] for pool in pools]


def shortfalls(playlists, station_id: int) -> list[dict]:
    return [
        entry
        for (sid, _day), playlist in playlists.items()
        if sid == station_id
        for entry in playlist.report
        if entry["kind"] == "quota_shortfall"
    ]


@settings(max_examples=EXAMPLES * 25, **SETTINGS)
@given(week=quota_weeks(feasible=True))
def test_built_week_meets_feasible_quotas(app, week):
    with app.app_context():
        session = get_session()
        try:
            inst, pools = install_quota_week(session, week)
            result = build(session, inst, inst.now)
            event(f"topic minutes quota: {week.minutes > 0}")
            assert result.shortfalls == 0
            playlists = current(session, inst)
            for station in inst.stations:
                assert shortfalls(playlists, station.id) == []
                items = [
                    i
                    for (sid, _day), p in playlists.items()
                    if sid == station.id
                    for s in p.sessions
                    for i in s.items
                ]
                plays = Counter(i.segment_id for i in items)
                for pool, times in zip(pools, week.plays, strict=True):
                    assert all(plays[s] >= times for s in pool)
                crime = {
                    s for s, spec in inst.segments.items() if spec.topic == "phong-chong-toi-pham"
                }
                assert sum(i.duration for i in items if i.segment_id in crime) >= week.minutes * 60
            for campaign in inst.campaigns:
                assert all(p.met for p in quota_progress(session, campaign, MONDAY))
        finally:
            session.rollback()


@settings(max_examples=EXAMPLES * 15, **SETTINGS)
@given(week=quota_weeks(feasible=False))
def test_built_week_reports_infeasible_quotas(app, week):
    with app.app_context():
        session = get_session()
        try:
            inst, _pools = install_quota_week(session, week)
            result = build(session, inst, inst.now)
            playlists = current(session, inst)
            assert result.shortfalls >= len(inst.stations)
            for station in inst.stations:
                assert shortfalls(playlists, station.id)
        finally:
            session.rollback()


@contextmanager
def fresh_app(template_db: str, folder: Path) -> Iterator[Flask]:
    """An app on a new copy of the test template database."""
    name = f"loaxa_p_{uuid.uuid4().hex[:10]}"
    if PG_URL:
        url = _pg_create(name, template=template_db)
    else:
        target = folder / f"{name}.db"
        shutil.copy(make_url(template_db).database or "", target)
        url = f"sqlite:///{target}"
    application = make_test_app(url, folder)
    try:
        yield application
    finally:
        with application.app_context():
            db.engine().dispose()
        if PG_URL:
            pg_drop(name)


def built_in_fresh_database(template_db: str, folder: Path, sc: Scenario) -> dict:
    with fresh_app(template_db, folder) as application, application.app_context():
        session = get_session()
        inst = install(session, sc)
        build(session, inst, inst.now)
        codes = {s.id: s.code for s in inst.stations}
        return {
            (codes[sid], day): (p.version, p.content_hash, p.report, p.changes)
            for (sid, day), p in current(session, inst).items()
        }


@settings(max_examples=EXAMPLES * 5, **SETTINGS)
@given(sc=scenarios())
def test_same_inputs_in_two_fresh_databases_build_the_same_playlists(
    template_db, tmp_path_factory, sc
):
    folder = tmp_path_factory.mktemp("fresh")
    first = built_in_fresh_database(template_db, folder, sc)
    second = built_in_fresh_database(template_db, folder, sc)
    assert first == second
