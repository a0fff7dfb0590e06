"""The station's broadcast page: what an operator opens on a phone each day.

Today's and the next days' sessions with their items, a play button on each, the
downloads their equipment needs, and a warning when the station holds an old version.
"""

from datetime import timedelta

from flask import Blueprint, abort, render_template, request
from flask_babel import gettext as _
from flask_login import login_required

from radio.db import get_session
from radio.delivery.links import player_urls
from radio.delivery.m3u8 import numbered_items
from radio.downloads import last_download
from radio.playlist_docs import playlist_doc
from radio.policy import Permission, station_or_403
from radio.schedule import local_today
from radio.schedule_messages import minutes_seconds
from radio.views.playlists import parse_day
from scheduler.playlists import current_playlists

bp = Blueprint("broadcast", __name__)

DAYS_SHOWN = 7  # today and the days the nightly build has planned ahead


@bp.get("/stations/<code>/playlist")
@login_required
def page(code: str) -> str:
    station = station_or_403(code, Permission.VIEW_SCHEDULE)
    today = local_today()
    last = today + timedelta(days=DAYS_SHOWN - 1)
    day = parse_day(request.args["day"]) if request.args.get("day") else today
    if not today <= day <= last:
        abort(400, _("This page shows today and the next %(n)s days.", n=DAYS_SHOWN - 1))
    session = get_session()
    built = {p.day: p for p in session.scalars(current_playlists(today, last, [station.id]))}
    doc = playlist_doc(station, built[day]) if day in built else None
    return render_template(
        "broadcast/page.html",
        station=station,
        day=day,
        today=today,
        days=sorted(built),
        doc=doc,
        items=list(numbered_items(doc)) if doc else [],
        url_of=player_urls(doc) if doc else None,
        held=last_download(session, station.id, day) if doc else None,
        mmss=minutes_seconds,
    )
