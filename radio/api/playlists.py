"""A station's playlist for a day."""

import threading
from collections import OrderedDict
from datetime import date as Date
from typing import NoReturn

from flask import Response, abort, current_app, g, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from radio.api.auth import api_station, bearer_token, blueprint
from radio.api.playlist_schemas import PlaylistSchema, PlaylistVersionSchema
from radio.api.polling import unchanged_poll
from radio.db import get_session
from radio.delivery.http import document_etag, not_modified, revalidated
from radio.downloads import Format, record_download
from radio.playlist_docs import FUTURE_DAYS, ISO_DATE, PAST_DAYS, playlist_doc, readable_days
from radio.policy import Permission, station_or_403
from scheduler.build_job import today_in
from scheduler.playlists import Playlist, current_playlist
from scheduler.units import Station

bp = blueprint("api_playlists", __name__, "Playlists", shortcut=unchanged_poll)


def readable_station(code: str) -> Station:
    """The station whose schedule the caller may read: a device its own, a person in scope."""
    if g.get("device") is not None:
        return api_station(code)
    return station_or_403(code, Permission.VIEW_SCHEDULE)


def parse_day(station: Station, text: str) -> Date:
    """The date in the URL, or 400 saying what is wrong with it."""
    today = today_in(station.timezone)
    try:
        if not ISO_DATE.fullmatch(text):
            raise ValueError(text)
        day = Date.fromisoformat(text)
    except ValueError:
        abort(
            400,
            description=_(
                "The date “%(value)s” is not valid: write it as YYYY-MM-DD, "
                "for example %(example)s.",
                value=text,
                example=today.isoformat(),
            ),
        )
    first, last = readable_days(station.timezone)
    if day < first:
        abort(
            400,
            description=_(
                "Playlists can be read for the last %(days)s days only: "
                "choose a date from %(first)s on.",
                days=PAST_DAYS,
                first=first.isoformat(),
            ),
        )
    if day > last:
        abort(
            400,
            description=_(
                "Playlists are planned at most %(days)s days ahead: choose a date up to %(last)s.",
                days=FUTURE_DAYS,
                last=last.isoformat(),
            ),
        )
    return day


def not_built(station: Station, day: Date) -> NoReturn:
    abort(
        404,
        description=_(
            "No playlist has been built for station %(station)s on %(date)s.",
            station=station.code,
            date=day.isoformat(),
        ),
    )


@bp.get("/stations/<code>/playlists/<date>")
@bp.response(200, PlaylistSchema)
def get_playlist(code: str, date: str) -> Response:
    """The current version of a station's playlist for a day.

    Sessions and items carry local times (ISO 8601 with the station's offset), each
    segment's audio URL and sha256, and why the item is there. A station token reads
    only its own station; people read the stations in their scope. Dates from 60 days
    back to 31 days ahead; a day that has no playlist yet answers 404.
    """
    station = readable_station(code)
    day = parse_day(station, date)
    playlist = current_playlist(get_session(), station.id, day)
    if playlist is None:
        not_built(station, day)
    etag = document_etag(Format.JSON, playlist.id)
    unchanged = not_modified(etag)
    if unchanged is not None:
        return unchanged
    body = rendered(station, playlist)
    record([playlist], Format.JSON)
    return revalidated(current_app.response_class(body, mimetype="application/json"), etag)


def rendered(station: Station, playlist: Playlist) -> bytes:
    """The JSON of a playlist version, made once per language and host in this process.

    A version never changes, so its document is kept (the names of its topics and
    campaigns as they were when it was first asked for, as the ETag promises).
    """
    bodies: Bodies = current_app.extensions.setdefault("radio.playlist_bodies", Bodies())
    key = (playlist.id, str(get_locale()), request.host_url)
    body = bodies.get(key)
    if body is None:
        text = current_app.json.dumps(PlaylistSchema().dump(playlist_doc(station, playlist)))
        body = bodies.put(key, text.encode())
    return body


class Bodies:
    """A small least-recently-used store of rendered documents, safe across threads."""

    SIZE = 512

    def __init__(self) -> None:
        self._items: OrderedDict[tuple[int, str, str], bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[int, str, str]) -> bytes | None:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
            return self._items.get(key)

    def put(self, key: tuple[int, str, str], body: bytes) -> bytes:
        with self._lock:
            self._items[key] = body
            if len(self._items) > self.SIZE:
                self._items.popitem(last=False)
        return body


def record(playlists: list[Playlist], format: Format, session_number: int | None = None) -> None:
    person = current_user if current_user.is_authenticated else None
    for playlist in playlists:
        record_download(
            get_session(),
            playlist,
            format,
            user=person,
            token=bearer_token(),
            session_number=session_number,
            remote_addr=request.remote_addr or "",
        )
    get_session().commit()


@bp.get("/stations/<code>/playlists/<date>/versions")
@bp.response(200, PlaylistVersionSchema(many=True))
def list_versions(code: str, date: str) -> list[Playlist]:
    """Every version of a station-day's playlist, newest first, with what each changed."""
    station = readable_station(code)
    day = parse_day(station, date)
    query = (
        select(Playlist)
        .where(Playlist.station_id == station.id, Playlist.day == day)
        .order_by(Playlist.version.desc())
    )
    versions = list(get_session().scalars(query))
    if not versions:
        not_built(station, day)
    return versions
