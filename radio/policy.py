"""The one authorisation policy: what each role may do, and where in the unit tree.

Every page and API route asks `require(...)`; lists are narrowed with the `*_in_scope`
queries, so a person never sees or changes anything outside their place.
"""

import enum
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user
from sqlalchemy import ColumnElement, Select, false, or_, select, true

from audio_library.jobs import Job
from audio_library.segments import Segment
from radio.db import get_session
from radio.people import Role, User
from scheduler.announcements import Announcement
from scheduler.units import Station, Unit


class Permission(enum.StrEnum):
    VIEW_UNITS = "view_units"
    MANAGE_UNITS = "manage_units"
    VIEW_STATIONS = "view_stations"
    MANAGE_STATIONS = "manage_stations"
    MANAGE_USERS = "manage_users"
    MANAGE_DEVICE_TOKENS = "manage_device_tokens"
    VIEW_LIBRARY = "view_library"
    EDIT_SEGMENTS = "edit_segments"
    APPROVE_SEGMENTS = "approve_segments"
    MANAGE_LEXICON = "manage_lexicon"
    MANAGE_TOPICS = "manage_topics"
    VIEW_SCHEDULE = "view_schedule"  # templates, campaigns, playlists and their reports
    MANAGE_SCHEDULE = "manage_schedule"  # templates, limits, campaigns, one-offs
    SEND_EMERGENCY = "send_emergency"
    CONFIRM_AIRING = "confirm_airing"  # say what a station aired
    VIEW_AUDIT = "view_audit"  # compliance, the as-run log, the trail of changes


_READER = {
    Permission.VIEW_UNITS,
    Permission.VIEW_STATIONS,
    Permission.VIEW_LIBRARY,
    Permission.VIEW_SCHEDULE,
}
GRANTS: dict[Role, set[Permission]] = {
    Role.ADMIN: set(Permission),
    Role.PLANNER: _READER
    | {Permission.MANAGE_TOPICS, Permission.MANAGE_SCHEDULE, Permission.SEND_EMERGENCY},
    Role.EDITOR: _READER | {Permission.EDIT_SEGMENTS, Permission.MANAGE_LEXICON},
    Role.APPROVER: _READER | {Permission.APPROVE_SEGMENTS},
    Role.AUDITOR: _READER | {Permission.VIEW_AUDIT},
    Role.OPERATOR: {Permission.VIEW_STATIONS, Permission.VIEW_SCHEDULE, Permission.CONFIRM_AIRING},
}

Target = Unit | Station | User
T = TypeVar("T", bound=tuple[Any, ...])


def in_scope(user: User, target: Target) -> bool:
    """Whether target lies in the user's place: their unit's subtree, or an operator's station."""
    if user.role == Role.OPERATOR:
        return isinstance(target, Station) and target.id == user.station_id
    if user.unit is None:
        return True
    unit = target if isinstance(target, Unit) else target.unit
    return unit is not None and user.unit.contains(unit)


def segment_visible(user: User, segment: Segment) -> bool:
    """Segments of one's own subtree, and those made above one's unit for it, can be read."""
    if user.role == Role.OPERATOR or user.unit is None:
        return user.role != Role.OPERATOR
    unit = get_session().get(Unit, segment.unit_id) if segment.unit_id else None
    return unit is None or user.unit.contains(unit) or unit.contains(user.unit)


def segment_or_403(segment_id: int, permission: Permission = Permission.VIEW_LIBRARY) -> Segment:
    """The segment if the current user may read it and, for changes, it lies in their subtree."""
    segment = get_session().get(Segment, segment_id)
    if segment is None:
        abort(404 if sees_whole_tree(current_user) else 403)
    if not segment_visible(current_user, segment):
        abort(403)
    unit = get_session().get(Unit, segment.unit_id) if segment.unit_id else None
    require(permission, unit if permission != Permission.VIEW_LIBRARY else None)
    return segment


def segments_visible(user: User) -> Select[tuple[Segment]]:
    """Segments the user may read (see segment_visible), as a query."""
    query = select(Segment)
    if user.unit is None:
        return query
    above = list(user.unit.ids_from_root)
    below = select(Unit.id).where(Unit.path.startswith(user.unit.path, autoescape=True))
    return query.where(
        or_(Segment.unit_id.is_(None), Segment.unit_id.in_(above), Segment.unit_id.in_(below))
    )


def announcements_visible(user: User) -> ColumnElement[bool]:
    """Announcements that reach the user's place: targets in, above or at it."""
    if user.role == Role.OPERATOR:
        if user.station is None:
            return false()
        above = list(user.station.unit.ids_from_root)
        return or_(
            Announcement.stations.any(Station.id == user.station_id),
            Announcement.units.any(Unit.id.in_(above)),
        )
    if user.unit is None:
        return true()
    above = list(user.unit.ids_from_root)
    below = Unit.path.startswith(user.unit.path, autoescape=True)
    return or_(
        Announcement.units.any(or_(Unit.id.in_(above), below)),
        Announcement.stations.any(Station.unit.has(below)),
    )


def job_or_403(job_id: str) -> Job:
    """A background job, to the person who started it (or an admin)."""
    job = get_session().get(Job, job_id)
    if job is None:
        abort(404)
    if job.created_by != current_user.id and current_user.role != Role.ADMIN:
        abort(403)
    return job


def can(user: User, permission: Permission, target: Target | None = None) -> bool:
    if not user.is_authenticated or permission not in GRANTS[Role(user.role)]:
        return False
    return target is None or in_scope(user, target)


def require(permission: Permission, target: Target | None = None) -> None:
    """Stop the request with 403 unless the current user may do this."""
    if not can(current_user, permission, target):
        abort(403)


def sees_whole_tree(user: User) -> bool:
    """Only someone scoped at a root may learn that a code does not exist (404 vs 403)."""
    return user.role != Role.OPERATOR and (user.unit is None or user.unit.parent_id is None)


def station_or_403(code: str, permission: Permission = Permission.VIEW_STATIONS) -> Station:
    """The station with this code if the current user may act on it."""
    station = get_session().scalar(select(Station).where(Station.code == code))
    if station is None:
        abort(404 if sees_whole_tree(current_user) else 403)
    require(permission, station)
    return station


def unit_or_403(unit_id: int, permission: Permission = Permission.VIEW_UNITS) -> Unit:
    unit = get_session().get(Unit, unit_id)
    if unit is None:
        abort(404 if sees_whole_tree(current_user) else 403)
    require(permission, unit)
    return unit


def _under(user: User, query: Select[T]) -> Select[T]:
    """Narrow a query already joined to Unit to the user's subtree."""
    if user.unit is None:
        return query
    return query.where(Unit.path.startswith(user.unit.path, autoescape=True))


def stations_in_scope(user: User) -> Select[tuple[Station]]:
    query = select(Station).join(Station.unit)
    if user.role == Role.OPERATOR:
        return query.where(Station.id == user.station_id)
    return _under(user, query)


def units_in_scope(user: User) -> Select[tuple[Unit]]:
    return _under(user, select(Unit))


def users_in_scope(user: User) -> Select[tuple[User]]:
    if user.unit is None:
        return select(User)
    return _under(user, select(User).join(User.unit))
