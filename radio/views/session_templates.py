"""Session templates and unit limits (lịch phát): the week of a unit or station, and its forms."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from audio_library.segments import Segment, Topic
from radio import schedule
from radio.audit_trail import log_change
from radio.db import get_session
from radio.policy import Permission, can, require, station_or_403, unit_or_403
from radio.schedule_forms import show_error
from radio.schedule_messages import describe_error
from radio.template_forms import ERROR_FIELDS, RULES_ERROR_FIELDS, RulesForm, TemplateForm, initial
from scheduler.errors import ScheduleError
from scheduler.playlist_views import Owner, copy_template, place_week
from scheduler.rules import UnitRules
from scheduler.templates import SessionTemplate, delete_template, save_rules, save_template
from scheduler.units import Station, Unit, path_names

bp = Blueprint("session_templates", __name__, url_prefix="/templates")


def place_url(owner: Owner) -> str:
    if isinstance(owner, Station):
        return url_for("session_templates.station_week", code=owner.code)
    return url_for("session_templates.unit_week", unit_id=owner.id)


def owner_of(template: SessionTemplate) -> Owner:
    session = get_session()
    owner = (
        session.get(Station, template.station_id)
        if template.station_id is not None
        else session.get(Unit, template.unit_id)
    )
    if owner is None:
        abort(404)
    return owner


def template_unit(template: SessionTemplate) -> int:
    """The unit a template belongs to, for the trail: its unit, or its station's."""
    if template.unit_id is not None:
        return template.unit_id
    return get_session().get(Station, template.station_id).unit_id  # type: ignore[union-attr]


def template_or_403(template_id: int) -> tuple[SessionTemplate, Owner]:
    """A template its owner's planner may change."""
    template = get_session().get(SessionTemplate, template_id)
    if template is None:
        abort(404)
    owner = owner_of(template)
    require(Permission.MANAGE_SCHEDULE, owner)
    return template, owner


@bp.get("/units/<int:unit_id>")
@login_required
def unit_week(unit_id: int) -> str:
    return show_week(unit_or_403(unit_id, Permission.VIEW_SCHEDULE))


@bp.get("/stations/<code>")
@login_required
def station_week(code: str) -> str:
    return show_week(station_or_403(code, Permission.VIEW_SCHEDULE))


def show_week(owner: Owner) -> str:
    session = get_session()
    week = place_week(session, owner)
    items = [i for t in week.templates.values() for i in t.items]
    segment_ids = {i.segment_id for i in items if i.segment_id is not None}
    unit = owner.unit if isinstance(owner, Station) else owner
    return render_template(
        "schedule/place.html",
        owner=owner,
        is_station=isinstance(owner, Station),
        path=path_names(session, [unit])[unit.id],
        week=week,
        segments=dict(
            session.execute(
                select(Segment.id, Segment.title).where(Segment.id.in_(segment_ids))
            ).all()
        ),
        topics=dict(session.execute(select(Topic.id, Topic.name)).all()),
        can_manage=can(current_user, Permission.MANAGE_SCHEDULE, owner),
    )


@bp.route("/units/<int:unit_id>/new", methods=["GET", "POST"])
@login_required
def new_at_unit(unit_id: int) -> Response | str | tuple[str, int]:
    unit = unit_or_403(unit_id, Permission.MANAGE_SCHEDULE)
    return edit_form(SessionTemplate(unit_id=unit.id), unit)


@bp.route("/stations/<code>/new", methods=["GET", "POST"])
@login_required
def new_at_station(code: str) -> Response | str | tuple[str, int]:
    station = station_or_403(code, Permission.MANAGE_SCHEDULE)
    return edit_form(SessionTemplate(station_id=station.id), station)


@bp.route("/<int:template_id>/edit", methods=["GET", "POST"])
@login_required
def edit(template_id: int) -> Response | str | tuple[str, int]:
    template, owner = template_or_403(template_id)
    if template.opt_out:
        abort(400, _("An opt-out has nothing to edit; delete it to air the session here again."))
    return edit_form(template, owner)


def edit_form(template: SessionTemplate, owner: Owner) -> Response | str | tuple[str, int]:
    session = get_session()
    defaults = {"weekdays": list("1234567"), "gap_seconds": 2}
    form = TemplateForm(data=initial(template) if template.id else defaults)
    form.fill_choices(template)
    page = {"form": form, "template": template, "owner": owner, "back": place_url(owner)}
    if not form.validate_on_submit():
        status = 422 if request.method == "POST" else 200
        return render_template("schedule/template_form.html", **page), status
    wanted = form.items()
    action = "template.updated" if template.id else "template.created"
    with session.no_autoflush:
        for name in ("label", "starts_at", "max_minutes", "valid_from", "valid_until"):
            setattr(template, name, form[name].data)
        template.weekdays = "".join(form.weekdays.data or [])
        template.gap_seconds = form.gap_seconds.data
        for position, item in enumerate(wanted):
            item.position = position
        template.items = wanted
    try:
        stations = save_template(session, template)
    except ScheduleError as exc:
        session.rollback()
        show_error(form, exc, ERROR_FIELDS)
        return render_template("schedule/template_form.html", **page), 422
    schedule.rebuild_later(stations)
    log_change(action, template.id, template.label, unit_id=template_unit(template))
    session.commit()
    flash(_("The session “%(label)s” has been saved.", label=template.label), "success")
    return redirect(place_url(owner))


@bp.post("/<int:template_id>/delete")
@login_required
def delete(template_id: int) -> Response:
    template, owner = template_or_403(template_id)
    session = get_session()
    label = template.label
    log_change("template.deleted", template.id, label, unit_id=template_unit(template))
    stations = delete_template(session, template)
    schedule.rebuild_later(stations)
    session.commit()
    flash(_("The session “%(label)s” has been deleted.", label=label), "success")
    return redirect(place_url(owner))


def target_or_403() -> Owner:
    """The unit or station named in the form, if the user may plan there."""
    if code := request.form.get("station"):
        return station_or_403(code, Permission.MANAGE_SCHEDULE)
    unit_id = request.form.get("unit", type=int)
    if unit_id is None:
        abort(400, _("Choose the unit or station where this applies."))
    return unit_or_403(unit_id, Permission.MANAGE_SCHEDULE)


def inherited_or_400(template_id: int, target: Owner) -> SessionTemplate:
    week = place_week(get_session(), target)
    template = week.templates.get(template_id)
    if template is None or template not in week.inherited():
        abort(400, _("This session is not inherited here."))
    return template


@bp.post("/<int:template_id>/override")
@login_required
def override(template_id: int) -> Response:
    target = target_or_403()
    source = inherited_or_400(template_id, target)
    return store_copy(copy_template(source, target), target, edit_after=True)


@bp.post("/<int:template_id>/opt-out")
@login_required
def opt_out(template_id: int) -> Response:
    target = target_or_403()
    source = inherited_or_400(template_id, target)
    return store_copy(copy_template(source, target, opt_out=True), target, edit_after=False)


def store_copy(copy: SessionTemplate, target: Owner, *, edit_after: bool) -> Response:
    session = get_session()
    try:
        stations = save_template(session, copy)
    except ScheduleError as exc:
        session.rollback()
        flash(describe_error(exc), "error")
        return redirect(place_url(target))
    schedule.rebuild_later(stations)
    details = {"replaces": copy.replaces_id, "opt_out": copy.opt_out}
    log_change(
        "template.created", copy.id, copy.label, unit_id=template_unit(copy), details=details
    )
    session.commit()
    if edit_after:
        flash(
            _("“%(label)s” now has its own copy here; change it as needed.", label=copy.label),
            "info",
        )
        return redirect(url_for("session_templates.edit", template_id=copy.id))
    flash(_("“%(label)s” will no longer air here.", label=copy.label), "success")
    return redirect(place_url(target))


@bp.route("/units/<int:unit_id>/rules", methods=["GET", "POST"])
@login_required
def rules(unit_id: int) -> Response | str | tuple[str, int]:
    unit = unit_or_403(unit_id, Permission.MANAGE_SCHEDULE)
    session = get_session()
    stored = session.get(UnitRules, unit.id)
    form = RulesForm(obj=stored)
    inherited = place_week(session, unit.parent).limits if unit.parent else None
    page = {"form": form, "unit": unit, "inherited": inherited, "back": place_url(unit)}
    if not form.validate_on_submit():
        status = 422 if request.method == "POST" else 200
        return render_template("schedule/rules.html", **page), status
    wanted = UnitRules(unit_id=unit.id)
    form.populate_obj(wanted)
    try:
        stations = save_rules(session, wanted)
    except ScheduleError as exc:
        session.rollback()
        show_error(form, exc, RULES_ERROR_FIELDS)
        return render_template("schedule/rules.html", **page), 422
    schedule.rebuild_later(stations)
    log_change("rules.changed", unit.id, unit.name, unit_id=unit.id)
    session.commit()
    flash(_("The limits of %(unit)s have been saved.", unit=unit.name), "success")
    return redirect(place_url(unit))
