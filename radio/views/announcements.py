"""One-off announcements and emergency bulletins: list, forms, confirmation, cancel."""

from datetime import date, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from audio_library.db import utcnow
from audio_library.segments import Level, Segment
from radio.announcement_forms import (
    CARRIED,
    EMERGENCY_FIELDS,
    ONE_OFF_FIELDS,
    EmergencyForm,
    OneOffForm,
    local_zone,
)
from radio.audit_trail import log_broadcast
from radio.db import get_session
from radio.policy import (
    Permission,
    announcements_visible,
    can,
    require,
    sees_whole_tree,
    segment_visible,
    unit_or_403,
)
from radio.schedule import cancel_emergency, local_today, reach, rebuild_later, send_emergency
from radio.schedule_forms import show_error
from radio.schedule_messages import describe_error
from scheduler.announcements import Announcement, active_emergencies, issue_emergency, save_one_off
from scheduler.errors import ScheduleError
from scheduler.units import Station, Unit, path_names

bp = Blueprint("announcements", __name__, url_prefix="/announcements")

PAGE_SIZE = 50


def may_send(announcement: Announcement, permission: Permission) -> bool:
    """Changing a broadcast needs every one of its targets in the person's scope."""
    targets: list[Unit | Station] = [*announcement.units, *announcement.stations]
    return can(current_user, permission) and all(can(current_user, permission, t) for t in targets)


def _announcement_or_403(announcement_id: int, permission: Permission) -> Announcement:
    announcement = get_session().get(Announcement, announcement_id)
    if announcement is None:
        abort(404 if sees_whole_tree(current_user) else 403)
    if not may_send(announcement, permission):
        abort(403)
    return announcement


def _posted_targets_or_403(permission: Permission) -> None:
    """Every unit, station, segment and bulletin the posted form names must be the user's."""
    session = get_session()
    for unit_id in request.form.getlist("unit_ids", type=int):
        unit_or_403(unit_id, permission)
    for station_id in request.form.getlist("station_ids", type=int):
        station = session.get(Station, station_id)
        if station is None:
            abort(404 if sees_whole_tree(current_user) else 403)
        require(permission, station)
    for old_id in request.form.getlist("supersedes", type=int):
        _announcement_or_403(old_id, permission)
    segment_id = request.form.get("segment_id", type=int)
    segment = session.get(Segment, segment_id) if segment_id else None
    if segment is not None and not segment_visible(current_user, segment):
        abort(403)


@bp.get("")
@login_required
def index() -> str:
    require(Permission.VIEW_SCHEDULE)
    session, now = get_session(), utcnow()
    visible = announcements_visible(current_user)
    on_air = active_emergencies(session, now)
    shown = set(
        session.scalars(
            select(Announcement.id).where(visible, Announcement.id.in_([a.id for a in on_air]))
        )
    )
    page = max(1, request.args.get("page", 1, type=int))
    query = (
        select(Announcement)
        .where(visible)
        .order_by(Announcement.created_at.desc(), Announcement.id.desc())
    )
    rows = session.scalars(query.limit(PAGE_SIZE + 1).offset((page - 1) * PAGE_SIZE)).all()
    return render_template(
        "announcements/index.html",
        on_air=[a for a in on_air if a.id in shown],
        announcements=rows[:PAGE_SIZE],
        page=page,
        has_more=len(rows) > PAGE_SIZE,
        now=now,
        today=local_today().isoformat(),
        as_date=date.fromisoformat,
        may_cancel=lambda a: may_send(a, Permission.SEND_EMERGENCY),
        can_one_off=can(current_user, Permission.MANAGE_SCHEDULE),
        can_emergency=can(current_user, Permission.SEND_EMERGENCY),
    )


@bp.route("/one-off", methods=["GET", "POST"])
@login_required
def one_off() -> Response | str | tuple[str, int]:
    require(Permission.MANAGE_SCHEDULE)
    if request.method == "POST":
        _posted_targets_or_403(Permission.MANAGE_SCHEDULE)
    form = OneOffForm()
    form.fill_choices(local_today(), emergency=False)
    form.fill_sessions(current_user)
    if request.method == "GET":
        form.first_day.data = local_today()
    if not form.validate_on_submit():
        status = 422 if request.method == "POST" else 200
        return render_template("announcements/one_off.html", form=form), status
    days = form.days(local_today())
    if days is None:
        return render_template("announcements/one_off.html", form=form), 422
    segment, units, stations = form.targets()
    announcement = Announcement(
        segment=segment,
        level=Level(form.level.data),
        days=[d.isoformat() for d in days],
        session_labels=form.session_labels.data or [],
        units=units,
        stations=stations,
        note=form.note.data or "",
        created_by=current_user.id,
    )
    session = get_session()
    try:
        save_one_off(session, announcement, local_today())
    except ScheduleError as exc:
        session.rollback()
        show_error(form, exc, ONE_OFF_FIELDS)
        return render_template("announcements/one_off.html", form=form), 422
    rebuild_later(reach(announcement))
    log_broadcast("one_off.created", announcement)
    session.commit()
    flash(_("The one-off announcement has been planned; playlists are being rebuilt."), "success")
    return redirect(url_for("announcements.index"))


def _fill_supersedes(form: EmergencyForm) -> None:
    on_air = active_emergencies(get_session(), utcnow())
    form.offer_to_supersede([a for a in on_air if may_send(a, Permission.SEND_EMERGENCY)])


@bp.route("/emergency", methods=["GET", "POST"])
@login_required
def emergency() -> Response | str | tuple[str, int]:
    """Two steps: the first POST shows every station reached; `confirm=1` sends it."""
    require(Permission.SEND_EMERGENCY)
    if request.method == "POST":
        _posted_targets_or_403(Permission.SEND_EMERGENCY)
    form = EmergencyForm()
    form.fill_choices(local_today(), emergency=True)
    _fill_supersedes(form)
    if request.method == "GET":
        form.expires_at.data = (utcnow() + timedelta(hours=2)).astimezone(local_zone())
    if request.form.get("edit") or not form.validate_on_submit():
        status = 422 if request.method == "POST" and not request.form.get("edit") else 200
        return render_template("announcements/emergency.html", form=form), status
    announcement, supersedes = form.bulletin(current_user.id)
    session = get_session()
    confirmed = request.form.get("confirm") == "1"
    try:
        if confirmed:
            result = send_emergency(announcement, supersedes)
        else:
            # A dry run: the domain checks everything, and the rollback below stores nothing.
            issue_emergency(session, announcement, utcnow(), supersedes)
    except ScheduleError as exc:
        session.rollback()
        show_error(form, exc, EMERGENCY_FIELDS)
        return render_template("announcements/emergency.html", form=form), 422
    if not confirmed:
        page = _confirmation(form, announcement, supersedes)
        session.rollback()
        return page
    log_broadcast("emergency.sent", announcement)
    for old in supersedes:
        log_broadcast("emergency.superseded", old)
    session.commit()
    flash(
        _(
            "The emergency bulletin is on air: new playlists for %(stations)s stations "
            "(%(playlists)s playlist versions).",
            stations=result.stations_changed,
            playlists=result.playlists,
        ),
        "success",
    )
    return redirect(url_for("announcements.index"))


def _confirmation(
    form: EmergencyForm, announcement: Announcement, supersedes: list[Announcement]
) -> str:
    reached = reach(announcement)
    paths = path_names(get_session(), [s.unit for s in reached])
    return render_template(
        "announcements/confirm.html",
        form=form,
        announcement=announcement,
        supersedes=supersedes,
        stations=reached,
        paths=paths,
        carried=[(name, value) for name in CARRIED for value in request.form.getlist(name)],
    )


@bp.post("/<int:announcement_id>/cancel")
@login_required
def cancel(announcement_id: int) -> Response:
    require(Permission.SEND_EMERGENCY)
    announcement = _announcement_or_403(announcement_id, Permission.SEND_EMERGENCY)
    session = get_session()
    try:
        result = cancel_emergency(announcement)
    except ScheduleError as exc:
        session.rollback()
        flash(describe_error(exc), "error")
        return redirect(url_for("announcements.index"))
    log_broadcast("emergency.ended", announcement)
    session.commit()
    flash(
        _(
            "The emergency bulletin has been cancelled: new playlists for %(stations)s stations.",
            stations=result.stations_changed,
        ),
        "success",
    )
    return redirect(url_for("announcements.index"))
