"""Station day view and unit calendar of playlists."""

from collections.abc import Callable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required

from radio.db import get_session
from radio.playlist_docs import ISO_DATE
from radio.policy import Permission, station_or_403, unit_or_403
from radio.schedule import local_today
from radio.schedule_messages import minutes_seconds
from scheduler.playlist_views import day_view, stations_below, warning_counts, week_cells
from scheduler.units import path_names

bp = Blueprint("playlists", __name__)

PAGE_SIZE = 100
# What the calendar's summary counts, worded for people.
WARNING_LABELS = {
    "missing": _l("Days without a playlist: %(n)s"),
    "quota_shortfall": _l("Campaign quotas not met: %(n)s"),
    "overflow": _l("Items that did not fit in their session: %(n)s"),
    "day_limit": _l("Days that reached the daily limit: %(n)s"),
    "fixed_missing": _l("Fixed items missing: %(n)s"),
    "one_off_not_placed": _l("One-off announcements not placed: %(n)s"),
}


def parse_day(text: str) -> date:
    """A YYYY-MM-DD date from the URL, or a 400 page that says how to write it."""
    try:
        if ISO_DATE.fullmatch(text):
            return date.fromisoformat(text)
    except ValueError:
        pass
    abort(400, _("A date is not valid; use the form YYYY-MM-DD."))


def clock(zone: ZoneInfo, pattern: str = "%H:%M") -> Callable[[datetime], str]:
    """Format stored UTC times in the station's zone."""
    return lambda moment: moment.astimezone(zone).strftime(pattern)


@bp.get("/stations/<code>/playlists/<day>")
@login_required
def day(code: str, day: str) -> tuple[str, int]:
    station = station_or_403(code, Permission.VIEW_SCHEDULE)
    on = parse_day(day)
    view = day_view(get_session(), station, on)
    zone = ZoneInfo(station.timezone)
    page = render_template(
        "playlists/day.html",
        station=station,
        day=on,
        view=view,
        playlist=view.playlist,
        previous=on - timedelta(days=1),
        following=on + timedelta(days=1),
        hhmm=clock(zone),
        hhmmss=clock(zone, "%H:%M:%S"),  # items a few seconds long start in the same minute
        built_at=(
            view.playlist.built_at.astimezone(zone).strftime("%d/%m/%Y %H:%M")
            if view.playlist
            else ""
        ),
        mmss=minutes_seconds,
    )
    return page, 200 if view.playlist else 404


@bp.get("/units/<int:unit_id>/calendar")
@login_required
def calendar(unit_id: int) -> str:
    unit = unit_or_403(unit_id, Permission.VIEW_SCHEDULE)
    session = get_session()
    asked = request.args.get("week")
    some_day = parse_day(asked) if asked else local_today()
    monday = some_day - timedelta(days=some_day.weekday())
    page = max(1, request.args.get("page", 1, type=int))
    stations = stations_below(session, unit, PAGE_SIZE + 1, (page - 1) * PAGE_SIZE)
    has_more = len(stations) > PAGE_SIZE
    stations = stations[:PAGE_SIZE]
    cells = week_cells(session, stations, monday)
    counts = warning_counts(cells)
    return render_template(
        "playlists/calendar.html",
        unit=unit,
        path=path_names(session, [unit])[unit.id],
        monday=monday,
        days=[monday + timedelta(days=i) for i in range(7)],
        stations=stations,
        cells=cells,
        previous_week=monday - timedelta(days=7),
        next_week=monday + timedelta(days=7),
        summary=[str(label) % {"n": counts[k]} for k, label in WARNING_LABELS.items() if counts[k]],
        page=page,
        has_more=has_more,
        mmss=minutes_seconds,
    )
