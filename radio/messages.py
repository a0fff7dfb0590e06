"""How domain values and error kinds are worded for people (the domain carries no text)."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from radio.people import Role
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


def describe_problem(problem: Problem) -> str:
    message = str(UNIT_IMPORT[problem.kind]) % {"value": problem.value}
    return _("Line %(line)d: %(message)s", line=problem.line, message=message)
