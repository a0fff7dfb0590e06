"""One-off announcements and emergency bulletins: send, preview, cancel, list."""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select

from audio_library.db import utcnow
from audio_library.segments import Level, Segment
from radio.api.announcement_schemas import (
    AnnouncementQuerySchema,
    AnnouncementSchema,
    BroadcastSchema,
    EmergencyInSchema,
    OneOffInSchema,
    PreviewInSchema,
    ReachSchema,
)
from radio.api.auth import blueprint
from radio.api.schedule_common import allowed, me, missing, refuse, usable_segment
from radio.audit_trail import log_broadcast
from radio.db import get_session
from radio.people import User
from radio.policy import (
    Permission,
    announcements_visible,
    require,
    station_or_403,
    unit_or_403,
)
from radio.schedule import cancel_emergency, local_today, reach, rebuild_later, send_emergency
from scheduler.announcements import Announcement, save_one_off, stations_reached
from scheduler.builder import BuildResult
from scheduler.errors import ScheduleError
from scheduler.units import Station, Unit

bp = blueprint("api_announcements", __name__, "Schedule: one-off announcements and emergencies")


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
    query = select(Announcement).where(announcements_visible(me())).order_by(Announcement.id.desc())
    if args["kind"] == "emergency" or args["active"]:
        query = query.where(Announcement.level == Level.EMERGENCY)
    elif args["kind"] == "one_off":
        query = query.where(Announcement.level != Level.EMERGENCY)
    if args["active"]:
        query = query.where(Announcement.ended_at.is_(None), Announcement.expires_at > utcnow())
    return list(get_session().scalars(query.offset(args["offset"]).limit(args["limit"])))


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
        save_one_off(get_session(), announcement, local_today())
    except ScheduleError as exc:
        return refuse(exc)
    rebuild_later(reach(announcement))
    log_broadcast("one_off.created", announcement)
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
    log_broadcast("emergency.sent", announcement)
    for old in supersedes:
        log_broadcast("emergency.superseded", old)
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
    log_broadcast("emergency.ended", announcement)
    get_session().commit()
    return broadcast
