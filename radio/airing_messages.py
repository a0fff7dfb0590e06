"""How confirmation outcomes, statuses and reasons are worded for people."""

from typing import Any

from flask_babel import format_datetime
from flask_babel import lazy_gettext as _l

from radio.airings.records import NotAiredReason, Source, Status, UnplannedKind

STATUS_LABELS = {
    Status.AIRED: _l("Aired"),
    Status.NOT_AIRED: _l("Not aired"),
    Status.PARTLY_AIRED: _l("Partly aired"),
}
REASON_LABELS = {
    NotAiredReason.POWER_CUT: _l("Power cut"),
    NotAiredReason.EQUIPMENT_FAULT: _l("Equipment fault"),
    NotAiredReason.NO_CONNECTION: _l("No connection, could not download"),
    NotAiredReason.FILE_MISSING: _l("File missing or would not play"),
    NotAiredReason.EMERGENCY: _l("Gave way to an emergency broadcast"),
    NotAiredReason.WEATHER: _l("Storm, flood or other weather"),
    NotAiredReason.LOCAL_EVENT: _l("Local event or order of the commune"),
    NotAiredReason.OTHER: _l("Other (say what)"),
}
SOURCE_LABELS = {
    Source.PAGE: _l("Operator page"),
    Source.DEVICE: _l("Station device"),
    Source.AGENT: _l("Station agent"),
}
UNPLANNED_LABELS = {
    UnplannedKind.LIVE: _l("Live announcement"),
    UnplannedKind.RELAY: _l("Extra relay"),
    UnplannedKind.OTHER: _l("Other airing"),
}

ENTRY_ERRORS = {
    "not_object": _l("Each entry must be a JSON object."),
    "no_key": _l("client_key is missing: give each entry a key of 1 to 64 characters."),
    "bad_field": _l("The field “%(field)s” is not valid: %(expected)s."),
    "bad_status": _l("Unknown status “%(value)s”: use aired, not_aired or partly_aired."),
    "bad_reason": _l("Unknown reason “%(value)s”: use one of %(choices)s."),
    "bad_kind": _l("Unknown kind “%(value)s”: use live, relay or other."),
    "bad_time": _l(
        "The time “%(value)s” in “%(field)s” is not valid: write ISO 8601 with its offset, "
        "for example 2026-07-01T06:00:00+07:00."
    ),
    "no_item": _l("Item %(item)s does not exist."),
    "other_station": _l("Item %(item)s belongs to another station's playlist."),
    "not_started": _l("This session has not started yet: it starts at %(start)s."),
    "too_old": _l(
        "Sessions more than %(days)s days old can no longer be confirmed here; "
        "ask the district office."
    ),
    "needs_times": _l("Give the actual start and end of an item that aired."),
    "end_before_start": _l("The end is before the start."),
    "far_from_plan": _l(
        "The start is more than a day away from the planned %(start)s: check the device's clock."
    ),
    "future_time": _l("The time %(time)s is in the future: check the device's clock."),
    "needs_reason": _l("Choose why it did not air, or aired only in part."),
    "needs_note": _l("Say in a few words what the other reason was."),
    "needs_what": _l("An unplanned airing needs its kind, a title, its start and its length."),
    "bad_length": _l("An airing lasts at most 24 hours: check its start, end and length."),
    "too_long": _l("The field “%(field)s” holds at most %(max)s characters."),
    "no_topic": _l("Topic %(topic)s does not exist."),
    "key_reused": _l(
        "This client key already holds a different report of this item; "
        "send a correction with a new key."
    ),
    "twice_in_batch": _l("This item and client key appear twice in the batch."),
    "bad_correction": _l(
        "Record %(record)s is not an earlier report of this item at this station."
    ),
}


def entry_error(kind: str, params: dict[str, Any]) -> str:
    shown = {
        name: format_datetime(value, "short") if hasattr(value, "tzinfo") else value
        for name, value in params.items()
    }
    return str(ENTRY_ERRORS[kind]) % shown if shown else str(ENTRY_ERRORS[kind])
