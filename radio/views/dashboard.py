"""The start page, fitted to the person's role."""

from typing import Any

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import Select, func, select
from werkzeug.wrappers import Response

from radio.db import get_session
from radio.people import Role
from radio.policy import stations_in_scope, units_in_scope, users_in_scope
from radio.tokens import AccessToken
from radio.views.digests import latest_digest
from scheduler.jobs import SchedulerBeat
from scheduler.units import Station, path_names

bp = Blueprint("dashboard", __name__)
DASHBOARD_STATIONS = 10


@bp.get("/")
@login_required
def index() -> Response | str:
    if current_user.role == Role.OPERATOR and current_user.station is not None:
        return redirect(url_for("stations.show", code=current_user.station.code))
    session = get_session()
    in_scope = stations_in_scope(current_user)
    counts = {
        "units": _count(units_in_scope(current_user)),
        "stations": _count(in_scope),
        "active_stations": _count(in_scope.where(Station.active.is_(True))),
    }
    beats: list[SchedulerBeat] = []
    if current_user.role == Role.ADMIN:
        counts["users"] = _count(users_in_scope(current_user))
        counts["tokens"] = _count(
            select(AccessToken).where(
                AccessToken.station_id.in_(in_scope.with_only_columns(Station.id)),
                AccessToken.revoked_at.is_(None),
            )
        )
        beats = list(session.scalars(select(SchedulerBeat)))
    stations = list(session.scalars(in_scope.order_by(Station.code).limit(DASHBOARD_STATIONS)))
    return render_template(
        "dashboard/index.html",
        counts=counts,
        stations=stations,
        paths=path_names(session, [s.unit for s in stations]),
        beats=beats,
        latest=latest_digest(current_user),
    )


def _count(query: Select[Any]) -> int:
    return get_session().scalar(select(func.count()).select_from(query.subquery())) or 0
