"""A station device polling the playlist it already holds: a 304 from one query.

Devices poll every few minutes and almost always hold the current version, so this
answer is the bulk of the server's work. It is made before the usual authentication,
with a single query (token → its station → that day's newest version) and no ORM
objects; anything it cannot settle (a person, a changed version, a bad date, a token
whose last use is due to be written down) goes the usual way.
"""

from datetime import date, datetime

from flask import Response, request
from sqlalchemy import bindparam, select

from audio_library.db import utcnow
from radio import db
from radio.delivery.http import document_etag, not_modified
from radio.downloads import Format
from radio.playlist_docs import ISO_DATE, readable_days
from radio.tokens import USE_GRAIN, AccessToken, token_digest
from scheduler.playlists import Playlist
from scheduler.units import Station

_newest = (
    select(Playlist.id)
    .where(Playlist.station_id == Station.id, Playlist.day == bindparam("day"))
    .order_by(Playlist.version.desc())
    .limit(1)
    .correlate(Station)
    .scalar_subquery()
)
POLL = (
    select(AccessToken.last_used_at, Station.timezone, _newest.label("playlist_id"))
    .join(Station, Station.id == AccessToken.station_id)
    .where(
        AccessToken.digest == bindparam("digest"),
        AccessToken.revoked_at.is_(None),
        Station.code == bindparam("code"),
    )
)


def unchanged_poll() -> Response | None:
    """304 when a station's own token asks for the JSON version it holds; else None."""
    scheme, _sep, plain = request.headers.get("Authorization", "").partition(" ")
    args = request.view_args or {}
    text = str(args.get("date", ""))
    if (
        request.endpoint != "api_playlists.get_playlist"
        or not request.if_none_match
        or scheme.lower() != "bearer"
        or not ISO_DATE.fullmatch(text)
    ):
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return None
    values = {"digest": token_digest(plain.strip()), "code": args.get("code"), "day": day}
    # one read, so no transaction to begin and roll back (two round trips on PostgreSQL)
    with db.engine().connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        row = connection.execute(POLL, values).one_or_none()
    if row is None or row.playlist_id is None or not _fresh(row.last_used_at):
        return None
    first, last = readable_days(row.timezone)
    if not first <= day <= last:
        return None
    return not_modified(document_etag(Format.JSON, row.playlist_id))


def _fresh(last_used: datetime | None) -> bool:
    """Whether the token's last use is recent enough not to be written down again."""
    return last_used is not None and utcnow() - last_used < USE_GRAIN
