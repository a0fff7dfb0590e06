"""Signed, expiring links to a segment's audio, for players that cannot send a token.

An M3U8 playlist or the operator page hands these to a player: the link itself is the
permission (which segment, for which station, until when), so nothing else is asked.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app, url_for
from itsdangerous import BadSignature, URLSafeSerializer

from audio_library.db import utcnow
from radio.delivery.m3u8 import file_name
from radio.playlist_docs import ItemDoc, PlaylistDoc

SALT = "segment-audio-link"
# A link works until the end of the day after its playlist's day, local time: long enough
# for a station that downloads days ahead, short enough that a leaked list goes stale.
GRACE = timedelta(days=1)


class LinkError(Exception):
    """A link that was altered (no expiry known) or has expired (at expired_at)."""

    def __init__(self, expired_at: datetime | None = None) -> None:
        super().__init__("expired" if expired_at else "tampered")
        self.expired_at = expired_at


@dataclass(frozen=True)
class Link:
    segment_id: int
    station_id: int
    expires: datetime


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def expiry_for(day: date, timezone: str) -> datetime:
    end_of_day = datetime.combine(day + timedelta(days=1), time(), ZoneInfo(timezone))
    return (end_of_day + GRACE).astimezone(UTC)


def signed_url(link: Link, file_name: str) -> str:
    token = _serializer().dumps([link.segment_id, link.station_id, int(link.expires.timestamp())])
    return url_for("api_links.fetch", token=token, name=file_name, _external=True)


def player_urls(doc: PlaylistDoc) -> Callable[[int, ItemDoc], str]:
    """Signed links to the items of one station-day, named like the ZIP's files."""
    expires = expiry_for(doc.playlist.day, doc.station.timezone)

    def url_of(number: int, item: ItemDoc) -> str:
        if item.item.segment_id is None:
            return item.item.url  # a relay's own stream
        link = Link(item.item.segment_id, doc.station.id, expires)
        return signed_url(link, file_name(number, item))

    return url_of


def read_link(token: str, now: datetime | None = None) -> Link:
    """The link behind a token, or LinkError if it was altered or has expired."""
    try:
        segment_id, station_id, expires = _serializer().loads(token)
        link = Link(int(segment_id), int(station_id), datetime.fromtimestamp(int(expires), UTC))
    except (BadSignature, TypeError, ValueError) as exc:
        raise LinkError() from exc
    if link.expires <= (now or utcnow()):
        raise LinkError(link.expires)
    return link
