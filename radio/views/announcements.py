"""One-off announcements and emergency bulletins: list, forms, confirmation, cancel."""

from datetime import UTC, date, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import ColumnElement, case, false, func, or_, select, true
from werkzeug.wrappers import Response
from wtforms import (
    DateField,
    DateTimeLocalField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import DataRequired, Length, Optional

from audio_library.db import utcnow
from audio_library.segments import Level, Segment, State, Topic
from radio.db import get_session
from radio.forms import Form
from radio.messages import LEVEL_LABELS
from radio.people import Role, User
from radio.policy import (
    Permission,
    can,
    require,
    sees_whole_tree,
    segment_visible,
    segments_visible,
    stations_in_scope,
    unit_or_403,
    units_in_scope,
)
from radio.schedule import cancel_emergency, reach, rebuild_later, send_emergency
from radio.schedule_messages import describe_error
from radio.views.campaigns import attach_error, today, unit_choices
from scheduler.announcements import (
    MAX_ONE_OFF_DAYS,
    Announcement,
    active_emergencies,
    issue_emergency,
    save_one_off,
)
from scheduler.builder import BuildResult
from scheduler.errors import ScheduleError
from scheduler.templates import SessionTemplate
from scheduler.units import Station, Unit, path_names

bp = Blueprint("announcements", __name__, url_prefix="/announcements")

PAGE_SIZE = 50
DISASTER_TOPIC = "thien-tai"  # offered first for emergencies
COMMON_FIELDS = {"no_target": "unit_ids", "segment_not_approved": "segment_id"}
ONE_OFF_FIELDS = {
    **COMMON_FIELDS,
    "outside_validity": "segment_id",
    "bad_level": "level",
    "bad_date": "first_day",
    "no_days": "first_day",
    "day_in_past": "first_day",
    "day_too_far": "last_day",
}
EMERGENCY_FIELDS = {
    **COMMON_FIELDS,
    "expiry_in_past": "expires_at",
    "expiry_too_far": "expires_at",
    "repeat_too_often": "repeat_minutes",
    "cannot_supersede": "supersedes",
}
# What the confirmation page carries back, unchanged, to the final POST.
CARRIED = (
    "segment_id",
    "unit_ids",
    "station_ids",
    "expires_at",
    "repeat_minutes",
    "supersedes",
    "note",
)


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


class TargetForm(Form):
    # Segments, units, stations and bulletins are checked against the person's scope
    # (403) and by the domain, not against the lists shown.
    segment_id = SelectField(
        _l("Segment"),
        coerce=int,
        validate_choice=False,
        validators=[DataRequired(_l("Choose a segment."))],
    )
    unit_ids = SelectMultipleField(
        _l("Units (every station below them)"),
        coerce=int,
        validate_choice=False,
        validators=[Optional()],
    )
    station_ids = SelectMultipleField(
        _l("Single stations"), coerce=int, validate_choice=False, validators=[Optional()]
    )
    note = StringField(_l("Note (for planners)"), validators=[Length(max=300)])


class OneOffForm(TargetForm):
    level = SelectField(
        _l("Bulletin level"),
        choices=[SelectChoice(k.value, LEVEL_LABELS[k]) for k in (Level.NORMAL, Level.PRIORITY)],
    )
    first_day = DateField(_l("First day"), validators=[DataRequired()])
    last_day = DateField(_l("Last day (empty: the first day only)"), validators=[Optional()])
    session_labels = SelectMultipleField(
        _l("Sessions (none ticked: every session)"), validators=[Optional()]
    )


class EmergencyForm(TargetForm):
    expires_at = DateTimeLocalField(
        _l("Stops airing at"),
        format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"],
        tz=_zone,
        validators=[DataRequired()],
    )
    repeat_minutes = IntegerField(
        _l("Repeat every … minutes (empty: air once)"), validators=[Optional()]
    )
    supersedes = SelectMultipleField(
        _l("Replaces these bulletins on air"),
        coerce=int,
        validate_choice=False,
        validators=[Optional()],
    )


def _visible(user: User) -> ColumnElement[bool]:
    """Announcements that reach the user's place: targets in, above or at it."""
    if user.role == Role.OPERATOR:
        if user.station is None:
            return false()
        above = [int(p) for p in user.station.unit.path.strip("/").split("/") if p]
        return or_(
            Announcement.stations.any(Station.id == user.station_id),
            Announcement.units.any(Unit.id.in_(above)),
        )
    if user.unit is None:
        return true()
    above = [int(p) for p in user.unit.path.strip("/").split("/") if p]
    below = Unit.path.startswith(user.unit.path, autoescape=True)
    return or_(
        Announcement.units.any(or_(Unit.id.in_(above), below)),
        Announcement.stations.any(Station.unit.has(below)),
    )


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
    visible = _visible(current_user)
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
        today=today().isoformat(),
        as_date=date.fromisoformat,
        may_cancel=lambda a: may_send(a, Permission.SEND_EMERGENCY),
        can_one_off=can(current_user, Permission.MANAGE_SCHEDULE),
        can_emergency=can(current_user, Permission.SEND_EMERGENCY),
    )


def _fill_choices(form: TargetForm, emergency: bool) -> None:
    session = get_session()
    units = session.scalars(units_in_scope(current_user).order_by(Unit.path))
    form.unit_ids.choices = unit_choices(units)
    stations = session.scalars(
        stations_in_scope(current_user).where(Station.active.is_(True)).order_by(Station.code)
    )
    form.station_ids.choices = [SelectChoice(s.id, f"{s.code} · {s.name}") for s in stations]
    query = (
        segments_visible(current_user)
        .join(Segment.topic)
        .where(
            Segment.state == State.APPROVED,
            or_(Segment.air_until.is_(None), Segment.air_until >= today()),
        )
    )
    if emergency:
        query = query.order_by(
            case((Segment.level == Level.EMERGENCY, 0), else_=1),
            case((Topic.code == DISASTER_TOPIC, 0), else_=1),
        )
    segments = session.scalars(query.order_by(Segment.updated_at.desc(), Segment.id.desc())).all()
    form.segment_id.choices = [SelectChoice(0, _("— choose a segment —"))] + [
        SelectChoice(s.id, _segment_label(s)) for s in segments
    ]
    if emergency and request.method == "GET" and segments:
        form.segment_id.data = segments[0].id if segments[0].level == Level.EMERGENCY else 0


def _segment_label(segment: Segment) -> str:
    if segment.level == Level.NORMAL:
        return segment.title
    return f"{segment.title} · {LEVEL_LABELS[Level(segment.level)]}"


def _session_labels(user: User) -> list[str]:
    """Labels of the sessions that apply somewhere in the user's place, earliest first."""
    query = select(SessionTemplate.label).where(SessionTemplate.opt_out.is_(False))
    if user.unit is not None:
        above = [int(p) for p in user.unit.path.strip("/").split("/") if p]
        query = query.where(
            or_(
                SessionTemplate.unit_id.in_(above),
                SessionTemplate.unit_id.in_(units_in_scope(user).with_only_columns(Unit.id)),
                SessionTemplate.station_id.in_(
                    stations_in_scope(user).with_only_columns(Station.id)
                ),
            )
        )
    query = query.group_by(SessionTemplate.label).order_by(
        func.min(SessionTemplate.starts_at), SessionTemplate.label
    )
    return list(get_session().scalars(query))


def _targets(form: TargetForm) -> tuple[Segment | None, list[Unit], list[Station]]:
    session = get_session()
    units = [u for i in form.unit_ids.data or [] if (u := session.get(Unit, i))]
    stations = [s for i in form.station_ids.data or [] if (s := session.get(Station, i))]
    return session.get(Segment, form.segment_id.data), units, stations


@bp.route("/one-off", methods=["GET", "POST"])
@login_required
def one_off() -> Response | str | tuple[str, int]:
    require(Permission.MANAGE_SCHEDULE)
    if request.method == "POST":
        _posted_targets_or_403(Permission.MANAGE_SCHEDULE)
    form = OneOffForm()
    _fill_choices(form, emergency=False)
    form.session_labels.choices = [
        SelectChoice(label, label) for label in _session_labels(current_user)
    ]
    if request.method == "GET":
        form.first_day.data = today()
    if not form.validate_on_submit():
        status = 422 if request.method == "POST" else 200
        return render_template("announcements/one_off.html", form=form), status
    days = _days(form)
    if days is None:
        return render_template("announcements/one_off.html", form=form), 422
    segment, units, stations = _targets(form)
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
        save_one_off(session, announcement, today())
    except ScheduleError as exc:
        session.rollback()
        attach_error(form, exc, ONE_OFF_FIELDS)
        return render_template("announcements/one_off.html", form=form), 422
    rebuild_later(reach(announcement))
    session.commit()
    flash(_("The one-off announcement has been planned; playlists are being rebuilt."), "success")
    return redirect(url_for("announcements.index"))


def _days(form: OneOffForm) -> list[date] | None:
    """Every day from the first to the last; None (with the error shown) if reversed."""
    first = form.first_day.data or today()
    last = form.last_day.data or first
    if last < first:
        attach_error(form, ScheduleError("bad_period"), {"bad_period": "last_day"})
        return None
    span = (last - first).days
    if span > MAX_ONE_OFF_DAYS:  # the domain refuses it (past or too far): the ends tell why
        return [first, last]
    return [first + timedelta(days=i) for i in range(span + 1)]


def _fill_supersedes(form: EmergencyForm) -> None:
    session = get_session()
    on_air = active_emergencies(session, utcnow())
    form.supersedes.choices = [
        SelectChoice(a.id, _("%(title)s, until %(at)s", title=a.segment.title, at=_until(a)))
        for a in on_air
        if may_send(a, Permission.SEND_EMERGENCY)
    ]


def _until(announcement: Announcement) -> str:
    return format_datetime(announcement.expires_at or utcnow(), "short")


@bp.route("/emergency", methods=["GET", "POST"])
@login_required
def emergency() -> Response | str | tuple[str, int]:
    """Two steps: the first POST shows every station reached; `confirm=1` sends it."""
    require(Permission.SEND_EMERGENCY)
    if request.method == "POST":
        _posted_targets_or_403(Permission.SEND_EMERGENCY)
    form = EmergencyForm()
    _fill_choices(form, emergency=True)
    _fill_supersedes(form)
    if request.method == "GET":
        form.expires_at.data = (utcnow() + timedelta(hours=2)).astimezone(_zone())
    if request.form.get("edit") or not form.validate_on_submit():
        status = 422 if request.method == "POST" and not request.form.get("edit") else 200
        return render_template("announcements/emergency.html", form=form), status
    announcement, supersedes = _emergency_from(form)
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
        attach_error(form, exc, EMERGENCY_FIELDS)
        return render_template("announcements/emergency.html", form=form), 422
    if not confirmed:
        page = _confirmation(form, announcement, supersedes)
        session.rollback()
        return page
    session.commit()
    flash(
        _(
            "The emergency bulletin is on air: new playlists for %(stations)s stations "
            "(%(playlists)s playlist versions).",
            stations=_rebuilt(result),
            playlists=result.playlists,
        ),
        "success",
    )
    return redirect(url_for("announcements.index"))


def _emergency_from(form: EmergencyForm) -> tuple[Announcement, list[Announcement]]:
    """The bulletin the form describes (not stored), and the bulletins it replaces."""
    segment, units, stations = _targets(form)
    session = get_session()
    supersedes = [a for i in form.supersedes.data or [] if (a := session.get(Announcement, i))]
    expires_at = form.expires_at.data
    announcement = Announcement(
        segment=segment,
        level=Level.EMERGENCY,
        units=units,
        stations=stations,
        expires_at=expires_at.astimezone(UTC) if expires_at else None,
        repeat_minutes=form.repeat_minutes.data,
        note=form.note.data or "",
        created_by=current_user.id,
    )
    return announcement, supersedes


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
    session.commit()
    flash(
        _(
            "The emergency bulletin has been cancelled: new playlists for %(stations)s stations.",
            stations=_rebuilt(result),
        ),
        "success",
    )
    return redirect(url_for("announcements.index"))


def _rebuilt(result: BuildResult) -> int:
    """How many stations got a new playlist version."""
    return len({station_id for station_id, _day, _version in result.new_versions})
