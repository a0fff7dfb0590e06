"""Campaigns (kế hoạch tuyên truyền): list, page with quota progress, create and edit, quotas."""

from collections.abc import Iterable
from datetime import date, timedelta

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import Select, or_, select
from werkzeug.wrappers import Response
from wtforms import (
    DateField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from audio_library.segments import Segment, State, Topic
from radio.db import get_session
from radio.forms import Form
from radio.people import Role, User
from radio.policy import (
    Permission,
    can,
    in_scope,
    require,
    sees_whole_tree,
    segments_visible,
    unit_or_403,
    units_in_scope,
)
from radio.schedule import rebuild_later
from radio.schedule_messages import QUOTA_KIND_LABELS, describe_error
from scheduler.build_job import today_in
from scheduler.campaigns import Campaign, Quota, QuotaKind, save_campaign, set_pool
from scheduler.errors import ScheduleError
from scheduler.quotas import Progress, check_quotas, quota_progress, target_stations
from scheduler.units import Station, Unit, path_names

bp = Blueprint("campaigns", __name__, url_prefix="/campaigns")

PAGE_SIZE = 100
# Which field shows each refusal of the domain; the others go above the form.
CAMPAIGN_FIELDS = {
    "bad_campaign_code": "code",
    "campaign_code_taken": "code",
    "no_name": "name",
    "bad_period": "ends_on",
    "target_outside": "target_ids",
    "unknown_segment": "segment_ids",
}
QUOTA_FIELDS = {
    "bad_quota_times": "times_per_week",
    "bad_quota_minutes": "minutes_per_week",
    "quota_needs_topic": "topic_id",
    "bad_quota_kind": "kind",
}


class CampaignForm(Form):
    code = StringField(_l("Campaign code"), validators=[DataRequired(), Length(max=60)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=300)])
    starts_on = DateField(_l("Starts on"), validators=[DataRequired()])
    ends_on = DateField(_l("Ends on"), validators=[DataRequired()])
    # Units are checked against the person's scope (403), not against the list shown.
    unit_id = SelectField(
        _l("Owner unit"), coerce=int, validate_choice=False, validators=[DataRequired()]
    )
    target_ids = SelectMultipleField(
        _l("Target units (none: the whole owner unit)"),
        coerce=int,
        validate_choice=False,
        validators=[Optional()],
    )
    topic_ids = SelectMultipleField(_l("Topics"), coerce=int, validators=[Optional()])
    legal_refs = TextAreaField(_l("Legal references"), validators=[Length(max=5000)])
    segment_ids = SelectMultipleField(
        _l("Segments in the pool (approved)"), coerce=int, validators=[Optional()]
    )


class QuotaForm(Form):
    kind = SelectField(
        _l("Kind of quota"),
        choices=[SelectChoice(k.value, label) for k, label in QUOTA_KIND_LABELS.items()],
    )
    times_per_week = IntegerField(_l("Times a week"), validators=[Optional()])
    minutes_per_week = IntegerField(_l("Minutes a week"), validators=[Optional()])
    topic_id = SelectField(_l("Topic of the minutes"), coerce=int, validators=[Optional()])


def unit_choices(units: Iterable[Unit]) -> list[SelectChoice]:
    """Units as options indented by depth, parents before children (order by path)."""
    units = list(units)
    top = min((u.depth for u in units), default=0)
    return [SelectChoice(u.id, "· " * (u.depth - top) + u.name) for u in units]


def attach_error(form: Form, error: ScheduleError, fields: dict[str, str]) -> None:
    """Show a domain refusal next to the field it is about, or above the form."""
    text = describe_error(error)
    name = fields.get(error.kind)
    if name is not None:
        getattr(form, name).errors.append(text)
    else:
        form.form_errors.append(text)


def today() -> date:
    return today_in(current_app.config["TIMEZONE"])


def _readable(user: User) -> Select[tuple[Campaign]]:
    """Campaigns of the user's subtree, and those of units above it."""
    query = select(Campaign)
    if user.unit is None:
        return query
    above = [int(part) for part in user.unit.path.strip("/").split("/") if part]
    below = select(Unit.id).where(Unit.path.startswith(user.unit.path, autoescape=True))
    return query.where(
        or_(Campaign.unit_id.is_(None), Campaign.unit_id.in_(above), Campaign.unit_id.in_(below))
    )


def _require_reader() -> None:
    require(Permission.VIEW_SCHEDULE)
    if current_user.role == Role.OPERATOR:
        abort(403)


def may_change(campaign: Campaign) -> bool:
    """The owner unit and every target unit must lie in the person's scope."""
    if campaign.owner is None:
        return can(current_user, Permission.MANAGE_SCHEDULE) and current_user.unit is None
    units = [campaign.owner, *campaign.targets]
    return all(can(current_user, Permission.MANAGE_SCHEDULE, u) for u in units)


def _campaign_or_403(campaign_id: int, change: bool = False) -> Campaign:
    _require_reader()
    session = get_session()
    campaign = session.scalar(_readable(current_user).where(Campaign.id == campaign_id))
    if campaign is None:
        hidden = session.get(Campaign, campaign_id) is not None
        abort(403 if hidden or not sees_whole_tree(current_user) else 404)
    if change and not may_change(campaign):
        abort(403)
    return campaign


def _posted_units_or_403() -> None:
    """Every unit the posted form names must lie in the person's scope."""
    ids = request.form.getlist("unit_id", type=int) + request.form.getlist("target_ids", type=int)
    for unit_id in sorted(set(ids)):
        unit_or_403(unit_id, Permission.MANAGE_SCHEDULE)


@bp.get("")
@login_required
def index() -> str:
    _require_reader()
    page = max(1, request.args.get("page", 1, type=int))
    query = _readable(current_user).order_by(Campaign.ends_on.desc(), Campaign.id.desc())
    rows = get_session().scalars(query.limit(PAGE_SIZE + 1).offset((page - 1) * PAGE_SIZE)).all()
    return render_template(
        "campaigns/index.html",
        campaigns=rows[:PAGE_SIZE],
        page=page,
        has_more=len(rows) > PAGE_SIZE,
        today=today(),
        can_create=can(current_user, Permission.MANAGE_SCHEDULE),
    )


@bp.get("/<int:campaign_id>")
@login_required
def show(campaign_id: int) -> str | tuple[str, int]:
    return _show(_campaign_or_403(campaign_id), QuotaForm())


def _week() -> tuple[date, str]:
    """The Monday of the week asked for (?week=YYYY-MM-DD), and an error if it was not a date."""
    asked, error, day = request.args.get("week", "").strip(), "", today()
    if asked:
        try:
            day = date.fromisoformat(asked)
        except ValueError:
            error = describe_error(ScheduleError("bad_date"))
    return day - timedelta(days=day.weekday()), error


def _show(campaign: Campaign, quota_form: QuotaForm, status: int = 200) -> str | tuple[str, int]:
    session = get_session()
    monday, week_error = _week()
    progress = [
        p for p in quota_progress(session, campaign, monday) if in_scope(current_user, p.station)
    ]
    stations: dict[int, Station] = {p.station.id: p.station for p in progress}
    cells: dict[tuple[int, int], Progress] = {(p.station.id, p.quota.id): p for p in progress}
    met = {q.id: sum(cells[(s, q.id)].met for s in stations) for q in campaign.quotas}
    page = max(1, request.args.get("page", 1, type=int))
    shown = list(stations.values())[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    _fill_quota_choices(quota_form)
    units = [u for u in [campaign.owner, *campaign.targets] if u is not None]
    page_html = render_template(
        "campaigns/show.html",
        campaign=campaign,
        paths=path_names(session, units),
        monday=monday,
        one_week=timedelta(days=7),
        week_error=week_error,
        stations=shown,
        station_count=len(stations),
        cells=cells,
        met=met,
        page=page,
        has_more=page * PAGE_SIZE < len(stations),
        quota_form=quota_form,
        can_change=may_change(campaign),
    )
    return page_html, 400 if week_error and status == 200 else status


def _fill_quota_choices(form: QuotaForm) -> None:
    topics = get_session().scalars(select(Topic).order_by(Topic.name))
    form.topic_id.choices = [SelectChoice(0, "—")] + [SelectChoice(t.id, t.name) for t in topics]


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create() -> Response | str | tuple[str, int]:
    _require_reader()
    require(Permission.MANAGE_SCHEDULE)
    start = today()
    campaign = Campaign(unit_id=current_user.unit_id, starts_on=start, ends_on=start)
    return _edit(campaign)


@bp.route("/<int:campaign_id>/edit", methods=["GET", "POST"])
@login_required
def edit(campaign_id: int) -> Response | str | tuple[str, int]:
    return _edit(_campaign_or_403(campaign_id, change=True))


def _fill_campaign_choices(form: CampaignForm, campaign: Campaign) -> None:
    session = get_session()
    units = unit_choices(session.scalars(units_in_scope(current_user).order_by(Unit.path)))
    form.unit_id.choices = units
    form.target_ids.choices = units
    topics = session.scalars(select(Topic).order_by(Topic.name))
    form.topic_ids.choices = [SelectChoice(t.id, t.name) for t in topics]
    approved = segments_visible(current_user).where(Segment.state == State.APPROVED)
    segments = {s.id: s for s in session.scalars(approved.order_by(Segment.title))}
    if campaign.id is not None:  # what is already in the pool stays choosable
        segments.update({s.id: s for s in campaign.segments})
    form.segment_ids.choices = [SelectChoice(s.id, s.title) for s in segments.values()]


def _edit(campaign: Campaign) -> Response | str | tuple[str, int]:
    session = get_session()
    if request.method == "POST":
        _posted_units_or_403()
    form = CampaignForm(obj=campaign)
    if request.method == "GET":
        form.target_ids.data = [u.id for u in campaign.targets]
        form.topic_ids.data = [t.id for t in campaign.topics]
        form.segment_ids.data = [s.id for s in campaign.segments] if campaign.id else []
    _fill_campaign_choices(form, campaign)
    if not form.validate_on_submit():
        status = 422 if request.method == "POST" else 200
        return render_template("campaigns/edit.html", form=form, campaign=campaign), status
    # Load all first: a query after the campaign changed would flush half a change.
    before = target_stations(session, campaign) if campaign.id else []
    owner = session.get(Unit, form.unit_id.data)
    targets = [u for i in form.target_ids.data or [] if (u := session.get(Unit, i))]
    topics = list(session.scalars(select(Topic).where(Topic.id.in_(form.topic_ids.data or []))))
    campaign.code, campaign.name = form.code.data or "", form.name.data or ""
    campaign.starts_on, campaign.ends_on = form.starts_on.data, form.ends_on.data
    campaign.legal_refs = form.legal_refs.data or ""
    campaign.unit_id, campaign.owner = form.unit_id.data, owner
    campaign.targets, campaign.topics = targets, topics
    try:
        save_campaign(session, campaign)
        set_pool(session, campaign, form.segment_ids.data or [])
        check_quotas(session, campaign, today())
    except ScheduleError as exc:
        session.rollback()
        attach_error(form, exc, CAMPAIGN_FIELDS)
        return render_template("campaigns/edit.html", form=form, campaign=campaign), 422
    reached = {s.id: s for s in [*before, *target_stations(session, campaign)]}
    rebuild_later(list(reached.values()))
    session.commit()
    flash(_("Campaign “%(name)s” has been saved.", name=campaign.name), "success")
    return redirect(url_for("campaigns.show", campaign_id=campaign.id))


@bp.post("/<int:campaign_id>/quotas")
@login_required
def add_quota(campaign_id: int) -> Response | str | tuple[str, int]:
    campaign = _campaign_or_403(campaign_id, change=True)
    form = QuotaForm()
    _fill_quota_choices(form)
    if not form.validate_on_submit():
        return _show(campaign, form, 422)
    session = get_session()
    kind = QuotaKind(form.kind.data)
    quota = Quota(kind=kind)
    if kind == QuotaKind.SEGMENT_PLAYS:
        quota.times_per_week = form.times_per_week.data or 0
    else:
        quota.minutes_per_week = form.minutes_per_week.data or 0
        quota.topic_id = form.topic_id.data or None
    try:
        campaign.quotas.append(quota)
        save_campaign(session, campaign)
        check_quotas(session, campaign, today())
    except ScheduleError as exc:
        session.rollback()
        attach_error(form, exc, QUOTA_FIELDS)
        return _show(campaign, form, 422)
    rebuild_later(target_stations(session, campaign))
    session.commit()
    flash(_("The quota has been added."), "success")
    return redirect(url_for("campaigns.show", campaign_id=campaign.id))


@bp.post("/<int:campaign_id>/quotas/<int:quota_id>/delete")
@login_required
def delete_quota(campaign_id: int, quota_id: int) -> Response:
    campaign = _campaign_or_403(campaign_id, change=True)
    quota = next((q for q in campaign.quotas if q.id == quota_id), None)
    if quota is None:
        abort(404)
    session = get_session()
    campaign.quotas.remove(quota)
    session.flush()
    rebuild_later(target_stations(session, campaign))
    session.commit()
    flash(_("The quota has been removed."), "success")
    return redirect(url_for("campaigns.show", campaign_id=campaign.id))
