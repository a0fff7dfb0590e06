"""How domain values and error kinds are worded for people (the domain carries no text)."""

import json
from typing import Any

from flask import Flask, current_app
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from audio_library.jobs import Job, JobState
from audio_library.segments import Level, Segment, Source, State
from audio_library.tts.synthesis import MAX_TEXT
from radio.people import Role
from radio.policy import Permission, can
from scheduler.unit_import import Problem
from scheduler.units import StationKind, Tier

ROLE_LABELS = {
    Role.ADMIN: _l("Administrator"),
    Role.PLANNER: _l("Planner"),
    Role.EDITOR: _l("Editor"),
    Role.APPROVER: _l("Approver"),
    Role.AUDITOR: _l("Auditor"),
    Role.OPERATOR: _l("Station operator"),
}
TIER_LABELS = {
    Tier.PROVINCE: _l("Province"),
    Tier.DISTRICT: _l("District"),
    Tier.COMMUNE: _l("Commune"),
}
KIND_LABELS = {
    StationKind.WIRED: _l("Wired loudspeakers"),
    StationKind.FM: _l("FM radio"),
    StationKind.IP: _l("IP loudspeakers"),
}

UNIT_IMPORT = {
    "encoding": _l("The file is not UTF-8 text. Save it as “CSV UTF-8” and try again."),
    "columns": _l("Columns missing from the header: %(value)s."),
    "empty": _l("The file has no units."),
    "no_code": _l("The code is empty."),
    "duplicate_code": _l("Code %(value)s appears more than once in the file."),
    "no_name": _l("The name is empty."),
    "bad_tier": _l("Unknown tier “%(value)s” (use province, district or commune)."),
    "own_parent": _l("Unit %(value)s cannot be its own parent."),
    "missing_parent": _l("Parent unit %(value)s is neither earlier in the file nor stored."),
    "cycle": _l("Unit %(value)s cannot be placed under one of its own units."),
    "ambiguous_parent": _l("Parent code %(value)s exists in several trees; write TREE:CODE."),
}

USER = {
    "no_username": _l("Enter a username."),
    "username_taken": _l("This username is already taken."),
    "operator_needs_station": _l("An operator must be bound to a station."),
    "password_short": _l("The password must have at least 8 characters."),
    "unit_required": _l("Only an administrator may act for the whole system; choose a unit."),
}

STATION = {
    "unknown_unit": _l("The unit does not exist or is outside your area."),
    "bad_code": _l("Use 2–40 letters, digits, “-” or “_” for the station code."),
    "code_taken": _l("This station code is already taken."),
    "no_name": _l("Enter the station's name."),
    "bad_timezone": _l("Unknown time zone."),
    "bad_kind": _l("Unknown station kind."),
    "bad_clusters": _l("The number of loudspeaker clusters must be between 1 and 500."),
}

LEVEL_LABELS = {
    Level.NORMAL: _l("Normal"),
    Level.PRIORITY: _l("Priority"),
    Level.EMERGENCY: _l("Emergency"),
}
STATE_LABELS = {
    State.DRAFT: _l("Draft"),
    State.SUBMITTED: _l("Waiting for approval"),
    State.APPROVED: _l("Approved"),
    State.REJECTED: _l("Rejected"),
    State.ARCHIVED: _l("Archived"),
}
# Vietnamese and the minority languages commune stations broadcast in (ISO 639-3 tags).
LANGUAGE_LABELS = {
    "vi": _l("Vietnamese"),
    "rad": _l("Ê Đê"),
    "cmo": _l("M'Nông"),
    "hnj": _l("H'Mông"),
    "tyz": _l("Tày"),
    "nut": _l("Nùng"),
    "khm": _l("Khmer"),
    "cja": _l("Chăm"),
    "jra": _l("Gia Rai"),
    "bdq": _l("Ba Na"),
}
VOICE_LABELS = {
    "north": _l("Northern voice"),
    "central": _l("Central voice"),
    "south": _l("Southern voice"),
}
AUDIO = {
    "empty": _l("The file is empty (0 bytes)."),
    "not_audio": _l("This file is not audio that can be played. Check that it is a recording."),
    "truncated": _l("The audio file is cut off (incomplete upload?). Upload it again."),
    "too_long": _l("The recording is longer than the allowed %(minutes)d minutes."),
    "too_short": _l("The recording is too short."),
    "silent": _l("The recording is silent."),
    "ffmpeg_failed": _l("The audio could not be processed."),
}
LIBRARY = {
    "bad_title": _l("Enter a title of at most 300 characters."),
    "unknown_topic": _l("Choose a topic."),
    "bad_level": _l("Unknown bulletin level."),
    "bad_window": _l("“Air until” must not be before “Air from”."),
    "bad_state": _l("This cannot be done in the segment's current state."),
    "own_segment": _l("You cannot approve or reject a segment you made yourself."),
    "reason_required": _l("Give a reason for the rejection."),
}
TTS = {
    "empty": _l("Type the announcement text."),
    "too_long": _l("The text is too long (at most %(n)d characters)."),
    "nothing_to_say": _l("The text has no words to read."),
    "all_engines_failed": _l("No speech engine could read the text."),
}
SOURCE_LABELS = {
    Source.UPLOAD: _l("Uploaded file"),
    Source.RECORDING: _l("Recorded in the browser"),
    Source.TTS: _l("Text-to-speech"),
    Source.RELAY: _l("Relay"),
}
EVENT_LABELS = {
    "created": _l("created"),
    "edited": _l("edited"),
    "submitted": _l("sent for approval"),
    "approved": _l("approved"),
    "rejected": _l("rejected"),
    "archived": _l("archived"),
    "superseded": _l("replaced by a newer approved version"),
    "new_version": _l("new version made"),
    "edited_as_new_version": _l("changes saved as a new version"),
}
JOB_STATE_LABELS = {
    JobState.QUEUED: _l("Waiting to start…"),
    JobState.RUNNING: _l("Working…"),
    JobState.DONE: _l("Finished."),
    JobState.FAILED: _l("Failed."),
    JobState.CANCELLED: _l("Cancelled."),
}
ENGINE_PROBLEMS = {
    "unreachable": _l("could not be reached"),
    "timeout": _l("did not answer in time"),
    "bad_audio": _l("returned audio that could not be used"),
    "unsupported_voice": _l("has no such voice"),
    "failed": _l("failed"),
}


def describe_problem(problem: Problem) -> str:
    message = str(UNIT_IMPORT[problem.kind]) % {"value": problem.value}
    return _("Line %(line)d: %(message)s", line=problem.line, message=message)


def tts_note(segment: Segment) -> str:
    """Say which engines failed before the one that spoke, e.g. gTTS without internet."""
    parts = []
    for item in filter(None, segment.tts_note.split(",")):
        engine, _sep, kind = item.partition(":")
        problem = ENGINE_PROBLEMS.get(kind, ENGINE_PROBLEMS["failed"])
        parts.append(_("%(engine)s %(problem)s", engine=engine, problem=problem))
    return _(
        "Read by the fallback engine %(engine)s because %(reasons)s.",
        engine=segment.tts_engine,
        reasons="; ".join(parts),
    )


def job_result(job: Job) -> dict[str, Any]:
    return json.loads(job.result or "{}")  # type: ignore[no-any-return]


def job_error(job: Job) -> str:
    """The failure of a job in words."""
    group, _sep, kind = job.error.partition("_")
    if group == "tts" and kind in TTS:
        return str(TTS[kind]) % {"n": MAX_TEXT}
    if group == "audio" and kind in AUDIO:
        return str(AUDIO[kind]) % {"minutes": current_app.config["AUDIO_MAX_MINUTES"]}
    if group == "audio" and kind in LIBRARY:
        return str(LIBRARY[kind])
    return _("Something went wrong on our side. Please try again later.")


def init_app(app: Flask) -> None:
    @app.context_processor
    def wording() -> dict[str, Any]:
        return {
            "get_locale": get_locale,
            "can": lambda permission: can(current_user, Permission(permission)),
            "role_labels": ROLE_LABELS,
            "tier_labels": TIER_LABELS,
            "kind_labels": KIND_LABELS,
            "level_labels": LEVEL_LABELS,
            "state_labels": STATE_LABELS,
            "source_labels": SOURCE_LABELS,
            "voice_labels": VOICE_LABELS,
            "language_labels": LANGUAGE_LABELS,
            "event_labels": EVENT_LABELS,
            "job_state_labels": JOB_STATE_LABELS,
            "tts_note": tts_note,
            "job_result": job_result,
            "job_error": job_error,
        }
