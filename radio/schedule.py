"""What every page, API route and command does after a schedule change: rebuild playlists."""

from datetime import date, datetime, timedelta

from flask import current_app
from flask_login import current_user

from audio_library.db import utcnow
from audio_library.jobs import Job
from radio.db import get_session
from scheduler.announcements import Announcement, end_emergency, issue_emergency, stations_reached
from scheduler.build_job import DAYS_AHEAD, request_build, today_in
from scheduler.builder import BuildResult, build_playlists
from scheduler.units import Station


def local_today() -> date:
    """Today in the deployment's time zone (stations may have their own)."""
    return today_in(current_app.config["TIMEZONE"])


def _user_id() -> int | None:
    return current_user.id if current_user and current_user.is_authenticated else None


def rebuild_later(stations: list[Station] | None) -> Job:
    """Queue a rebuild of the next days for these stations (None: all of them)."""
    return request_build(
        get_session(),
        local_today(),
        station_ids=None if stations is None else [s.id for s in stations],
        user_id=_user_id(),
    )


def reach(announcement: Announcement) -> list[Station]:
    return stations_reached(get_session(), announcement.units, announcement.stations)


def send_emergency(announcement: Announcement, supersedes: list[Announcement]) -> BuildResult:
    """Store an emergency and rebuild the reached stations' playlists now, not later."""
    now = utcnow()
    issue_emergency(get_session(), announcement, now, supersedes)
    return _rebuild_now([announcement, *supersedes], now)


def cancel_emergency(announcement: Announcement) -> BuildResult:
    """Stop an emergency from airing again and take its later airings off the playlists."""
    now = utcnow()
    end_emergency(get_session(), announcement, now)
    return _rebuild_now([announcement], now)


def _rebuild_now(announcements: list[Announcement], now: datetime) -> BuildResult:
    zone = current_app.config["TIMEZONE"]
    stations = {s.id for a in announcements for s in reach(a)}
    first = today_in(zone, now)
    last = max(today_in(zone, a.expires_at or now) for a in announcements)
    days = min((last - first).days + 1, DAYS_AHEAD)
    # A second of slack: the airing that starts "now" is still in the future for the build.
    return build_playlists(
        get_session(),
        first,
        max(days, 1),
        now=now - timedelta(seconds=1),
        station_ids=sorted(stations),
        trigger="emergency",
    )
