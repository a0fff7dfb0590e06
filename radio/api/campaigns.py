"""Campaigns: their targets, topics, segment pool and weekly quotas, and their progress."""

from datetime import timedelta
from typing import Any

from flask import abort
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from audio_library.segments import Topic
from radio.api.auth import blueprint
from radio.api.campaign_schemas import (
    CampaignDetailSchema,
    CampaignInSchema,
    CampaignSchema,
    WeekQuerySchema,
)
from radio.api.schedule_common import allowed, me, missing, refuse, usable_segment
from radio.audit_trail import log_change
from radio.db import get_session
from radio.people import Role, User
from radio.policy import Permission, in_scope, require, unit_or_403
from radio.schedule import local_today, rebuild_later
from scheduler.campaigns import Campaign, Quota, QuotaKind, save_campaign, set_pool
from scheduler.errors import ScheduleError
from scheduler.quotas import check_quotas, quota_progress, quota_week, target_stations

bp = blueprint("api_campaigns", __name__, "Schedule: campaigns and their quotas")


def campaign_visible(user: User, campaign: Campaign) -> bool:
    """A campaign is seen where it is run from or where it airs, above or below one's unit."""
    if user.role == Role.OPERATOR:
        station = user.station
        return station is not None and any(
            u.contains(station.unit) for u in campaign.target_units()
        )
    if user.unit is None:
        return True
    places = [u for u in (campaign.owner, *campaign.targets) if u is not None]
    return any(user.unit.contains(u) or u.contains(user.unit) for u in places)


def campaign_or_403(campaign_id: int, permission: Permission | None = None) -> Campaign:
    """The campaign if the caller may see it, or (with a permission) change it."""
    campaign = get_session().get(Campaign, campaign_id)
    if campaign is None:
        missing()
    if not campaign_visible(current_user, campaign):
        abort(403)
    if permission is not None:
        if campaign.owner is None and current_user.unit is not None:
            abort(403)  # a campaign of no unit belongs to the whole system
        for unit in [campaign.owner, *campaign.targets]:
            require(permission, unit)
    return campaign


def merge_quotas(stored: list[Quota], given: list[dict[str, Any]]) -> list[Quota]:
    """The new quotas, keeping stored ones (whose ids playlists name) where possible."""
    by_id = {q.id: q for q in stored}
    out = []
    for data in given:
        if data["topic_id"] is not None and get_session().get(Topic, data["topic_id"]) is None:
            raise ScheduleError("unknown_topic")
        quota = by_id.pop(data["id"], None) if data["id"] is not None else None
        match = (data["kind"], data["topic_id"])
        quota = quota or next((q for q in by_id.values() if (q.kind, q.topic_id) == match), None)
        if quota is not None:
            by_id.pop(quota.id, None)
        quota = quota or Quota()
        quota.kind, quota.topic_id = QuotaKind(data["kind"]), data["topic_id"]
        quota.times_per_week, quota.minutes_per_week = (
            data["times_per_week"],
            data["minutes_per_week"],
        )
        out.append(quota)
    return out


def store_campaign(user: User, campaign: Campaign, args: dict[str, Any]) -> Response | None:
    """Check scope on the owner and every target, then validate, store and rebuild."""
    session = get_session()
    owner_id = args["unit_id"] if args["unit_id"] is not None else user.unit_id
    owner = unit_or_403(owner_id, Permission.MANAGE_SCHEDULE) if owner_id is not None else None
    targets = [
        unit_or_403(i, Permission.MANAGE_SCHEDULE) for i in dict.fromkeys(args["target_unit_ids"])
    ]
    before = target_stations(session, campaign) if campaign.id is not None else []
    action = "campaign.updated" if campaign.id is not None else "campaign.created"
    try:
        topics = list(session.scalars(select(Topic).where(Topic.id.in_(args["topic_ids"]))))
        if len(topics) != len(set(args["topic_ids"])):
            raise ScheduleError("unknown_topic")
        for segment_id in args["segment_ids"]:
            usable_segment(user, segment_id)
        with session.no_autoflush:
            quotas = merge_quotas(list(campaign.quotas), args["quotas"])
            for name in ("code", "name", "starts_on", "ends_on", "legal_refs"):
                setattr(campaign, name, args[name])
            campaign.owner, campaign.unit_id = owner, owner.id if owner else None
            campaign.targets, campaign.topics = targets, topics
            campaign.quotas = quotas
        save_campaign(session, campaign)
        set_pool(session, campaign, list(dict.fromkeys(args["segment_ids"])))
        check_quotas(session, campaign, quota_week(campaign, local_today()))
    except ScheduleError as exc:
        return refuse(exc)
    after = target_stations(session, campaign)
    rebuild_later(list({s.id: s for s in [*before, *after]}.values()))
    log_change(action, campaign.id, campaign.name, unit_id=campaign.unit_id)
    session.commit()
    return None


@bp.get("/campaigns")
@allowed(Permission.VIEW_SCHEDULE)
@bp.response(200, CampaignSchema(many=True))
def list_campaigns() -> list[Campaign]:
    """Campaigns run from or airing in the caller's area, newest first."""
    user = me()
    campaigns = get_session().scalars(select(Campaign).order_by(Campaign.starts_on.desc()))
    return [c for c in campaigns if campaign_visible(user, c)]


@bp.get("/campaigns/<int:campaign_id>")
@allowed(Permission.VIEW_SCHEDULE)
@bp.arguments(WeekQuerySchema, location="query")
@bp.response(200, CampaignDetailSchema)
def get_campaign(args: dict[str, Any], campaign_id: int) -> dict[str, Any]:
    """A campaign with, per station in the caller's scope and quota, a week's progress.

    `planned` counts what the week's current playlists plan: plays of the least planned
    pool segment, or seconds of the topic.
    """
    user = me()
    campaign = campaign_or_403(campaign_id)
    week = args["week"] or local_today()
    progress = quota_progress(get_session(), campaign, week)
    return {
        "campaign": campaign,
        "week": week - timedelta(days=week.weekday()),
        "progress": [p for p in progress if in_scope(user, p.station)],
    }


@bp.post("/campaigns")
@allowed(Permission.MANAGE_SCHEDULE)
@bp.arguments(CampaignInSchema)
@bp.response(201, CampaignSchema)
def create_campaign(args: dict[str, Any]) -> Any:
    """Create a campaign with its targets, topics, segment pool and weekly quotas.

    Quotas that the target stations' sessions cannot hold are refused (422).
    """
    user = me()
    campaign = Campaign()
    return store_campaign(user, campaign, args) or (campaign, 201)


@bp.put("/campaigns/<int:campaign_id>")
@allowed(Permission.MANAGE_SCHEDULE)
@bp.arguments(CampaignInSchema)
@bp.response(200, CampaignSchema)
def update_campaign(args: dict[str, Any], campaign_id: int) -> Any:
    """Replace a campaign's fields, targets, topics, pool and quotas (kept by `id`)."""
    user = me()
    campaign = campaign_or_403(campaign_id, Permission.MANAGE_SCHEDULE)
    return store_campaign(user, campaign, args) or campaign
