"""The one authorisation policy: what each role may do, and where in the unit tree.

Every page and API route asks `require(...)`; lists are narrowed with the `*_in_scope`
queries, so a person never sees or changes anything outside their place.
"""

import enum
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user
from sqlalchemy import Select, select

from radio.db import get_session
from radio.people import Role, User
from scheduler.units import Station, Unit


class Permission(enum.StrEnum):
    VIEW_UNITS = "view_units"
    MANAGE_UNITS = "manage_units"
    VIEW_STATIONS = "view_stations"
    MANAGE_STATIONS = "manage_stations"
    MANAGE_USERS = "manage_users"
    MANAGE_DEVICE_TOKENS = "manage_device_tokens"


_READER = {Permission.VIEW_UNITS, Permission.VIEW_STATIONS}
GRANTS: dict[Role, set[Permission]] = {
    Role.ADMIN: set(Permission),
    Role.PLANNER: _READER,
    Role.EDITOR: _READER,
    Role.APPROVER: _READER,
    Role.AUDITOR: _READER,
    Role.OPERATOR: {Permission.VIEW_STATIONS},
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
