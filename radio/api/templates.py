"""Session templates of units and stations, and unit rules (quiet hours, limits)."""

from typing import Any

from werkzeug.wrappers import Response

from audio_library.segments import Topic
from radio.api.auth import blueprint
from radio.api.schedule_common import allowed, me, missing, refuse, usable_segment
from radio.api.template_schemas import (
    RulesSchema,
    TemplateFieldsSchema,
    TemplateInSchema,
    TemplateListSchema,
    TemplateQuerySchema,
    TemplateSchema,
)
from radio.audit_trail import log_change
from radio.db import get_session
from radio.people import User
from radio.policy import Permission, require, station_or_403, unit_or_403
from radio.schedule import rebuild_later
from radio.views.session_templates import template_unit
from scheduler.errors import ScheduleError
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

bp = blueprint("api_templates", __name__, "Schedule: session templates and unit rules")


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


def chain_of(template: SessionTemplate) -> tuple[int, ...]:
    """The units whose templates the template's place inherits, from the root down."""
    if template.station_id is not None:
        return get_session().get(Station, template.station_id).unit.ids_from_root  # type: ignore[union-attr]
    return get_session().get(Unit, template.unit_id).ids_from_root  # type: ignore[arg-type]


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
    action = "template.updated" if template.id else "template.created"
    try:
        with session.no_autoflush:
            fill_template(user, template, args)
        stations = save_template(session, template)
    except ScheduleError as exc:
        return refuse(exc)
    rebuild_later(stations)
    log_change(action, template.id, template.label, unit_id=template_unit(template))
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
        effective = book.effective_at(unit.ids_from_root)
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
    log_change("template.deleted", template.id, template.label, unit_id=template_unit(template))
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
    log_change("rules.changed", unit.id, unit.name, unit_id=unit.id)
    session.commit()
    return session.get(UnitRules, unit.id)
