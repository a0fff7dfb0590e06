"""A station agent's heartbeat: posted by the station's own device, read by its auditors."""

from typing import Any

from flask import abort, g, request
from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy import select
from werkzeug.wrappers import Response

from audio_library.db import utcnow
from radio.airings.liveness import Liveness, Report, StationHeartbeat, record_heartbeat
from radio.api.auth import api_station, blueprint
from radio.api.heartbeat_schemas import HeartbeatAnswerSchema, HeartbeatInSchema, HeartbeatSchema
from radio.db import get_session
from radio.errors import problem
from radio.liveness_messages import agents_now, silent_after, warning_text
from radio.policy import Permission, station_or_403
from scheduler.units import Station

bp = blueprint("api_heartbeat", __name__, "Station agents: heartbeat and liveness")

PATH = "/stations/<code>/heartbeat"
MAX_BODY = 64 * 1024  # a full heartbeat is about 15 KB


def minutes() -> int:
    return round(silent_after().total_seconds() / 60)


def reporting_station(code: str) -> Station:
    """The station whose own device token is calling; people may not report for it."""
    device = g.get("device")
    if device is None:
        abort(403, description=_("Only the station's own device token can send its heartbeat."))
    if device.station.code != code:
        known = get_session().scalar(select(Station.id).where(Station.code == code))
        if known is None:
            abort(404, description=_("There is no station with the code %(code)s.", code=code))
    return api_station(code)


def refused(error: ValidationError) -> Response:
    """422 naming each field that is wrong, in the caller's language; nothing is stored."""
    found = dict(_flatten(error.messages))
    detail = " ".join(f"“{path}”: {' '.join(words)}" for path, words in found.items())
    return problem(
        422, _("The heartbeat was not stored. %(problems)s", problems=detail), errors=found
    )


def _flatten(messages: Any, path: str = "") -> list[tuple[str, list[str]]]:
    """marshmallow's nested errors as "errors.0.message" → its messages."""
    if isinstance(messages, dict):
        return [
            pair
            for key, inner in messages.items()
            # "_schema" holds what is wrong with the object itself: name the object
            for pair in _flatten(inner, path if key == "_schema" else f"{path}.{key}".lstrip("."))
        ]
    words = messages if isinstance(messages, list) else [messages]
    return [(path or "body", [str(w) for w in words])]


@bp.post(PATH)
@bp.doc(
    requestBody={"required": True, "content": {"application/json": {"schema": HeartbeatInSchema}}}
)
@bp.response(200, HeartbeatAnswerSchema)
def post_heartbeat(code: str) -> dict[str, Any] | Response:
    """The station agent says it is alive, every couple of minutes, with what it holds.

    Only the station's own device token is accepted. One row per station keeps the
    latest heartbeat; a bad one is refused (422, each field named) and changes nothing.
    """
    station = reporting_station(code)
    if (request.content_length or 0) > MAX_BODY:
        abort(413, description=_("A heartbeat holds at most %(kb)s KB.", kb=MAX_BODY // 1024))
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        abort(400, description=_("The body must be a JSON object: the agent's heartbeat."))
    try:
        report: Report = HeartbeatInSchema().load(body)
    except ValidationError as error:
        return refused(error)
    received_at = utcnow()
    record_heartbeat(get_session(), station.id, report, received_at, request.remote_addr or "")
    get_session().commit()
    return {
        "received_at": received_at,
        "server_time": utcnow(),
        "silent_after_minutes": minutes(),
    }


@bp.get(PATH)
@bp.response(200, HeartbeatSchema)
def get_heartbeat(code: str) -> dict[str, Any]:
    """The station agent's latest heartbeat, its state (live, silent) and warnings.

    For those who may see the station's audit, and for the station's own token; 404
    when no agent has ever reported (the station is run by hand).
    """
    if g.get("device") is not None:
        station = api_station(code)
    else:
        station = station_or_403(code, Permission.VIEW_AUDIT)
    line = agents_now([station.id])[station.id]
    if line.heartbeat is None:
        abort(404, description=_("No agent has reported for this station."))
    return document(station, line, line.heartbeat)


def document(station: Station, line: Liveness, beat: StationHeartbeat) -> dict[str, Any]:
    """The heartbeat as HeartbeatSchema dumps it."""
    return {
        "station": station.code,
        "state": line.state.value,
        "warnings": [
            {
                "kind": w.kind.value,
                "detail": warning_text(w),
                "day": w.day,
                "held": w.held,
                "current": w.current,
                "seconds": w.seconds,
                "free_bytes": w.free_bytes,
            }
            for w in line.warnings
        ],
        "first_seen_at": beat.first_seen_at,
        "received_at": beat.received_at,
        "agent_version": beat.agent_version,
        "last_sync_at": beat.last_sync_at,
        "playlists": line.held,
        "disk_free_bytes": beat.disk_free_bytes,
        "pending_confirmations": beat.pending_confirmations,
        "errors": beat.recent_errors,
        "playing": beat.now_playing,
        "clock_skew_seconds": beat.clock_skew_seconds,
        "remote_addr": beat.remote_addr,
        "silent_after_minutes": minutes(),
    }
