"""Campaigns (kế hoạch tuyên truyền): list, page with quota progress, create and edit, quotas."""

from datetime import date, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import Select, or_, select
from werkzeug.wrappers import Response

from audio_library.segments import Topic
from radio.audit_trail import log_change
from radio.campaign_forms import CAMPAIGN_FIELDS, QUOTA_FIELDS, CampaignForm, QuotaForm
from radio.db import get_session
from radio.people import Role, User
from radio.policy import Permission, can, in_scope, require, sees_whole_tree, unit_or_403
from radio.schedule import local_today, rebuild_later
from radio.schedule_forms import show_error
from radio.schedule_messages import describe_error
from scheduler.campaigns import Campaign, save_campaign, set_pool
from scheduler.errors import ScheduleError
from scheduler.quotas import Progress, check_quotas, quota_progress, quota_week, target_stations
from scheduler.units import Station, Unit, path_names

bp = Blueprint("campaigns", __name__, url_prefix="/campaigns")

PAGE_SIZE = 100


def _readable(user: User) -> Select[tuple[Campaign]]:
    """Campaigns of the user's subtree, and those of units above it."""
    query = select(Campaign)
    if user.unit is None:
        return query
    above = list(user.unit.ids_from_root)
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
        today=local_today(),
        can_create=can(current_user, Permission.MANAGE_SCHEDULE),
    )


@bp.get("/<int:campaign_id>")
@login_required
def show(campaign_id: int) -> str | tuple[str, int]:
    return _show(_campaign_or_403(campaign_id), QuotaForm())


def _week() -> tuple[date, str]:
    """The Monday of the week asked for (?week=YYYY-MM-DD), and an error if it was not a date."""
    asked, error, day = request.args.get("week", "").strip(), "", local_today()
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
    quota_form.fill_choices()
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


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create() -> Response | str | tuple[str, int]:
    _require_reader()
    require(Permission.MANAGE_SCHEDULE)
    start = local_today()
    campaign = Campaign(unit_id=current_user.unit_id, starts_on=start, ends_on=start)
    return _edit(campaign)


@bp.route("/<int:campaign_id>/edit", methods=["GET", "POST"])
@login_required
def edit(campaign_id: int) -> Response | str | tuple[str, int]:
    return _edit(_campaign_or_403(campaign_id, change=True))


def _edit(campaign: Campaign) -> Response | str | tuple[str, int]:
    session = get_session()
    if request.method == "POST":
        _posted_units_or_403()
    form = CampaignForm(obj=campaign)
    if request.method == "GET":
        form.show(campaign)
    form.fill_choices(campaign)
    if not form.validate_on_submit():
        status = 422 if request.method == "POST" else 200
        return render_template("campaigns/edit.html", form=form, campaign=campaign), status
    # Load all first: a query after the campaign changed would flush half a change.
    before = target_stations(session, campaign) if campaign.id else []
    action = "campaign.updated" if campaign.id else "campaign.created"
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
        check_quotas(session, campaign, quota_week(campaign, local_today()))
    except ScheduleError as exc:
        session.rollback()
        show_error(form, exc, CAMPAIGN_FIELDS)
        return render_template("campaigns/edit.html", form=form, campaign=campaign), 422
    reached = {s.id: s for s in [*before, *target_stations(session, campaign)]}
    rebuild_later(list(reached.values()))
    log_change(action, campaign.id, campaign.name, unit_id=campaign.unit_id)
    session.commit()
    flash(_("Campaign “%(name)s” has been saved.", name=campaign.name), "success")
    return redirect(url_for("campaigns.show", campaign_id=campaign.id))


@bp.post("/<int:campaign_id>/quotas")
@login_required
def add_quota(campaign_id: int) -> Response | str | tuple[str, int]:
    campaign = _campaign_or_403(campaign_id, change=True)
    form = QuotaForm()
    form.fill_choices()
    if not form.validate_on_submit():
        return _show(campaign, form, 422)
    session = get_session()
    try:
        campaign.quotas.append(form.quota())
        save_campaign(session, campaign)
        check_quotas(session, campaign, quota_week(campaign, local_today()))
    except ScheduleError as exc:
        session.rollback()
        show_error(form, exc, QUOTA_FIELDS)
        return _show(campaign, form, 422)
    rebuild_later(target_stations(session, campaign))
    log_change(
        "campaign.updated",
        campaign.id,
        campaign.name,
        unit_id=campaign.unit_id,
        details={"quota": "added"},
    )
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
    log_change(
        "campaign.updated",
        campaign.id,
        campaign.name,
        unit_id=campaign.unit_id,
        details={"quota": "removed"},
    )
    session.commit()
    flash(_("The quota has been removed."), "success")
    return redirect(url_for("campaigns.show", campaign_id=campaign.id))
