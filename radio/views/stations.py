"""Stations: list, page, create and edit, and their device tokens."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import or_, select
from werkzeug.wrappers import Response
from wtforms import BooleanField, IntegerField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange

from radio.audit_trail import log_change
from radio.db import get_session
from radio.forms import Form
from radio.messages import KIND_LABELS, STATION
from radio.policy import Permission, can, require, station_or_403, stations_in_scope, units_in_scope
from radio.tokens import AccessToken
from radio.views.token_pages import TokenForm, issue_and_show, revoke_and_return
from scheduler.stations import MAX_CLUSTERS, StationError, save_station
from scheduler.units import Station, Tier, Unit, path_names

bp = Blueprint("stations", __name__, url_prefix="/stations")

PAGE_SIZE = 100


class StationForm(Form):
    code = StringField(_l("Station code"), validators=[DataRequired(), Length(max=40)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    unit_id = SelectField(_l("Unit"), coerce=int)
    timezone = StringField(_l("Time zone"), validators=[DataRequired()])
    kind = SelectField(
        _l("Kind"), choices=[SelectChoice(k.value, label) for k, label in KIND_LABELS.items()]
    )
    clusters = IntegerField(
        _l("Loudspeaker clusters"), default=1, validators=[NumberRange(1, MAX_CLUSTERS)]
    )
    contact = StringField(_l("Contact (person, phone)"), validators=[Length(max=300)])
    active = BooleanField(_l("Active"), default=True)


@bp.get("")
@login_required
def index() -> str:
    require(Permission.VIEW_STATIONS)
    session = get_session()
    query = stations_in_scope(current_user).order_by(Station.code)
    search = request.args.get("q", "").strip()
    if search:
        query = query.where(
            or_(
                Station.code.contains(search, autoescape=True),
                Station.name.contains(search, autoescape=True),
                Unit.name.contains(search, autoescape=True),
            )
        )
    page = max(1, request.args.get("page", 1, type=int))
    stations = session.scalars(query.limit(PAGE_SIZE + 1).offset((page - 1) * PAGE_SIZE)).all()
    has_more = len(stations) > PAGE_SIZE
    stations = stations[:PAGE_SIZE]
    return render_template(
        "stations/index.html",
        stations=stations,
        paths=path_names(session, [s.unit for s in stations]),
        search=search,
        page=page,
        has_more=has_more,
        can_create=can(current_user, Permission.MANAGE_STATIONS),
    )


@bp.get("/<code>")
@login_required
def show(code: str) -> str:
    station = station_or_403(code)
    session = get_session()
    tokens = []
    if can(current_user, Permission.MANAGE_DEVICE_TOKENS, station):
        tokens = session.scalars(
            select(AccessToken)
            .where(AccessToken.station_id == station.id)
            .order_by(AccessToken.created_at.desc())
        ).all()
    return render_template(
        "stations/show.html",
        station=station,
        path=path_names(session, [station.unit])[station.unit.id],
        tokens=tokens,
        token_form=TokenForm(),
        can_edit=can(current_user, Permission.MANAGE_STATIONS, station),
        can_tokens=can(current_user, Permission.MANAGE_DEVICE_TOKENS, station),
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create() -> Response | str | tuple[str, int]:
    require(Permission.MANAGE_STATIONS)
    station = Station(timezone=current_app.config["TIMEZONE"], clusters=1, active=True)
    return _edit(station)


@bp.route("/<code>/edit", methods=["GET", "POST"])
@login_required
def edit(code: str) -> Response | str | tuple[str, int]:
    return _edit(station_or_403(code, Permission.MANAGE_STATIONS))


def _edit(station: Station) -> Response | str | tuple[str, int]:
    session = get_session()
    form = StationForm(obj=station)
    units = session.scalars(
        units_in_scope(current_user).where(Unit.tier == Tier.COMMUNE).order_by(Unit.path)
    ).all()
    paths = path_names(session, list(units))
    form.unit_id.choices = [SelectChoice(u.id, paths[u.id]) for u in units]
    if not form.validate_on_submit():
        status = 422 if request.method == "POST" else 200
        return render_template("stations/edit.html", form=form, station=station), status
    unit = session.get(Unit, form.unit_id.data)
    action = "station.updated" if station.id else "station.created"
    form.populate_obj(station)
    try:
        save_station(session, station, unit)
    except StationError as exc:
        session.rollback()
        form.form_errors.append(str(STATION[exc.kind]))
        return render_template("stations/edit.html", form=form, station=station), 422
    summary = f"{station.code} — {station.name}"
    log_change(action, station.id, summary, unit_id=station.unit_id)
    session.commit()
    flash(_("Station %(code)s has been saved.", code=station.code), "success")
    return redirect(url_for("stations.show", code=station.code))


@bp.post("/<code>/tokens")
@login_required
def issue_device_token(code: str) -> str:
    station = station_or_403(code, Permission.MANAGE_DEVICE_TOKENS)
    return issue_and_show(url_for("stations.show", code=station.code), station=station)


@bp.post("/<code>/tokens/<int:token_id>/revoke")
@login_required
def revoke_device_token(code: str, token_id: int) -> Response:
    station = station_or_403(code, Permission.MANAGE_DEVICE_TOKENS)
    message = _("The device token has been revoked; the device can no longer connect.")
    return revoke_and_return(
        token_id, station, url_for("stations.show", code=station.code), message
    )
