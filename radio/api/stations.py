"""Stations and the caller's identity."""

from typing import Any

from flask import g
from flask_login import current_user
from sqlalchemy import or_

from radio.api.auth import api_station, blueprint, person
from radio.api.schemas import MeSchema, StationQuerySchema, StationSchema
from radio.db import get_session
from radio.policy import stations_in_scope
from scheduler.units import Station, Unit, path_names

bp = blueprint("api_stations", __name__, "Stations and who is calling")


def _with_paths(stations: list[Station]) -> list[dict[str, Any]]:
    paths = path_names(get_session(), [s.unit for s in stations])
    return [{**StationSchema().dump(s), "unit_path": paths[s.unit_id]} for s in stations]


@bp.get("/me")
@bp.response(200, MeSchema)
def me() -> dict[str, Any]:
    """Who the credentials belong to: a person (role, unit) or a station device."""
    if g.get("device") is not None:
        station = g.device.station
        return {"kind": "station", "station_code": station.code, "unit_code": station.unit.code}
    return {
        "kind": "person",
        "username": current_user.username,
        "role": current_user.role,
        "unit_code": current_user.unit.code if current_user.unit else None,
        "station_code": current_user.station.code if current_user.station else None,
    }


@bp.get("/stations")
@bp.arguments(StationQuerySchema, location="query")
@bp.response(200, StationSchema(many=True))
def list_stations(args: dict[str, Any]) -> list[dict[str, Any]]:
    """The stations the caller may see, by code."""
    query = stations_in_scope(person()).order_by(Station.code)
    if args["q"]:
        needle = args["q"]
        query = query.where(
            or_(
                Station.code.contains(needle, autoescape=True),
                Station.name.contains(needle, autoescape=True),
                Unit.name.contains(needle, autoescape=True),
            )
        )
    stations = get_session().scalars(query.limit(args["limit"]).offset(args["offset"])).all()
    return _with_paths(list(stations))


@bp.get("/stations/<code>")
@bp.response(200, StationSchema)
def get_station(code: str) -> dict[str, Any]:
    """One station; a device token reaches only its own."""
    return _with_paths([api_station(code)])[0]
