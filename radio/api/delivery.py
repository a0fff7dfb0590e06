"""What a station fetches: M3U8, a ZIP bundle, pre-mixed sessions, the sheet, a calendar.

Every format answers 304 while the station already holds the current version, and every
full answer is recorded (who fetched which version, when) for the operator page and audit.
"""

from typing import Any

from flask import Response, request
from flask_babel import gettext as _
from werkzeug.exceptions import InternalServerError, NotFound

from audio_library.ffmpeg import AudioError
from radio import audio
from radio.api.auth import blueprint
from radio.api.playlist_schemas import DaysSchema
from radio.api.playlists import not_built, parse_day, readable_station, record
from radio.delivery.formats import MIMETYPES, file_name, writer
from radio.delivery.http import REVALIDATE, document_etag, not_modified, revalidated, send_audio
from radio.downloads import Format
from radio.playlist_docs import airing_session, playlist_doc, station_days
from scheduler.playlists import Playlist
from scheduler.units import Station

bp = blueprint("api_delivery", __name__, "Downloads for stations and their players")

PLAYLIST_PATH = "/stations/<code>/playlists/<date>"


def playlists_from(code: str, date: str, days: int = 1) -> tuple[Station, list[Playlist]]:
    """The current playlists of `days` days from `date`; 404 if the first has none."""
    station = readable_station(code)
    first = parse_day(station, date)
    found = station_days(station, first, days)
    if not found or found[0].day != first:
        not_built(station, first)
    return station, found


def deliver(code: str, date: str, format: Format, days: int = 1) -> Response:
    """The format made of the days' playlists, or 304 if the caller has this version."""
    station, playlists = playlists_from(code, date, days)
    etag = document_etag(format, *(p.id for p in playlists))
    unchanged = not_modified(etag)
    if unchanged is not None:
        return unchanged
    docs = [playlist_doc(station, p) for p in playlists]
    response = Response(writer(format, days)(docs), mimetype=MIMETYPES[format])
    name = file_name(station.code, docs, format)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    record(playlists, format)
    return revalidated(response, etag)


@bp.get(f"{PLAYLIST_PATH}.m3u8")
@bp.response(200, description="M3U8, signed audio links", content_type=MIMETYPES[Format.M3U8])
def get_m3u8(code: str, date: str) -> Response:
    """The day's items as an M3U8 playlist that any player can follow.

    Each segment's URL is a signed link that works without a token until the end of the
    day after the playlist's day; relays keep their stream URL.
    """
    return deliver(code, date, Format.M3U8)


@bp.get(f"{PLAYLIST_PATH}.zip")
@bp.arguments(DaysSchema, location="query")
@bp.response(200, description="MP3s, M3U8, sheet, README", content_type=MIMETYPES[Format.ZIP])
def get_zip(args: dict[str, Any], code: str, date: str) -> Response:
    """A bundle for a station with a bad connection: streamed as it is made.

    One folder per day with the MP3 files numbered in airing order
    (`01_0600_ban-tin-phong-chong-ma-tuy.mp3`), an M3U8 with relative paths and the
    printable sheet; a short README in Vietnamese. `days` (1-7) bundles several days.
    """
    return deliver(code, date, Format.ZIP, args["days"])


@bp.get(f"{PLAYLIST_PATH}.pdf")
@bp.arguments(DaysSchema, location="query")
@bp.response(200, description="Printable sheet, A4", content_type=MIMETYPES[Format.PDF])
def get_sheet(args: dict[str, Any], code: str, date: str) -> Response:
    """The printable sheet: sessions, items, times and boxes for the operator's signature."""
    return deliver(code, date, Format.PDF, args["days"])


@bp.get(f"{PLAYLIST_PATH}.ics")
@bp.arguments(DaysSchema, location="query")
@bp.response(200, description="iCalendar of the sessions", content_type=MIMETYPES[Format.ICS])
def get_calendar(args: dict[str, Any], code: str, date: str) -> Response:
    """The sessions as calendar events, for the operator's calendar app."""
    return deliver(code, date, Format.ICS, args["days"])


@bp.get(f"{PLAYLIST_PATH}/sessions/<number>.mp3")
@bp.response(
    200,
    description="The session pre-mixed into one MP3, with ETag and Range support",
    content_type="audio/mpeg",
)
def get_session_mix(code: str, date: str, number: str) -> Response:
    """One session as a single MP3 to press play on: every item at its planned time.

    The gaps between items are silence as the session is configured; a relay is silence
    of its length (it airs live from its source). Its length matches the planned length.
    """
    station, playlists = playlists_from(code, date)
    try:
        session = airing_session(playlists[0], number)
    except LookupError as missing:
        raise NotFound(str(missing)) from missing
    try:
        mix = audio.mixer().mix(session)
    except AudioError as exc:
        raise InternalServerError(_("The audio of this session could not be mixed.")) from exc
    name = f"loa-xa_{station.code}_{date}_buoi-{session.number}.mp3"
    response = send_audio(mix.path, mix.path.stem, name, cache=REVALIDATE)
    if response.status_code == 200 or (request.range and request.range.ranges[0][0] == 0):
        record(playlists, Format.MP3, session.number)
    return response
