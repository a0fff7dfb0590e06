"""A station's playlist for a day."""

import re
from dataclasses import dataclass
from datetime import date as Date
from datetime import datetime, timedelta
from typing import Any, NoReturn
from zoneinfo import ZoneInfo

from flask import abort, g, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from audio_library.segments import Topic
from radio.api.auth import api_station, blueprint
from radio.api.playlist_schemas import PlaylistSchema, PlaylistVersionSchema
from radio.db import get_session
from radio.policy import Permission, station_or_403
from radio.schedule_messages import REASON_LABELS, describe_report, session_label
from scheduler.build_job import today_in
from scheduler.campaigns import Campaign
from scheduler.playlists import Playlist, PlaylistItem, PlaylistSession, current_playlist
from scheduler.units import Station

bp = blueprint("api_playlists", __name__, "Playlists")

PAST_DAYS = 60  # how far back a playlist can be asked for
FUTURE_DAYS = 31  # how far ahead (builds never go further)
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class ItemDoc:
    """One playlist item as the API shows it: local times, words and links."""

    item: PlaylistItem
    zone: ZoneInfo
    topic: Topic | None
    campaign: Campaign | None

    @property
    def planned_start(self) -> datetime:
        return self.item.planned_start.astimezone(self.zone)

    @property
    def audio_url(self) -> str:
        if self.item.segment_id is None:
            return self.item.url
        return url_for(
            "api_segments.segment_audio", segment_id=self.item.segment_id, _external=True
        )

    @property
    def reason_label(self) -> str:
        return str(REASON_LABELS.get(self.item.reason, self.item.reason))


@dataclass(frozen=True)
class SessionDoc:
    session: PlaylistSession
    zone: ZoneInfo
    items: list[ItemDoc]

    @property
    def label(self) -> str:
        return session_label(self.session.label)

    @property
    def starts_at(self) -> datetime:
        return self.session.starts_at.astimezone(self.zone)


@dataclass(frozen=True)
class PlaylistDoc:
    station: Station
    playlist: Playlist
    sessions: list[SessionDoc]

    @property
    def report(self) -> list[dict[str, Any]]:
        return [{**entry, "message": describe_report(entry)} for entry in self.playlist.report]


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
    if day < today - timedelta(days=PAST_DAYS):
        first = today - timedelta(days=PAST_DAYS)
        abort(
            400,
            description=_(
                "Playlists can be read for the last %(days)s days only: "
                "choose a date from %(first)s on.",
                days=PAST_DAYS,
                first=first.isoformat(),
            ),
        )
    if day > today + timedelta(days=FUTURE_DAYS):
        last = today + timedelta(days=FUTURE_DAYS)
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


def playlist_doc(station: Station, playlist: Playlist) -> PlaylistDoc:
    """The playlist with its topics and campaigns looked up once."""
    session = get_session()
    items = [i for s in playlist.sessions for i in s.items]
    topic_ids = {i.topic_id for i in items if i.topic_id is not None}
    campaign_ids = {i.campaign_id for i in items if i.campaign_id is not None}
    topics = {t.id: t for t in session.scalars(select(Topic).where(Topic.id.in_(topic_ids)))}
    campaigns = {
        c.id: c for c in session.scalars(select(Campaign).where(Campaign.id.in_(campaign_ids)))
    }
    zone = ZoneInfo(station.timezone)
    sessions = [
        SessionDoc(
            s,
            zone,
            [
                ItemDoc(i, zone, topics.get(i.topic_id or 0), campaigns.get(i.campaign_id or 0))
                for i in s.items
            ],
        )
        for s in playlist.sessions
    ]
    return PlaylistDoc(station, playlist, sessions)


@bp.get("/stations/<code>/playlists/<date>")
@bp.response(200, PlaylistSchema)
def get_playlist(code: str, date: str) -> PlaylistDoc:
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
    return playlist_doc(station, playlist)


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
