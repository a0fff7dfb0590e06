"""Taking a batch of confirmations: check each entry, then chain the good ones.

Each entry gets its own outcome, so one bad line in a device's batch does not hold
back the rest; a rejected entry changes nothing. A retried entry (same item, same
client key, same content) is answered with the record it already made.
"""

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from audio_library.db import nfc, utcnow
from audio_library.segments import Topic
from radio.airings.chain import append, lock_station
from radio.airings.records import (
    Confirmation,
    NotAiredReason,
    Source,
    Status,
    UnplannedKind,
)
from scheduler.playlists import Playlist, PlaylistItem
from scheduler.units import Station

MAX_BATCH = 500
CLOCK_SLACK = timedelta(minutes=10)  # how far ahead of the server a client's clock may run
LONGEST = timedelta(hours=24)  # no airing lasts longer; more is a clock or typing error
NOTE_CHARS, TITLE_CHARS = 500, 300  # the columns' lengths


@dataclass(frozen=True)
class Entry:
    """One reported airing, already typed; times are aware datetimes."""

    client_key: str
    status: Status
    item_id: int | None = None
    started_at: datetime | None = None
    ended_at: datetime | None = None
    reason: NotAiredReason | None = None
    note: str = ""
    client_time: datetime | None = None
    corrects: int | None = None
    # An unplanned airing (no item) says what it was.
    unplanned_kind: UnplannedKind | None = None
    title: str = ""
    topic_id: int | None = None
    seconds: int | None = None


@dataclass(frozen=True)
class Actor:
    source: Source
    user_id: int | None = None
    token_id: int | None = None
    remote_addr: str = ""


@dataclass(frozen=True)
class Rules:
    grace: timedelta  # after a session ends, a confirmation still counts as on time
    window: timedelta | None = None  # after a session ends, none is taken (None: always)


class Outcome(enum.StrEnum):
    CREATED = "created"
    DUPLICATE = "duplicate"  # already recorded under this client key: nothing new
    REJECTED = "rejected"


@dataclass
class Result:
    index: int
    entry: Entry
    outcome: Outcome
    record: Confirmation | None = None
    error: str = ""  # a kind from ERRORS below, when rejected
    params: dict[str, Any] = field(default_factory=dict)


# Every reason an entry can be refused; radio.airing_messages words them.
ERRORS = (
    "no_item",  # the item id does not exist
    "other_station",  # the item is in another station's playlist
    "not_started",  # its session has not started yet
    "too_old",  # past the window in which this source may still confirm
    "needs_times",  # aired or partly aired with no start or end
    "end_before_start",
    "far_from_plan",  # started more than a day away from its planned start
    "future_time",  # a time later than the server's clock allows
    "needs_reason",  # not or partly aired without a reason
    "needs_note",  # reason "other" without a note
    "needs_what",  # an unplanned airing without kind, title, start or length
    "bad_length",  # lasts longer than LONGEST
    "no_topic",
    "key_reused",  # the client key already holds a different report of this item
    "twice_in_batch",
    "bad_correction",  # corrects a record that is not this station's, or another item's
)


@dataclass(frozen=True)
class _Planned:
    item: PlaylistItem
    station_id: int
    version: int
    day: date
    session_start: datetime
    session_end: datetime


def accept(
    session: Session,
    station: Station,
    entries: Sequence[Entry],
    actor: Actor,
    rules: Rules,
    now: datetime | None = None,
) -> list[Result]:
    """Check and chain a batch for one station; commits once, after the last record."""
    lock_station(session, station.id)
    # Read the clock only once the lock is held, so receive times rise with the chain.
    now = now or utcnow()
    planned = _load_planned(session, [e.item_id for e in entries if e.item_id is not None])
    recorded = _existing(session, station.id, entries)
    results = [Result(i, entry, Outcome.REJECTED) for i, entry in enumerate(entries)]
    drafts: list[tuple[Result, dict[str, Any]]] = []
    seen: set[tuple[int | None, str]] = set()
    for result in results:
        entry = result.entry
        key = (entry.item_id, entry.client_key)
        if key in seen:
            result.error = "twice_in_batch"
            continue
        seen.add(key)
        item = planned.get(entry.item_id) if entry.item_id is not None else None
        error, params = _problem(session, station, entry, item, rules, now)
        if error:
            result.error, result.params = error, params
            continue
        existing = recorded.get(key)
        if existing is not None:
            if _same_report(existing, entry):
                result.outcome, result.record = Outcome.DUPLICATE, existing
            else:
                result.error = "key_reused"
            continue
        drafts.append((result, _draft(station, entry, item, actor, rules, now)))
    records = append(session, station.id, [draft for _result, draft in drafts])
    for (result, _draft_values), record in zip(drafts, records, strict=True):
        result.outcome, result.record = Outcome.CREATED, record
    session.commit()
    return results


def _load_planned(session: Session, item_ids: list[int]) -> dict[int, _Planned]:
    if not item_ids:
        return {}
    rows = session.execute(
        select(PlaylistItem, Playlist.station_id, Playlist.version, Playlist.day)
        .join(Playlist, Playlist.id == PlaylistItem.playlist_id)
        .where(PlaylistItem.id.in_(set(item_ids)))
    ).all()
    # A session runs from its first item's start to its last item's end.
    bounds: dict[tuple[int, int], tuple[datetime, datetime]] = {}
    for playlist_id, number, start, seconds in session.execute(
        select(
            PlaylistItem.playlist_id,
            PlaylistItem.session_number,
            PlaylistItem.planned_start,
            PlaylistItem.duration,
        ).where(PlaylistItem.playlist_id.in_({r[0].playlist_id for r in rows}))
    ):
        end = start + timedelta(seconds=seconds)
        first, last = bounds.get((playlist_id, number), (start, end))
        bounds[(playlist_id, number)] = (min(first, start), max(last, end))
    planned = {}
    for item, station_id, version, day in rows:
        start, end = bounds[(item.playlist_id, item.session_number)]
        planned[item.id] = _Planned(item, station_id, version, day, start, end)
    return planned


def _problem(
    session: Session,
    station: Station,
    entry: Entry,
    item: _Planned | None,
    rules: Rules,
    now: datetime,
) -> tuple[str, dict[str, Any]]:
    """The first thing wrong with an entry, as (kind, params); ("", {}) when it is fine."""
    latest = now + CLOCK_SLACK
    for moment in (entry.client_time, entry.started_at, entry.ended_at):
        if moment is not None and moment > latest:
            return "future_time", {"time": moment}
    if entry.item_id is not None:
        if item is None:
            return "no_item", {"item": entry.item_id}
        if item.station_id != station.id:
            return "other_station", {"item": entry.item_id}
        if item.session_start > now:
            return "not_started", {"start": item.session_start}
        if rules.window is not None and now > item.session_end + rules.window:
            return "too_old", {"days": rules.window.days}
    elif not (entry.unplanned_kind and entry.title.strip() and entry.started_at and entry.seconds):
        return "needs_what", {}
    elif entry.seconds > LONGEST.total_seconds():
        return "bad_length", {}
    elif entry.topic_id is not None and session.get(Topic, entry.topic_id) is None:
        return "no_topic", {"topic": entry.topic_id}
    if entry.status != Status.NOT_AIRED and entry.started_at is None:
        return "needs_times", {}
    if entry.item_id is not None and entry.status != Status.NOT_AIRED and entry.ended_at is None:
        return "needs_times", {}
    if entry.started_at and entry.ended_at and entry.ended_at < entry.started_at:
        return "end_before_start", {}
    if entry.started_at and entry.ended_at and entry.ended_at - entry.started_at > LONGEST:
        return "bad_length", {}
    # A device whose clock was reset reports 1970: its times would mislead the audit.
    if item and entry.started_at and abs(entry.started_at - item.item.planned_start) > LONGEST:
        return "far_from_plan", {"start": item.item.planned_start}
    if entry.status != Status.AIRED and entry.reason is None:
        return "needs_reason", {}
    if entry.reason == NotAiredReason.OTHER and not entry.note.strip():
        return "needs_note", {}
    if entry.corrects is not None:
        corrected = session.get(Confirmation, entry.corrects)
        if (
            corrected is None
            or corrected.station_id != station.id
            or (
                corrected.playlist_item_id != entry.item_id
                and (item is None or corrected.planned_start != item.item.planned_start)
            )
        ):
            return "bad_correction", {"record": entry.corrects}
    return "", {}


def _existing(
    session: Session, station_id: int, entries: Sequence[Entry]
) -> dict[tuple[int | None, str], Confirmation]:
    """The records already made under the batch's (item, client key) pairs, in one query.

    One round trip per batch, not per entry; both branches use the (item, client key)
    unique index: a planned entry by its item, an unplanned one (no item) by its key.
    """
    items = {e.item_id for e in entries if e.item_id is not None}
    keys = {e.client_key for e in entries if e.item_id is None}
    query = (
        select(Confirmation)
        .where(
            Confirmation.station_id == station_id,
            or_(
                Confirmation.playlist_item_id.in_(items),
                Confirmation.playlist_item_id.is_(None) & Confirmation.client_key.in_(keys),
            ),
        )
        .order_by(Confirmation.id)
    )
    found: dict[tuple[int | None, str], Confirmation] = {}
    for record in session.scalars(query):
        found.setdefault((record.playlist_item_id, record.client_key), record)
    return found


def _same_report(record: Confirmation, entry: Entry) -> bool:
    """Whether a retry says what the record says (the client's clock may have moved on)."""
    same = (
        record.status == entry.status
        and record.started_at == entry.started_at
        and record.ended_at == entry.ended_at
        and (record.reason or None) == entry.reason
        and record.note == _clean(entry.note, NOTE_CHARS)
        and record.corrects_id == entry.corrects
    )
    if entry.item_id is not None:
        return same
    return same and (record.unplanned_kind, record.title, record.topic_id, record.seconds) == (
        entry.unplanned_kind,
        _clean(entry.title, TITLE_CHARS),
        entry.topic_id,
        entry.seconds,
    )


def _clean(text: str, limit: int) -> str:
    return nfc(text.strip())[:limit]


def _draft(
    station: Station,
    entry: Entry,
    item: _Planned | None,
    actor: Actor,
    rules: Rules,
    now: datetime,
) -> dict[str, Any]:
    if item is not None:
        day, ends = item.day, item.session_end
        planned = {
            "playlist_item_id": item.item.id,
            "playlist_version": item.version,
            "session_number": item.item.session_number,
            "planned_start": item.item.planned_start,
            "segment_id": item.item.segment_id,
            "title": item.item.title,
            "topic_id": item.item.topic_id,
            # What aired, in whole seconds, so reports can sum it in SQL on any database.
            "seconds": _aired_seconds(entry),
        }
    else:
        assert entry.started_at is not None and entry.seconds is not None
        day = entry.started_at.astimezone(ZoneInfo(station.timezone)).date()
        ends = entry.started_at + timedelta(seconds=entry.seconds)
        planned = {
            "unplanned_kind": entry.unplanned_kind,
            "title": _clean(entry.title, TITLE_CHARS),
            "topic_id": entry.topic_id,
            "seconds": entry.seconds,
        }
    return {
        **planned,
        "day": day,
        "status": entry.status,
        "reason": entry.reason,
        "note": _clean(entry.note, NOTE_CHARS),
        "started_at": entry.started_at,
        "ended_at": entry.ended_at,
        "source": actor.source,
        "user_id": actor.user_id,
        "token_id": actor.token_id,
        "remote_addr": actor.remote_addr[:45],
        "client_key": entry.client_key,
        "client_time": entry.client_time,
        "received_at": now,
        "late": now > ends + rules.grace,
        "corrects_id": entry.corrects,
    }


def _aired_seconds(entry: Entry) -> int | None:
    if entry.started_at is None or entry.ended_at is None:
        return None
    return round((entry.ended_at - entry.started_at).total_seconds())
