"""How scheduling values, errors and build reports are worded for people."""

from typing import Any

from flask import Flask
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from scheduler.campaigns import QuotaKind
from scheduler.errors import ScheduleError
from scheduler.plan_parts import EMERGENCY_LABEL
from scheduler.playlists import Reason, SessionKind
from scheduler.templates import ItemKind

WEEKDAY_LABELS = {
    "1": _l("Mon"),
    "2": _l("Tue"),
    "3": _l("Wed"),
    "4": _l("Thu"),
    "5": _l("Fri"),
    "6": _l("Sat"),
    "7": _l("Sun"),
}
REASON_LABELS = {
    Reason.FIXED: _l("Fixed item of the session"),
    Reason.RELAY: _l("Relay (tiếp âm)"),
    Reason.EMERGENCY: _l("Emergency bulletin"),
    Reason.ONE_OFF: _l("One-off announcement"),
    Reason.QUOTA: _l("Campaign quota"),
    Reason.FILL: _l("Fill rule by topic"),
}
SESSION_KIND_LABELS = {
    SessionKind.REGULAR: _l("Regular session"),
    SessionKind.EMERGENCY: _l("Emergency broadcast"),
}
ITEM_KIND_LABELS = {
    ItemKind.OPEN: _l("Opening item"),
    ItemKind.CLOSE: _l("Closing item"),
    ItemKind.RELAY: _l("Relay (tiếp âm)"),
    ItemKind.FILL: _l("Fill from topic"),
}
QUOTA_KIND_LABELS = {
    QuotaKind.SEGMENT_PLAYS: _l("Each segment at least N times a week at every station"),
    QuotaKind.TOPIC_MINUTES: _l("At least N minutes a week of a topic at every station"),
}

ERRORS = {
    "overlap": _l("At station %(station)s, “%(first)s” and “%(second)s” would overlap."),
    "session_too_long": _l("At station %(station)s a session may last at most %(limit)s minutes."),
    "quiet_hours": _l(
        "At station %(station)s the session falls in the quiet hours "
        "(%(quiet_from)s–%(quiet_until)s); only emergencies may air then."
    ),
    "no_owner": _l("Set the template on a unit or on a station."),
    "opt_out_needs_template": _l("Choose the inherited session to opt out of."),
    "no_label": _l("Give the session a name, e.g. Buổi sáng."),
    "no_weekdays": _l("Choose at least one weekday."),
    "bad_length": _l("A session lasts from 1 to %(limit)s minutes."),
    "bad_period": _l("The end date is before the start date."),
    "bad_gap": _l("The pause between items is 0 to 30 seconds."),
    "unknown_segment": _l("That segment does not exist."),
    "bad_relay_url": _l("The relay address must start with http://, https://, rtsp:// or rtmp://."),
    "bad_relay_length": _l("Give the relay a length in minutes."),
    "no_relay_title": _l("Give the relay a name."),
    "unknown_topic": _l("That topic does not exist."),
    "bad_item_kind": _l("Unknown kind of session item."),
    "unknown_template": _l("That session template does not exist."),
    "bad_limit": _l("A limit is from 1 to 1440 minutes."),
    "bad_quiet_hours": _l("Give both the start and the end of the quiet hours, or neither."),
    "unknown_unit": _l("That unit does not exist."),
    "bad_campaign_code": _l(
        "The code uses lower-case letters without accents, digits and hyphens (2–60)."
    ),
    "campaign_code_taken": _l("Another campaign already has this code."),
    "no_name": _l("Enter a name."),
    "target_outside": _l("A target unit lies outside the campaign's unit."),
    "bad_quota_times": _l("The number of plays a week is from 1 to 100."),
    "bad_quota_minutes": _l("The minutes a week are from 1 to 10080."),
    "quota_needs_topic": _l("Choose the topic the minutes count for."),
    "bad_quota_kind": _l("Unknown kind of quota."),
    "quota_infeasible": _l(
        "No schedule can meet this quota: station %(station)s needs %(needed)s but has "
        "%(available)s a week (%(stations)s stations fall short). Add sessions or lower the quota."
    ),
    "segment_not_approved": _l("Only an approved segment can be broadcast."),
    "no_target": _l("Choose at least one unit or station to reach."),
    "bad_level": _l("Unknown bulletin level."),
    "bad_date": _l("A date is not valid; use the form YYYY-MM-DD."),
    "no_days": _l("Choose at least one day."),
    "day_in_past": _l("A chosen day is in the past."),
    "day_too_far": _l("Days can be chosen up to %(limit)s days ahead."),
    "outside_validity": _l("The segment may not air on every chosen day (see its validity)."),
    "expiry_in_past": _l("The expiry must be in the future and after the start."),
    "expiry_too_far": _l("An emergency bulletin may run for at most %(limit)s hours."),
    "start_in_past": _l("The start is in the past."),
    "repeat_too_often": _l("Repeat at most every %(limit)s minutes."),
    "cannot_supersede": _l("Only an emergency still on air can be superseded."),
    "cannot_cancel": _l("This emergency is no longer on air."),
}

REPORT = {
    "overflow": _l("“%(title)s” does not fit in %(session)s."),
    "fixed_missing": _l("A fixed item of %(session)s is not approved or not valid that day."),
    "one_off_not_placed": _l("One-off “%(title)s” does not fit in %(session)s."),
    "one_off_no_session": _l("One-off “%(title)s” has no session that day."),
    "day_limit": _l("The daily limit left %(skipped)s items out."),
}


def minutes_seconds(seconds: float) -> str:
    """90.4 → "1:30"."""
    whole = round(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


def describe_error(error: ScheduleError) -> str:
    wording = ERRORS.get(error.kind)
    if wording is None:
        return _("Something went wrong on our side. Please try again later.")
    return str(wording) % {k: v if v is not None else "" for k, v in error.detail.items()}


def describe_report(entry: dict[str, Any]) -> str:
    if entry.get("kind") == "quota_shortfall":  # say how far it fell short
        if "seconds" in entry:
            return _(
                "A campaign quota is not met this week: %(minutes)s minutes of its topic "
                "are missing.",
                minutes=format_decimal(round(float(entry["seconds"]) / 60, 1)),
            )
        return _(
            "A campaign quota is not met this week: %(count)s segments are short of their plays.",
            count=len(entry.get("segments") or {}),
        )
    wording = REPORT.get(str(entry.get("kind")))
    if wording is None:
        return str(entry.get("kind"))
    return str(wording) % {k: "" if v is None else v for k, v in entry.items()}


def session_label(label: str) -> str:
    """The emergency session's label is translated; template labels are the planner's words."""
    return _("Emergency broadcast") if label == EMERGENCY_LABEL else label


def init_app(app: Flask) -> None:
    @app.context_processor
    def wording() -> dict[str, Any]:
        return {
            "weekday_labels": WEEKDAY_LABELS,
            "reason_labels": REASON_LABELS,
            "session_kind_labels": SESSION_KIND_LABELS,
            "item_kind_labels": ITEM_KIND_LABELS,
            "quota_kind_labels": QUOTA_KIND_LABELS,
            "describe_report": describe_report,
            "session_label": session_label,
        }
