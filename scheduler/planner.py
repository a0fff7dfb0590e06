"""The playlist planner: pure functions from one station's day to its planned sessions.

No database here: the builder loads the inputs in bulk and stores the result, so the
same inputs always give the same playlist and the rules can be tested on their own.

Order of work for a day: emergencies get their own sessions at the moment they air;
each regular session gets its fixed items, then one-offs (priority first), then what
campaign quotas still need this week, spread over the week's remaining sessions, then
its fill rules, least recently planned segment first. Nothing is placed that would
overflow a session or the day's limit; what could not be placed goes to the report.
"""

from collections.abc import Iterable
from math import ceil
from typing import Any

from scheduler.plan_parts import (
    EMERGENCY_LABEL,
    Airing,
    DayInput,
    DayPlan,
    Item,
    Planned,
    QuotaRule,
    Seg,
    Slot,
    StationState,
    tick,
)
from scheduler.playlists import Reason, SessionKind


def plan_day(inp: DayInput, state: StationState) -> DayPlan:
    """Plan one station's day; `state` is read and advanced."""
    report: list[dict[str, Any]] = []
    regular = [_open(slot, report) for slot in inp.slots]
    extra = _emergencies(inp.airings, inp.frozen)
    # Everything that airs counts, as it does when a stored day is read back: a rebuild
    # of the same inputs must come to the same plan.
    for planned in inp.frozen + regular + extra:
        for item in planned.items:
            state.count(item, tick(planned.start))
    kept_regular = [p for p in inp.frozen if p.kind == SessionKind.REGULAR]
    budget = _Budget(inp.max_day_seconds, kept_regular + regular)
    order = sorted(regular, key=lambda p: p.start)
    _place_one_offs(inp, order, budget, state, report)
    _place_quotas(inp, order, budget, state, report)
    for planned in order:
        _fill_session(inp, planned, budget, state)
        planned.items.sort(key=_position)
    sessions = inp.frozen + order + extra
    sessions.sort(key=lambda p: (p.start, p.kind != SessionKind.EMERGENCY))
    _link_interruptions(sessions)
    if budget.skipped:
        report.append(
            {"kind": "day_limit", "limit": inp.max_day_seconds, "skipped": len(budget.skipped)}
        )
    return DayPlan(sessions, report)


def _position(item: Item) -> tuple[int, ...]:
    if item.reason in (Reason.FIXED, Reason.RELAY):
        return (2,) if item.at_end else (0,)
    return (1, 0 if item.first or (item.seg and item.seg.level == "priority") else 1)


def _open(slot: Slot, report: list[dict[str, Any]]) -> Planned:
    planned = Planned(
        label=slot.label,
        kind=SessionKind.REGULAR,
        start=slot.start,
        max_seconds=slot.max_seconds,
        gap=slot.gap,
        template_id=slot.template_id,
        fill_topics=slot.fill_topics,
    )
    for fixed in slot.fixed:
        item = Item(
            kind="segment" if fixed.seg else "relay",
            seg=fixed.seg,
            url=fixed.url,
            title=fixed.seg.title if fixed.seg else fixed.title,
            duration=fixed.seg.duration if fixed.seg else fixed.seconds,
            reason=Reason.FIXED if fixed.seg else Reason.RELAY,
            template_item_id=fixed.template_item_id,
            at_end=fixed.at_end,
        )
        if planned.fits(item.duration):
            planned.add(item)
        else:
            report.append(_not_placed("overflow", planned, item))
    return planned


def _not_placed(kind: str, planned: Planned, item: Item) -> dict[str, Any]:
    return {
        "kind": kind,
        "session": planned.label,
        "title": item.title,
        "segment_id": item.seg.id if item.seg else None,
        "seconds": round(item.duration, 1),
    }


class _Budget:
    """The day's limit on regular broadcast minutes."""

    def __init__(self, limit: int | None, sessions: Iterable[Planned]) -> None:
        self.left = float("inf") if limit is None else limit - sum(p.used for p in sessions)
        self.skipped: set[int] = set()  # segments the limit kept out

    def take(self, planned: Planned, item: Item) -> bool:
        cost = item.duration + (planned.gap if planned.items else 0)
        if cost > self.left:
            self.skipped.add(item.seg.id if item.seg else 0)
            return False
        self.left -= cost
        return True


def _place(planned: Planned, item: Item, budget: _Budget, state: StationState) -> bool:
    assert item.seg is not None
    if planned.has(item.seg.id) or not planned.fits(item.duration):
        return False
    if not budget.take(planned, item):
        return False
    planned.add(item)
    state.count(item, tick(planned.start))
    return True


def _seg_item(seg: Seg, reason: Reason, **why: int | None) -> Item:
    return Item("segment", seg, "", seg.title, seg.duration, reason, **why)  # type: ignore[arg-type]


def _place_one_offs(
    inp: DayInput,
    order: list[Planned],
    budget: _Budget,
    state: StationState,
    report: list[dict[str, Any]],
) -> None:
    for one_off in sorted(inp.one_offs, key=lambda o: (not o.priority, o.id)):
        chosen = [p for p in order if not one_off.labels or p.label in one_off.labels]
        for planned in chosen:
            item = _seg_item(one_off.seg, Reason.ONE_OFF, announcement_id=one_off.id)
            item.first = one_off.priority
            placed = _place(planned, item, budget, state)
            if not placed and not planned.has(one_off.seg.id):
                report.append(_not_placed("one_off_not_placed", planned, item))
        if not chosen:  # none of its sessions runs that day
            report.append({"kind": "one_off_no_session", "title": one_off.seg.title})


def _by_rotation(segs: Iterable[Seg], state: StationState) -> list[Seg]:
    return sorted(segs, key=lambda s: (state.rotation.get(s.id, -1), s.id))


def _place_quotas(
    inp: DayInput,
    order: list[Planned],
    budget: _Budget,
    state: StationState,
    report: list[dict[str, Any]],
) -> None:
    for quota in inp.quotas if order else []:
        if quota.kind == "segment_plays":
            _quota_plays(inp, quota, order, budget, state)
        else:
            _quota_minutes(inp, quota, order, budget, state)
    _report_shortfalls(inp, state, report)


def _least_used(order: list[Planned]) -> list[Planned]:
    return sorted(order, key=lambda p: (p.used, p.start))


def _quota_plays(
    inp: DayInput, quota: QuotaRule, order: list[Planned], budget: _Budget, state: StationState
) -> None:
    """Today's even share of the plays each pool segment still needs this week."""
    today = len(order)
    for seg in _by_rotation(quota.pool, state):
        need = quota.required - state.plays.get(seg.id, 0)
        share = min(today, ceil(need * today / (today + inp.sessions_after)))
        for planned in _least_used(order):
            if share <= 0:
                break
            item = _seg_item(seg, Reason.QUOTA, campaign_id=quota.campaign_id, quota_id=quota.id)
            share -= _place(planned, item, budget, state)


def _quota_minutes(
    inp: DayInput, quota: QuotaRule, order: list[Planned], budget: _Budget, state: StationState
) -> None:
    """Today's share, by capacity, of the seconds a topic still needs this week.

    Each pass places every pool segment once; a small pool takes more passes, so a
    segment may air in several sessions of the day.
    """
    topic = quota.topic_id or 0
    today = float(sum(p.max_seconds for p in order))
    done = state.topic_seconds.get(topic, 0.0)
    target = done + (quota.required - done) * today / (today + inp.seconds_after)
    placed = True
    while placed:
        placed = False
        for seg in _by_rotation(quota.pool, state):
            if state.topic_seconds.get(topic, 0.0) >= target - 1e-6:
                return
            for planned in _least_used(order):
                item = _seg_item(
                    seg, Reason.QUOTA, campaign_id=quota.campaign_id, quota_id=quota.id
                )
                if _place(planned, item, budget, state):
                    placed = True
                    break


def _report_shortfalls(inp: DayInput, state: StationState, report: list[dict[str, Any]]) -> None:
    """On the week's last day with sessions, say which quotas were not met."""
    regular = inp.slots or any(p.kind == SessionKind.REGULAR for p in inp.frozen)
    if inp.sessions_after or not regular:
        return
    for quota in inp.quotas:
        if quota.kind == "segment_plays":
            short = {
                s.id: quota.required - state.plays.get(s.id, 0)
                for s in quota.pool
                if state.plays.get(s.id, 0) < quota.required
            }
            if short:
                report.append(
                    {
                        "kind": "quota_shortfall",
                        "quota_id": quota.id,
                        "campaign_id": quota.campaign_id,
                        "segments": short,
                    }
                )
        else:
            done = state.topic_seconds.get(quota.topic_id or 0, 0.0)
            if done + 1e-6 < quota.required:
                report.append(
                    {
                        "kind": "quota_shortfall",
                        "quota_id": quota.id,
                        "campaign_id": quota.campaign_id,
                        "seconds": round(quota.required - done, 1),
                    }
                )


def _fill_session(inp: DayInput, planned: Planned, budget: _Budget, state: StationState) -> None:
    """Take turns between the session's topics, least recently planned segment first.

    A session without fill rules stays as short as its content: no filler.
    """
    # Each queue holds its topic's segments, least recently planned last (popped first).
    queues = [_by_rotation(inp.fill_pool.get(t, []), state)[::-1] for t in planned.fill_topics]
    shortest = min((seg.duration for queue in queues for seg in queue), default=0.0)
    while any(queues) and planned.fits(shortest):
        placed = False
        for queue in queues:
            while queue:
                seg = queue.pop()
                if seg.id in planned.seg_ids or not planned.fits(seg.duration):
                    continue  # checked before building the item: most candidates end here
                if _place(planned, _seg_item(seg, Reason.FILL), budget, state):
                    placed = True
                    break
        if not placed:
            return


def _emergencies(airings: list[Airing], sessions: list[Planned]) -> list[Planned]:
    """One extra session per airing not already in a kept session."""
    extra = []
    taken = {
        (p.start, p.items[0].announcement_id)
        for p in sessions
        if p.kind == SessionKind.EMERGENCY and p.items
    }
    for airing in sorted(airings, key=lambda a: (a.at, a.announcement_id)):
        if (airing.at, airing.announcement_id) in taken:
            continue
        planned = Planned(
            label=EMERGENCY_LABEL,
            kind=SessionKind.EMERGENCY,
            start=airing.at,
            max_seconds=ceil(airing.seg.duration),
            gap=0,
            template_id=None,
        )
        planned.add(_seg_item(airing.seg, Reason.EMERGENCY, announcement_id=airing.announcement_id))
        extra.append(planned)
    return extra


def _link_interruptions(sessions: list[Planned]) -> None:
    """Note on each emergency session the regular session (by number) it breaks into."""
    for planned in sessions:
        if planned.kind == SessionKind.EMERGENCY:
            planned.interrupts = next(
                (
                    number
                    for number, other in enumerate(sessions, 1)
                    if other.kind == SessionKind.REGULAR
                    and other.start <= planned.start < other.end
                ),
                None,
            )
