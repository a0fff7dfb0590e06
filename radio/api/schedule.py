"""Managing templates, campaigns, one-offs and emergencies."""

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, NoReturn, ParamSpec, TypeVar
from zoneinfo import ZoneInfo

from flask import abort, current_app
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from audio_library.db import utcnow
from audio_library.segments import Level, Segment, Topic
from radio.api.auth import blueprint, person
from radio.api.schedule_schemas import (
    AnnouncementQuerySchema,
    AnnouncementSchema,
    BroadcastSchema,
    CampaignDetailSchema,
    CampaignInSchema,
    CampaignSchema,
    EmergencyInSchema,
    OneOffInSchema,
    PreviewInSchema,
    ReachSchema,
    RulesSchema,
    TemplateFieldsSchema,
    TemplateInSchema,
    TemplateListSchema,
    TemplateQuerySchema,
    TemplateSchema,
    WeekQuerySchema,
)
from radio.db import get_session
from radio.errors import problem
from radio.people import Role, User
from radio.policy import (
    Permission,
    in_scope,
    require,
    sees_whole_tree,
    segment_visible,
    station_or_403,
    unit_or_403,
)
from radio.schedule import cancel_emergency, reach, rebuild_later, send_emergency
from radio.schedule_messages import describe_error
from scheduler.announcements import Announcement, save_one_off, stations_reached
from scheduler.build_job import today_in
from scheduler.builder import BuildResult
from scheduler.campaigns import Campaign, Quota, QuotaKind, save_campaign, set_pool
from scheduler.errors import ScheduleError
from scheduler.quotas import check_quotas, quota_progress, target_stations
from scheduler.rules import UnitRules
from scheduler.templates import (
    ItemKind,
    Place,
    SessionTemplate,
    TemplateBook,
    TemplateItem,
    delete_template,
    save_rules,
    save_template,
)
from scheduler.units import Station, Unit

P = ParamSpec("P")
R = TypeVar("R")

bp = blueprint("api_schedule", __name__, "Schedule: templates, campaigns, one-offs, emergencies")


def refuse(error: ScheduleError) -> Response:
    """422 in the person's words; nothing of the request is stored."""
    get_session().rollback()
    return problem(422, describe_error(error), code=error.kind)


def missing() -> NoReturn:
    """Only someone who sees a whole tree learns that an id does not exist."""
    abort(404 if sees_whole_tree(current_user) else 403)


def allowed(permission: Permission) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Refuse devices, and people whose role lacks `permission`, before reading the body."""

    def decorate(view: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(view)
        def checked(*args: P.args, **kwargs: P.kwargs) -> R:
            person()
            require(permission)
            return view(*args, **kwargs)

        return checked

    return decorate


def me() -> User:
    return current_user  # type: ignore[no-any-return]


def today() -> date:
    return today_in(current_app.config["TIMEZONE"])


def usable_segment(user: User, segment_id: int | None) -> Segment:
    segment = get_session().get(Segment, segment_id) if segment_id is not None else None
    if segment is None or not segment_visible(user, segment):
        raise ScheduleError("unknown_segment")
    return segment


# Session templates and unit rules


def template_or_403(template_id: int, permission: Permission) -> SessionTemplate:
    template = get_session().get(SessionTemplate, template_id)
    if template is None:
        missing()
    owner: Unit | Station | None = (
        get_session().get(Station, template.station_id)
        if template.station_id is not None
        else get_session().get(Unit, template.unit_id)
    )
    if owner is None:
        missing()
    require(permission, owner)
    return template


def unit_chain(unit: Unit) -> tuple[int, ...]:
    return tuple(int(part) for part in unit.path.strip("/").split("/") if part)


def chain_of(template: SessionTemplate) -> tuple[int, ...]:
    """The units whose templates the template's place inherits, from the root down."""
    if template.station_id is not None:
        return unit_chain(get_session().get(Station, template.station_id).unit)  # type: ignore[union-attr]
    return unit_chain(get_session().get(Unit, template.unit_id))  # type: ignore[arg-type]


def fill_template(user: User, template: SessionTemplate, args: dict[str, Any]) -> None:
    """Copy the request into a template; look everything up before changing it."""
    session = get_session()
    replaced = None
    if args["replaces_id"] is not None:
        replaced = session.get(SessionTemplate, args["replaces_id"])
        if replaced is None or replaced.unit_id not in chain_of(template):
            raise ScheduleError("unknown_template")
    for item in args["items"]:
        if item["kind"] in (ItemKind.OPEN, ItemKind.CLOSE):
            usable_segment(user, item["segment_id"])
        if item["topic_id"] is not None and session.get(Topic, item["topic_id"]) is None:
            raise ScheduleError("unknown_topic")
    items = reuse_items(list(template.items), args["items"])
    fields = ("label", "weekdays", "starts_at", "max_minutes", "valid_from", "valid_until")
    for name in (*fields, "gap_seconds", "replaces_id", "opt_out"):
        value = args[name]
        if args["opt_out"] and replaced is not None and name in fields[:4] and not value:
            value = getattr(replaced, name)  # an opt-out only names what it drops
        setattr(template, name, value)
    template.items = items


def reuse_items(stored: list[TemplateItem], given: list[dict[str, Any]]) -> list[TemplateItem]:
    """The new item list, keeping stored items (whose ids playlists name) where possible."""
    by_id = {item.id: item for item in stored}

    def same(item: TemplateItem, data: dict[str, Any]) -> bool:
        keys = ("kind", "segment_id", "topic_id", "url")
        return all(getattr(item, k) == data[k] for k in keys)

    out = []
    for position, data in enumerate(given):
        item = by_id.pop(data["id"], None) if data["id"] is not None else None
        item = item or next((i for i in by_id.values() if same(i, data)), None)
        if item is not None:
            by_id.pop(item.id, None)
        item = item or TemplateItem()
        item.position, item.kind = position, ItemKind(data["kind"])
        for name in ("segment_id", "topic_id", "url", "title", "seconds"):
            setattr(item, name, data[name])
        out.append(item)
    return out


def store_template(user: User, template: SessionTemplate, args: dict[str, Any]) -> Response | None:
    session = get_session()
    try:
        with session.no_autoflush:
            fill_template(user, template, args)
        stations = save_template(session, template)
    except ScheduleError as exc:
        return refuse(exc)
    rebuild_later(stations)
    session.commit()
    return None


@bp.get("/templates")
@allowed(Permission.VIEW_SCHEDULE)
@bp.arguments(TemplateQuerySchema, location="query")
@bp.response(200, TemplateListSchema)
def list_templates(args: dict[str, Any]) -> dict[str, list[SessionTemplate]]:
    """The templates set at a unit or station, and those in effect there (inherited ones too)."""
    book = TemplateBook.load(get_session())
    if args["station"] is not None:
        station = station_or_403(args["station"], Permission.VIEW_SCHEDULE)
        own = book.by_station.get(station.id, [])
        effective = book.effective(Place.of(station))
    else:
        unit = unit_or_403(args["unit"], Permission.VIEW_SCHEDULE)
        own = book.by_unit.get(unit.id, [])
        effective = book.effective_at(unit_chain(unit))
    own = sorted(own, key=lambda t: (t.start_minute, t.id))
    return {"templates": own, "effective": effective}


@bp.post("/templates")
@allowed(Permission.MANAGE_SCHEDULE)
@bp.arguments(TemplateInSchema)
@bp.response(201, TemplateSchema)
def create_template(args: dict[str, Any]) -> Any:
    """Add a session to a unit (and every station below it) or to one station.

    An override names the inherited template it replaces (`replaces_id`); an opt-out
    (`opt_out`) just drops it. Overlaps, the unit's session limit and quiet hours are
    checked at every station reached (422 with the reason).
    """
    user = me()
    unit_id, code = args["unit_id"], args["station_code"]
    unit = unit_or_403(unit_id, Permission.MANAGE_SCHEDULE) if unit_id is not None else None
    station = station_or_403(code, Permission.MANAGE_SCHEDULE) if code is not None else None
    if (unit is None) == (station is None):
        return refuse(ScheduleError("no_owner"))
    template = SessionTemplate(
        unit_id=unit.id if unit else None, station_id=station.id if station else None
    )
    return store_template(user, template, args) or (template, 201)


@bp.put("/templates/<int:template_id>")
@allowed(Permission.MANAGE_SCHEDULE)
@bp.arguments(TemplateFieldsSchema)
@bp.response(200, TemplateSchema)
def update_template(args: dict[str, Any], template_id: int) -> Any:
    """Change a template (its place stays); items given with their `id` are kept."""
    user = me()
    template = template_or_403(template_id, Permission.MANAGE_SCHEDULE)
    return store_template(user, template, args) or template


@bp.delete("/templates/<int:template_id>")
@allowed(Permission.MANAGE_SCHEDULE)
@bp.response(204)
def remove_template(template_id: int) -> Any:
    """Remove a template with the overrides and opt-outs that point at it."""
    template = template_or_403(template_id, Permission.MANAGE_SCHEDULE)
    stations = delete_template(get_session(), template)
    rebuild_later(stations)
    get_session().commit()
    return None


@bp.get("/units/<int:unit_id>/rules")
@allowed(Permission.VIEW_SCHEDULE)
@bp.response(200, RulesSchema)
def get_rules(unit_id: int) -> UnitRules:
    """The quiet hours and limits a unit sets itself (empty: it follows the units above)."""
    unit = unit_or_403(unit_id, Permission.VIEW_SCHEDULE)
    return get_session().get(UnitRules, unit.id) or UnitRules(unit_id=unit.id)


@bp.put("/units/<int:unit_id>/rules")
@allowed(Permission.MANAGE_SCHEDULE)
@bp.arguments(RulesSchema)
@bp.response(200, RulesSchema)
def put_rules(args: dict[str, Any], unit_id: int) -> Any:
    """Set a unit's quiet hours and limits; every template below must still respect them."""
    unit = unit_or_403(unit_id, Permission.MANAGE_SCHEDULE)
    session = get_session()
    try:
        stations = save_rules(session, UnitRules(unit_id=unit.id, **args))
    except ScheduleError as exc:
        return refuse(exc)
    rebuild_later(stations)
    session.commit()
    return session.get(UnitRules, unit.id)


# Campaigns


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


def quota_week(campaign: Campaign) -> date:
    """The week whose sessions the quotas are checked against: this one, within the period."""
    return min(max(today(), campaign.starts_on), campaign.ends_on)


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
        check_quotas(session, campaign, quota_week(campaign))
    except ScheduleError as exc:
        return refuse(exc)
    after = target_stations(session, campaign)
    rebuild_later(list({s.id: s for s in [*before, *after]}.values()))
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
    week = args["week"] or today()
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


# One-offs and emergencies


@dataclass(frozen=True)
class Broadcast:
    announcement: Announcement
    stations: list[Station]
    result: BuildResult

    @property
    def playlists_rebuilt(self) -> int:
        return self.result.playlists

    @property
    def versions(self) -> list[dict[str, Any]]:
        session = get_session()
        return [
            {"station": session.get(Station, station_id), "date": day, "version": version}
            for station_id, day, version in self.result.new_versions
        ]


def announcement_visible(user: User, announcement: Announcement) -> bool:
    if user.role == Role.OPERATOR:
        return user.station is not None and announcement.reaches(user.station)
    if user.unit is None:
        return True
    return any(in_scope(user, s) for s in announcement.stations) or any(
        user.unit.contains(u) or u.contains(user.unit) for u in announcement.units
    )


def targets(args: dict[str, Any], permission: Permission) -> tuple[list[Unit], list[Station]]:
    """The units and stations named, each of which the caller must be allowed to reach."""
    units = [unit_or_403(i, permission) for i in dict.fromkeys(args["unit_ids"])]
    stations = [station_or_403(c, permission) for c in dict.fromkeys(args["station_codes"])]
    return units, stations


def emergency_or_403(announcement_id: int) -> Announcement:
    announcement = get_session().get(Announcement, announcement_id)
    if announcement is None:
        missing()
    places: list[Unit | Station] = [*announcement.units, *announcement.stations]
    for place in places:
        require(Permission.SEND_EMERGENCY, place)
    return announcement


def utc(moment: datetime | None) -> datetime | None:
    """A time from the request in UTC; one without an offset is read as local time."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(current_app.config["TIMEZONE"]))
    return moment.astimezone(UTC)


def new_announcement(user: User, args: dict[str, Any], permission: Permission) -> Announcement:
    units, stations = targets(args, permission)
    announcement = Announcement(
        segment=get_session().get(Segment, args["segment_id"]),
        note=args["note"],
        created_by=user.id,
    )
    announcement.units, announcement.stations = units, stations
    return announcement


@bp.get("/announcements")
@allowed(Permission.VIEW_SCHEDULE)
@bp.arguments(AnnouncementQuerySchema, location="query")
@bp.response(200, AnnouncementSchema(many=True))
def list_announcements(args: dict[str, Any]) -> list[Announcement]:
    """One-offs and emergencies reaching the caller's area, newest first."""
    user = me()
    query = select(Announcement).order_by(Announcement.id.desc())
    if args["kind"] == "emergency" or args["active"]:
        query = query.where(Announcement.level == Level.EMERGENCY)
    elif args["kind"] == "one_off":
        query = query.where(Announcement.level != Level.EMERGENCY)
    if args["active"]:
        query = query.where(Announcement.ended_at.is_(None), Announcement.expires_at > utcnow())
    found = [a for a in get_session().scalars(query) if announcement_visible(user, a)]
    return found[args["offset"] : args["offset"] + args["limit"]]


@bp.post("/announcements")
@allowed(Permission.MANAGE_SCHEDULE)
@bp.arguments(OneOffInSchema)
@bp.response(201, AnnouncementSchema)
def create_one_off(args: dict[str, Any]) -> Any:
    """Air an approved segment in chosen sessions (none: all) of chosen days at chosen places."""
    user = me()
    announcement = new_announcement(user, args, Permission.MANAGE_SCHEDULE)
    announcement.level = Level(args["level"])
    announcement.days, announcement.session_labels = args["days"], args["session_labels"]
    try:
        usable_segment(user, args["segment_id"])
        save_one_off(get_session(), announcement, today())
    except ScheduleError as exc:
        return refuse(exc)
    rebuild_later(reach(announcement))
    get_session().commit()
    return announcement, 201


@bp.post("/emergencies")
@allowed(Permission.SEND_EMERGENCY)
@bp.arguments(EmergencyInSchema)
@bp.response(201, BroadcastSchema)
def create_emergency(args: dict[str, Any]) -> Any:
    """Broadcast an emergency bulletin now: every reached station's playlists are rebuilt at once.

    It airs at `starts_at` (default now) and every `repeat_minutes` until `expires_at`;
    the bulletins in `supersedes` stop airing.
    """
    user = me()
    announcement = new_announcement(user, args, Permission.SEND_EMERGENCY)
    announcement.starts_at, announcement.expires_at = (
        utc(args["starts_at"]),
        utc(args["expires_at"]),
    )
    announcement.repeat_minutes = args["repeat_minutes"]
    ended = [get_session().get(Announcement, i) for i in dict.fromkeys(args["supersedes"])]
    try:
        usable_segment(user, args["segment_id"])
        if None in ended:
            raise ScheduleError("cannot_supersede")
        supersedes = [emergency_or_403(a.id) for a in ended if a is not None]
        result = send_emergency(announcement, supersedes)
    except ScheduleError as exc:
        return refuse(exc)
    broadcast = Broadcast(announcement, reach(announcement), result)
    get_session().commit()
    return broadcast, 201


@bp.post("/emergencies/preview")
@allowed(Permission.SEND_EMERGENCY)
@bp.arguments(PreviewInSchema)
@bp.response(200, ReachSchema)
def preview_emergency(args: dict[str, Any]) -> Any:
    """The stations an emergency to these units and stations would reach; nothing is stored."""
    units, stations = targets(args, Permission.SEND_EMERGENCY)
    if not units and not stations:
        return refuse(ScheduleError("no_target"))
    reached = stations_reached(get_session(), units, stations)
    return {"count": len(reached), "stations": reached}


@bp.post("/emergencies/<int:announcement_id>/cancel")
@allowed(Permission.SEND_EMERGENCY)
@bp.response(200, BroadcastSchema)
def cancel_bulletin(announcement_id: int) -> Any:
    """Stop an emergency: it airs no more, and its later airings leave the playlists."""
    announcement = emergency_or_403(announcement_id)
    try:
        result = cancel_emergency(announcement)
    except ScheduleError as exc:
        return refuse(exc)
    broadcast = Broadcast(announcement, reach(announcement), result)
    get_session().commit()
    return broadcast
