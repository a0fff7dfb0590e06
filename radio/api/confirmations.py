"""What a station aired, reported by its device (or a person) in batches."""

from datetime import UTC, datetime, timedelta
from typing import Any

from flask import abort, current_app, g, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from audio_library.db import nfc
from audio_library.segments import Topic
from radio.airing_messages import entry_error
from radio.airings.intake import (
    MAX_BATCH,
    NOTE_CHARS,
    TITLE_CHARS,
    Actor,
    Entry,
    Result,
    Rules,
    accept,
)
from radio.airings.records import NotAiredReason, Source, Status, UnplannedKind
from radio.api.auth import api_station, bearer_token, blueprint
from radio.api.confirmation_schemas import INT_MAX, BatchInSchema, BatchOutcomeSchema
from radio.db import get_session
from radio.policy import Permission, require, station_or_403
from scheduler.units import Station

bp = blueprint("api_confirmations", __name__, "Airing confirmations (the as-run log)")


class EntryError(ValueError):
    def __init__(self, kind: str, **params: Any) -> None:
        super().__init__(kind)
        self.kind, self.params = kind, params


def confirming_station(code: str) -> tuple[Station, Actor]:
    """The station reported on, and who reports: its own device, or its operator."""
    if g.get("device") is not None:
        station = api_station(code)
        token = bearer_token()
        source = Source.AGENT if request.headers.get("X-Loaxa-Agent") else Source.DEVICE
        return station, Actor(source, token_id=token.id if token else None, remote_addr=_addr())
    station = station_or_403(code, Permission.CONFIRM_AIRING)
    require(Permission.CONFIRM_AIRING, station)
    token = bearer_token()
    actor = Actor(
        Source.DEVICE if token else Source.PAGE,
        user_id=current_user.id,
        token_id=token.id if token else None,
        remote_addr=_addr(),
    )
    return station, actor


def rules() -> Rules:
    return Rules(grace=timedelta(hours=current_app.config["CONFIRM_GRACE_HOURS"]))


@bp.post("/stations/<code>/confirmations")
@bp.doc(requestBody={"required": True, "content": {"application/json": {"schema": BatchInSchema}}})
@bp.response(200, BatchOutcomeSchema)
def post_confirmations(code: str) -> dict[str, Any]:
    """Report what aired: up to 500 entries, each answered on its own.

    Each entry names a playlist item (or, with no item, an unplanned airing: kind,
    title, topic, start, seconds), a status and the actual start and end. Retrying an
    entry with the same item and client key returns the record it made ("duplicate")
    and never counts twice; a different report under a used key is rejected. Entries
    may arrive days late: they are kept, marked late by when they were received.
    A rejected entry changes nothing; the others are stored.
    """
    station, actor = confirming_station(code)
    body = request.get_json(silent=True)
    if body is None:
        abort(400, _('The body is not valid JSON: send {"items": [...]}.'))
    items = body.get("items") if isinstance(body, dict) else None
    if not isinstance(items, list) or not items:
        abort(400, _("The body must be a JSON object with a non-empty list “items”."))
    if len(items) > MAX_BATCH:
        abort(
            413,
            _(
                "A batch holds at most %(max)s entries; this one has %(count)s. "
                "Send it in smaller batches.",
                max=MAX_BATCH,
                count=len(items),
            ),
        )
    parsed: list[Entry | EntryError] = [_entry(raw) for raw in items]
    good = [entry for entry in parsed if isinstance(entry, Entry)]
    results = iter(accept(get_session(), station, good, actor, rules()))
    answers = []
    for index, (raw, entry) in enumerate(zip(items, parsed, strict=True)):
        if isinstance(entry, EntryError):
            answers.append(_rejected(index, raw, entry.kind, entry.params))
        else:
            answers.append(_answer(index, next(results)))
    counts = {kind: sum(a["outcome"] == kind for a in answers) for kind in _OUTCOMES}
    return {**counts, "items": answers}


_OUTCOMES = ("created", "duplicate", "rejected")


def _addr() -> str:
    return request.remote_addr or ""


def _answer(index: int, result: Result) -> dict[str, Any]:
    if result.record is None:
        entry = result.entry
        return _rejected(
            index,
            {"item_id": entry.item_id, "client_key": entry.client_key},
            result.error,
            result.params,
        )
    return {
        "index": index,
        "item_id": result.entry.item_id,
        "client_key": result.entry.client_key,
        "outcome": result.outcome.value,
        "id": result.record.id,
        "late": result.record.late,
        "received_at": result.record.received_at,
    }


def _rejected(index: int, raw: Any, kind: str, params: dict[str, Any]) -> dict[str, Any]:
    raw = raw if isinstance(raw, dict) else {}
    return {
        "index": index,
        "item_id": raw.get("item_id") if isinstance(raw.get("item_id"), int) else None,
        "client_key": str(raw.get("client_key", ""))[:64],
        "outcome": "rejected",
        "error": kind,
        "detail": entry_error(kind, params),
    }


def _entry(raw: Any) -> Entry | EntryError:
    """An entry of the body as typed values, or what is wrong with it."""
    try:
        if not isinstance(raw, dict):
            raise EntryError("not_object")
        key = raw.get("client_key")
        if not isinstance(key, str) or "\x00" in key or not 1 <= len(key.strip()) <= 64:
            raise EntryError("no_key")
        status = _choice(raw, "status", Status, "bad_status", required=True)
        reason = _choice(raw, "reason", NotAiredReason, "bad_reason")
        kind = _choice(raw, "kind", UnplannedKind, "bad_kind")
        topic_id = None
        if raw.get("topic") not in (None, ""):
            code = _typed(raw, "topic", str)
            topic_id = get_session().scalar(select(Topic.id).where(Topic.code == code))
            if topic_id is None:
                raise EntryError("no_topic", topic=code)
        return Entry(
            client_key=key.strip(),
            status=status,
            item_id=_typed(raw, "item_id", int),
            started_at=_time(raw, "started_at"),
            ended_at=_time(raw, "ended_at"),
            reason=reason,
            note=_text(raw, "note", NOTE_CHARS),
            client_time=_time(raw, "client_time"),
            corrects=_typed(raw, "corrects", int),
            unplanned_kind=kind,
            title=_text(raw, "title", TITLE_CHARS),
            topic_id=topic_id,
            seconds=_typed(raw, "seconds", int),
        )
    except EntryError as error:
        return error


_EXPECTED = {int: _l("a whole number from 0 to 2147483647"), str: _l("text")}


def _typed(raw: dict[str, Any], name: str, kind: type) -> Any:
    value = raw.get(name)
    if value is None:
        return None
    if kind is int:
        fits = isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= INT_MAX
    else:  # PostgreSQL's text cannot hold NUL
        fits = isinstance(value, str) and "\x00" not in value
    if not fits:
        raise EntryError("bad_field", field=name, expected=str(_EXPECTED[kind]))
    return value


def _text(raw: dict[str, Any], name: str, limit: int) -> str:
    text = nfc(_typed(raw, name, str) or "").strip()
    if len(text) > limit:
        raise EntryError("too_long", field=name, max=limit)
    return text


def _choice(raw: dict[str, Any], name: str, kind: Any, error: str, required: bool = False) -> Any:
    value = raw.get(name)
    if value in (None, "") and not required:
        return None
    try:
        return kind(value)
    except ValueError:
        choices = ", ".join(r.value for r in NotAiredReason) if kind is NotAiredReason else ""
        raise EntryError(error, value=value, choices=choices) from None


def _time(raw: dict[str, Any], name: str) -> datetime | None:
    value = raw.get(name)
    if value in (None, ""):
        return None
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise EntryError("bad_time", field=name, value=value)
    try:
        moment.astimezone(UTC)  # an offset can take a time out of the calendar's range
    except OverflowError:
        raise EntryError("bad_time", field=name, value=value) from None
    return moment
