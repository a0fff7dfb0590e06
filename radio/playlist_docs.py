"""A station-day's playlist as people and devices read it: local times, words and links.

The API's JSON, the operator page and the download formats (M3U8, ZIP, sheet, calendar)
are all written from these documents.
"""

import re
from dataclasses import dataclass
from datetime import date as Date
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import select

from audio_library.segments import Topic
from radio.db import get_session
from radio.schedule_messages import REASON_LABELS, describe_report, session_label
from scheduler.build_job import today_in
from scheduler.campaigns import Campaign
from scheduler.playlists import Playlist, PlaylistItem, PlaylistSession, current_playlists
from scheduler.units import Station, ancestors


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
    def place(self) -> str:
        """The station's units the way an address is written: commune, district, province."""
        units = ancestors(get_session(), self.station.unit)
        return ", ".join(unit.name for unit in reversed(units))

    @property
    def report(self) -> list[dict[str, Any]]:
        return [{**entry, "message": describe_report(entry)} for entry in self.playlist.report]


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


ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")  # the only form a date is read in
PAST_DAYS = 60  # how far back a playlist can be read
FUTURE_DAYS = 31  # how far ahead (builds never go further)


def readable_days(timezone: str) -> tuple[Date, Date]:
    """The first and last day whose playlist can be read today in this zone."""
    today = today_in(timezone)
    return today - timedelta(days=PAST_DAYS), today + timedelta(days=FUTURE_DAYS)


def station_days(station: Station, first: Date, days: int) -> list[Playlist]:
    """The current playlists of the station from `first` on, for the days that have one."""
    last = first + timedelta(days=days - 1)
    query = current_playlists(first, last, [station.id]).order_by(Playlist.day)
    return list(get_session().scalars(query))


def airing_session(playlist: Playlist, number: str) -> PlaylistSession:
    """The session numbered `number` that has something to air, or LookupError in words."""
    airing = [s for s in playlist.sessions if s.items]
    for session in airing:
        if str(session.number) == number:
            return session
    raise LookupError(
        _(
            "Session %(number)s is not in the playlist of %(date)s; its sessions are: %(numbers)s.",
            number=number,
            date=playlist.day.isoformat(),
            numbers=", ".join(str(s.number) for s in airing) or "—",
        )
    )
