"""Building playlists: plan every station's days and store what changed as new versions.

Sessions that already started, or start within the lock window, keep what the
current version says; only an emergency adds to them (as an extra session).
"""

import copy
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session, selectinload

from scheduler.build_inputs import Inputs, load_inputs
from scheduler.bulk import insert_rows
from scheduler.plan_parts import DayInput, DayPlan, Planned, StationState
from scheduler.planner import plan_day
from scheduler.playlists import Playlist, PlaylistItem, PlaylistSession, SessionKind
from scheduler.stored_playlists import Stored, load_history, load_stored
from scheduler.templates import Place
from scheduler.units import Station

LOCK_WINDOW = timedelta(minutes=20)
MAX_DAYS = 31
BATCH = 200  # stations per write: bounds memory and gives progress steps

Progress = Callable[[int, int], None]


@dataclass
class BuildResult:
    stations: int = 0
    playlists: int = 0  # new versions written
    unchanged: int = 0
    shortfalls: int = 0
    new_versions: list[tuple[int, date, int]] = field(default_factory=list)

    @property
    def stations_changed(self) -> int:
        """How many stations got at least one new playlist version."""
        return len({station_id for station_id, _day, _version in self.new_versions})


def build_playlists(
    session: Session,
    first: date,
    days: int = 7,
    *,
    now: datetime,
    station_ids: list[int] | None = None,
    trigger: str = "manual",
    lock: timedelta = LOCK_WINDOW,
    progress: Progress = lambda _done, _total: None,
) -> BuildResult:
    """Build `days` days from `first` for the given (default: all active) stations."""
    last = first + timedelta(days=days - 1)
    query = select(Station).where(Station.active.is_(True)).options(selectinload(Station.unit))
    if station_ids is not None:
        query = query.where(Station.id.in_(station_ids))
    stations = list(session.scalars(query.order_by(Station.id)))
    inputs = load_inputs(session, first, last, now)
    result = BuildResult(stations=len(stations))
    for start in range(0, len(stations), BATCH):
        batch = stations[start : start + BATCH]
        ids = [s.id for s in batch]
        inputs.stored = load_stored(session, ids, first, last)
        inputs.history = load_history(session, ids, first)
        rows = []
        for station in batch:
            rows += _plan_station(inputs, Place.of(station), first, last, now, lock)
        _write(session, rows, trigger, result)
        progress(min(start + BATCH, len(stations)), len(stations))
    return result


@dataclass
class _Day:
    station_id: int
    day: date
    sessions: list[Planned]
    report: list[dict[str, Any]]
    stored: Stored | None


def _plan_station(
    inputs: Inputs, place: Place, first: date, last: date, now: datetime, lock: timedelta
) -> list[_Day]:
    station_id = place.station.id
    state = StationState(rotation=dict(inputs.history.last_tick.get(station_id, {})))
    limits = inputs.book.limits(place)
    out = []
    day = first
    while day <= last:
        monday = day - timedelta(days=day.weekday())
        if state.week != monday:
            plays, seconds = _week_so_far(inputs, station_id, monday, first)
            state.start_week(monday, plays, seconds)
            week = [inputs.book.sessions_on(place, monday + timedelta(days=n)) for n in range(7)]
        stored = inputs.stored.get((station_id, day))
        report: list[dict[str, Any]] = []
        after = week[day.weekday() + 1 :]
        inp = DayInput(
            day=day,
            slots=inputs.slots(place, day, report),
            airings=inputs.airings_for(place, day, now),
            one_offs=inputs.one_offs_for(place, day),
            quotas=inputs.quotas_for(place, day),
            fill_pool=inputs.fill_pool(place, day),
            max_day_seconds=limits.max_day_minutes * 60 if limits.max_day_minutes else None,
            sessions_after=sum(len(t) for t in after),
            seconds_after=float(sum(x.max_minutes * 60 for t in after for x in t)),
        )
        if stored is None:
            plan = plan_day(inp, state)
        else:
            plan, state = _replan(inp, stored, state, now, lock)
        out.append(_Day(station_id, day, plan.sessions, report + plan.report, stored))
        day += timedelta(days=1)
    return out


def _replan(
    inp: DayInput, stored: Stored, state: StationState, now: datetime, lock: timedelta
) -> tuple[DayPlan, StationState]:
    """Plan a published day: what is locked stays, nothing new joins it.

    Planned afresh (keeping only the emergencies that started), the day may come out
    exactly as published: then nothing changed, and it stays so. Freezing the locked
    sessions first would shift what is planned around them and write a new version
    for no change.
    """
    frozen = [p for p in stored.sessions if _locked(p, now, lock)]
    if any(p.kind == SessionKind.REGULAR for p in frozen):
        fresh_state = copy.deepcopy(state)
        started = [p for p in frozen if p.kind == SessionKind.EMERGENCY]
        fresh = plan_day(replace(inp, frozen=started), fresh_state)
        if content_hash(fresh.sessions) == stored.content_hash:
            return fresh, fresh_state
    kept = {(p.template_id, p.start) for p in frozen}
    slots = [s for s in inp.slots if (s.template_id, s.start) not in kept and s.start >= now + lock]
    return plan_day(replace(inp, slots=slots, frozen=frozen), state), state


def _locked(planned: Planned, now: datetime, lock: timedelta) -> bool:
    """A published session that may no longer change (an emergency one once it started)."""
    if planned.kind == SessionKind.EMERGENCY:
        return planned.start < now
    return planned.start < now + lock


def _week_so_far(
    inputs: Inputs, station_id: int, monday: date, first: date
) -> tuple[dict[int, int], dict[int, float]]:
    """This week's plays per segment and seconds per topic before the days being built."""
    if monday != first - timedelta(days=first.weekday()):
        return {}, {}  # a later week of this build: its earlier days are in the state
    history = inputs.history
    return history.plays.get(station_id, {}), history.seconds.get(station_id, {})


def content_hash(sessions: list[Planned]) -> str:
    data = [
        [
            p.label,
            p.kind,
            p.start.isoformat(),
            p.max_seconds,
            p.gap,
            p.template_id,
            p.interrupts,
            [
                [
                    i.kind,
                    i.seg.id if i.seg else None,
                    i.url,
                    i.title,
                    round(i.duration, 3),
                    i.reason,
                    i.campaign_id,
                    i.quota_id,
                    i.announcement_id,
                    i.template_item_id,
                ]
                for i in p.items
            ],
        ]
        for p in sessions
    ]
    return hashlib.sha256(json.dumps(data, separators=(",", ":")).encode()).hexdigest()


def _changes(old: Stored | None, new: list[Planned]) -> dict[str, Any]:
    """What a new version adds and removes, by session label and title."""

    def titles(sessions: list[Planned]) -> set[tuple[str, str]]:
        return {(p.label, i.title) for p in sessions for i in p.items}

    before = titles(old.sessions) if old else set()
    after = titles(new)
    return {
        "added": sorted([s, t] for s, t in after - before),
        "removed": sorted([s, t] for s, t in before - after),
    }


def _write(session: Session, days: list[_Day], trigger: str, result: BuildResult) -> None:
    pending = []
    for planned_day in days:
        digest = content_hash(planned_day.sessions)
        result.shortfalls += sum(r["kind"] == "quota_shortfall" for r in planned_day.report)
        if planned_day.stored is not None and planned_day.stored.content_hash == digest:
            result.unchanged += 1
            continue
        version = planned_day.stored.version + 1 if planned_day.stored else 1
        pending.append((planned_day, digest, version))
    if not pending:
        return
    ids = session.scalars(
        insert(Playlist).returning(Playlist.id, sort_by_parameter_order=True),
        [
            {
                "station_id": d.station_id,
                "day": d.day,
                "version": v,
                "trigger": trigger,
                "content_hash": h,
                "changes": _changes(d.stored, d.sessions),
                "report": d.report,
            }
            for d, h, v in pending
        ],
    ).all()
    session_rows: list[dict[str, Any]] = []
    item_rows: list[dict[str, Any]] = []
    for playlist_id, (planned_day, _digest, version) in zip(ids, pending, strict=True):
        result.new_versions.append((planned_day.station_id, planned_day.day, version))
        for number, planned in enumerate(planned_day.sessions, 1):
            session_rows.append(_session_row(playlist_id, number, planned))
            item_rows += _item_rows(playlist_id, number, planned)
    result.playlists += len(pending)
    insert_rows(session, PlaylistSession, session_rows)  # a day may have no session
    insert_rows(session, PlaylistItem, item_rows)


def _session_row(playlist_id: int, number: int, planned: Planned) -> dict[str, Any]:
    return {
        "playlist_id": playlist_id,
        "number": number,
        "label": planned.label,
        "kind": planned.kind,
        "starts_at": planned.start,
        "max_seconds": planned.max_seconds,
        "gap_seconds": planned.gap,
        "template_id": planned.template_id,
        "interrupts": planned.interrupts,
    }


def _item_rows(playlist_id: int, number: int, planned: Planned) -> list[dict[str, Any]]:
    """The session's items, each with its planned start (the pause follows every item)."""
    rows = []
    at = planned.start
    for position, item in enumerate(planned.items, 1):
        seg = item.seg
        rows.append(
            {
                "playlist_id": playlist_id,
                "session_number": number,
                "position": position,
                "kind": item.kind,
                "segment_id": seg.id if seg else None,
                "url": item.url,
                "title": item.title,
                "topic_id": seg.topic_id if seg else None,
                "level": seg.level if seg else "normal",
                "planned_start": at,
                "duration": item.duration,
                "audio_sha": seg.sha if seg else "",
                "reason": item.reason,
                "campaign_id": item.campaign_id,
                "quota_id": item.quota_id,
                "announcement_id": item.announcement_id,
                "template_item_id": item.template_item_id,
            }
        )
        at += timedelta(seconds=item.duration + planned.gap)
    return rows
