"""Session templates and unit limits (lịch phát): the week of a unit or station, and its forms."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response
from wtforms import (
    DateField,
    FieldList,
    FormField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TimeField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from audio_library.segments import Segment, State, Topic
from radio import schedule
from radio.db import get_session
from radio.forms import Form
from radio.policy import Permission, can, require, segments_visible, station_or_403, unit_or_403
from radio.schedule_messages import WEEKDAY_LABELS, describe_error
from scheduler.errors import ScheduleError
from scheduler.playlist_views import (
    Owner,
    copy_template,
    jingle_first,
    place_week,
)
from scheduler.rules import UnitRules
from scheduler.templates import (
    MAX_SESSION_MINUTES,
    ItemKind,
    SessionTemplate,
    TemplateItem,
    delete_template,
    save_rules,
    save_template,
)
from scheduler.units import Station, Unit, path_names

bp = Blueprint("session_templates", __name__, url_prefix="/templates")

RELAY_ROWS, FILL_ROWS = 3, 6
ANY_TOPIC = "any"
SEGMENT_CHOICES = 300  # the select lists this many approved segments, jingles first
# Which field a ScheduleError belongs next to; the others go above the form.
ERROR_FIELDS = {
    "overlap": "starts_at",
    "quiet_hours": "starts_at",
    "session_too_long": "max_minutes",
    "bad_length": "max_minutes",
    "bad_period": "valid_until",
    "no_weekdays": "weekdays",
    "bad_gap": "gap_seconds",
    "no_label": "label",
    "unknown_segment": "opening_id",
    "bad_relay_url": "relays",
    "bad_relay_length": "relays",
    "no_relay_title": "relays",
    "unknown_topic": "fills",
}
RULES_ERROR_FIELDS = {
    "session_too_long": "max_session_minutes",
    "quiet_hours": "quiet_from",
    "bad_limit": "max_session_minutes",
    "bad_quiet_hours": "quiet_until",
}


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class RelayRow(Form):
    class Meta(Form.Meta):
        csrf = False  # part of TemplateForm, which carries the token

    title = StringField(_l("Relay name"), validators=[Length(max=300)])
    url = StringField(_l("Stream address"), validators=[Length(max=500)])
    minutes = IntegerField(
        _l("Minutes"), validators=[Optional(), NumberRange(1, MAX_SESSION_MINUTES)]
    )


class TemplateForm(Form):
    label = StringField(_l("Session name"), validators=[DataRequired(), Length(max=60)])
    weekdays = CheckboxesField(
        _l("Weekdays"), choices=[SelectChoice(k, v) for k, v in WEEKDAY_LABELS.items()]
    )
    starts_at = TimeField(_l("Starts at"), validators=[InputRequired()])
    max_minutes = IntegerField(_l("Length at most (minutes)"), validators=[InputRequired()])
    valid_from = DateField(_l("Valid from"), validators=[Optional()])
    valid_until = DateField(_l("Valid until"), validators=[Optional()])
    gap_seconds = IntegerField(_l("Pause between items (seconds)"), validators=[InputRequired()])
    opening_id = SelectField(_l("Opening item"), coerce=int, default=0)
    closing_id = SelectField(_l("Closing item"), coerce=int, default=0)
    relays = FieldList(FormField(RelayRow), min_entries=RELAY_ROWS, max_entries=RELAY_ROWS)
    # ScheduleErrors about the relay rows or the fill topics, shown under those sections.
    section_errors: dict[str, list[str]] = {}
    fills = FieldList(
        SelectField(_l("Fill topic"), default=""), min_entries=FILL_ROWS, max_entries=FILL_ROWS
    )

    def fill_choices(self, template: SessionTemplate) -> None:
        """Approved segments the user may read (jingles first) and topics, for the selects."""
        session = get_session()
        chosen = {i.segment_id for i in template.items if i.segment_id is not None}
        query = (
            segments_visible(current_user)
            .where(Segment.state == State.APPROVED)
            .order_by(jingle_first(), Segment.title)
            .limit(SEGMENT_CHOICES)
            .options(selectinload(Segment.topic))
        )
        segments = list(session.scalars(query))
        segments += [s for s in session.scalars(select(Segment).where(Segment.id.in_(chosen)))]
        choices = [SelectChoice(0, _("— none —"))]
        seen: set[int] = set()
        for s in segments:
            if s.id not in seen:
                seen.add(s.id)
                choices.append(SelectChoice(s.id, f"{s.title} ({s.topic.name})"))
        self.opening_id.choices = self.closing_id.choices = choices
        topics = session.scalars(select(Topic).order_by(Topic.name))
        topic_choices = [SelectChoice("", "—"), SelectChoice(ANY_TOPIC, _("Any topic"))]
        topic_choices += [SelectChoice(str(t.id), t.name) for t in topics]
        for entry in self.fills:
            entry.choices = topic_choices

    def items(self) -> list[TemplateItem]:
        items = []
        if self.opening_id.data:
            items.append(TemplateItem(kind=ItemKind.OPEN, segment_id=self.opening_id.data))
        for row in self.relays:
            title, url, minutes = row.form.title.data, row.form.url.data, row.form.minutes.data
            if title or url or minutes:
                items.append(
                    TemplateItem(
                        kind=ItemKind.RELAY,
                        title=title or "",
                        url=(url or "").strip(),
                        seconds=(minutes or 0) * 60,
                    )
                )
        for entry in self.fills:
            if entry.data:
                topic = None if entry.data == ANY_TOPIC else int(entry.data)
                items.append(TemplateItem(kind=ItemKind.FILL, topic_id=topic))
        if self.closing_id.data:
            items.append(TemplateItem(kind=ItemKind.CLOSE, segment_id=self.closing_id.data))
        return items


def initial(template: SessionTemplate) -> dict[str, object]:
    """The form's values for a stored template."""
    kinds = {k: [i for i in template.items if i.kind == k] for k in ItemKind}
    return {
        "label": template.label,
        "weekdays": list(template.weekdays or ""),
        "starts_at": template.starts_at,
        "max_minutes": template.max_minutes,
        "valid_from": template.valid_from,
        "valid_until": template.valid_until,
        "gap_seconds": template.gap_seconds,
        "opening_id": kinds[ItemKind.OPEN][0].segment_id if kinds[ItemKind.OPEN] else 0,
        "closing_id": kinds[ItemKind.CLOSE][0].segment_id if kinds[ItemKind.CLOSE] else 0,
        "relays": [
            {"title": i.title, "url": i.url, "minutes": i.seconds // 60}
            for i in kinds[ItemKind.RELAY]
        ],
        "fills": [
            ANY_TOPIC if i.topic_id is None else str(i.topic_id) for i in kinds[ItemKind.FILL]
        ],
    }


class RulesForm(Form):
    quiet_from = TimeField(_l("Quiet hours from"), validators=[Optional()])
    quiet_until = TimeField(_l("Quiet hours until"), validators=[Optional()])
    max_session_minutes = IntegerField(
        _l("Longest session (minutes)"), validators=[Optional(), NumberRange(1, 24 * 60)]
    )
    max_day_minutes = IntegerField(
        _l("Most minutes a day"), validators=[Optional(), NumberRange(1, 24 * 60)]
    )


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


def template_or_403(template_id: int) -> tuple[SessionTemplate, Owner]:
    """A template its owner's planner may change."""
    template = get_session().get(SessionTemplate, template_id)
    if template is None:
        abort(404)
    owner = owner_of(template)
    require(Permission.MANAGE_SCHEDULE, owner)
    return template, owner


def show_error(form: Form, error: ScheduleError, fields: dict[str, str] = ERROR_FIELDS) -> None:
    """Put the error's wording next to the field it is about."""
    text = describe_error(error)
    name = fields.get(error.kind)
    if name in ("relays", "fills"):
        form.section_errors = {name: [text]}  # type: ignore[attr-defined]
    elif name is not None and name in form:
        form[name].errors = [*form[name].errors, text]
    else:
        form.form_errors.append(text)


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
        show_error(form, exc)
        return render_template("schedule/template_form.html", **page), 422
    schedule.rebuild_later(stations)
    session.commit()
    flash(_("The session “%(label)s” has been saved.", label=template.label), "success")
    return redirect(place_url(owner))


@bp.post("/<int:template_id>/delete")
@login_required
def delete(template_id: int) -> Response:
    template, owner = template_or_403(template_id)
    session = get_session()
    label = template.label
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
    session.commit()
    flash(_("The limits of %(unit)s have been saved.", unit=unit.name), "success")
    return redirect(place_url(unit))
