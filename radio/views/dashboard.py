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
from scheduler.jobs import SchedulerBeat
from scheduler.units import Station, path_names

bp = Blueprint("dashboard", __name__)


@bp.get("/")
@login_required
def index() -> Response | str:
    if current_user.role == Role.OPERATOR and current_user.station is not None:
        return redirect(url_for("stations.show", code=current_user.station.code))
    session = get_session()
    stations = session.scalars(stations_in_scope(current_user).order_by(Station.code)).all()
    counts = {
        "units": _count(units_in_scope(current_user)),
        "stations": len(stations),
        "active_stations": sum(1 for s in stations if s.active),
    }
    beats = []
    if current_user.role == Role.ADMIN:
        counts["users"] = _count(users_in_scope(current_user))
        counts["tokens"] = _count(
            select(AccessToken).where(
                AccessToken.station_id.in_(
                    stations_in_scope(current_user).with_only_columns(Station.id)
                ),
                AccessToken.revoked_at.is_(None),
            )
        )
        beats = session.scalars(select(SchedulerBeat)).all()
    paths = path_names(session, [s.unit for s in stations[:50]])
    return render_template(
        "dashboard/index.html", counts=counts, stations=stations[:50], paths=paths, beats=beats
    )


def _count(query: Select[Any]) -> int:
    return get_session().scalar(select(func.count()).select_from(query.subquery())) or 0
