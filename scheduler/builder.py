"""Building playlists: plan every station's days and store what changed as new versions.

Sessions that already started, or start within the lock window, keep what the
current version says; only an emergency adds to them (as an extra session).
"""

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session, selectinload

from scheduler.build_inputs import HISTORY_DAYS, Inputs, Stored, load_inputs, load_stored
from scheduler.planner import DayInput, Planned, StationState, plan_day, tick
from scheduler.playlists import Playlist, PlaylistItem, PlaylistSession, SessionKind
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
        inputs.stored = load_stored(session, [s.id for s in batch], first, last)
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
    state = StationState()
    _remember(inputs, state, station_id, first)
    limits = inputs.book.limits(place)
    out = []
    day = first
    while day <= last:
        monday = day - timedelta(days=day.weekday())
        if state.week != monday:
            plays, seconds = _week_so_far(inputs, station_id, monday, day)
            state.start_week(monday, plays, seconds)
            week = [inputs.book.sessions_on(place, monday + timedelta(days=n)) for n in range(7)]
        stored = inputs.stored.get((station_id, day))
        report: list[dict[str, Any]] = []
        slots = inputs.slots(place, day, report)
        frozen: list[Planned] = []
        if stored is not None:  # a published day: what is locked stays, nothing new joins it
            frozen = [p for p in stored.sessions if _locked(p, now, lock)]
            kept = {(p.template_id, p.start) for p in frozen}
            slots = [
                s for s in slots if (s.template_id, s.start) not in kept and s.start >= now + lock
            ]
        after = week[day.weekday() + 1 :]
        plan = plan_day(
            DayInput(
                day=day,
                slots=slots,
                frozen=frozen,
                airings=inputs.airings_for(place, day, now),
                one_offs=inputs.one_offs_for(place, day),
                quotas=inputs.quotas_for(place, day),
                fill_pool=inputs.fill_pool(place, day),
                max_day_seconds=limits.max_day_minutes * 60 if limits.max_day_minutes else None,
                sessions_after=sum(len(t) for t in after),
                seconds_after=float(sum(x.max_minutes * 60 for t in after for x in t)),
            ),
            state,
        )
        out.append(_Day(station_id, day, plan.sessions, report + plan.report, stored))
        day += timedelta(days=1)
    return out


def _locked(planned: Planned, now: datetime, lock: timedelta) -> bool:
    """A published session that may no longer change (an emergency one once it started)."""
    if planned.kind == SessionKind.EMERGENCY:
        return planned.start < now
    return planned.start < now + lock


def _remember(inputs: Inputs, state: StationState, station_id: int, first: date) -> None:
    """Seed rotation with when each segment was last planned before `first`."""
    for back in range(HISTORY_DAYS, 0, -1):
        day = first - timedelta(days=back)
        stored = inputs.stored.get((station_id, day))
        for planned in stored.sessions if stored else []:
            for item in planned.items:
                if item.seg is not None:
                    state.rotation[item.seg.id] = tick(day, planned)


def _week_so_far(
    inputs: Inputs, station_id: int, monday: date, day: date
) -> tuple[dict[int, int], dict[int, float]]:
    plays: dict[int, int] = {}
    seconds: dict[int, float] = {}
    d = monday
    while d < day:
        stored = inputs.stored.get((station_id, d))
        for planned in stored.sessions if stored else []:
            for item in planned.items:
                if item.seg is not None:
                    plays[item.seg.id] = plays.get(item.seg.id, 0) + 1
                    seconds[item.seg.topic_id] = seconds.get(item.seg.topic_id, 0.0) + item.duration
        d += timedelta(days=1)
    return plays, seconds


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
    session_rows, item_rows = [], []
    for playlist_id, (planned_day, _digest, version) in zip(ids, pending, strict=True):
        result.new_versions.append((planned_day.station_id, planned_day.day, version))
        for number, planned in enumerate(planned_day.sessions, 1):
            session_rows.append(
                {
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
            )
            at = planned.start
            for position, item in enumerate(planned.items, 1):
                seg = item.seg
                item_rows.append(
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
    result.playlists += len(pending)
    session.execute(insert(PlaylistSession), session_rows)
    if item_rows:
        session.execute(insert(PlaylistItem), item_rows)
