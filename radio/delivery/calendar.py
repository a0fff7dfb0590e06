"""The sessions of a station's playlist as an iCalendar file, for a calendar app.

One event per session, in the station's zone with its VTIMEZONE. The UID names the
station, day and session, and SEQUENCE is the playlist version, so a calendar that
imports a newer version updates its events instead of doubling them.
"""

from collections.abc import Sequence
from datetime import timedelta

from flask_babel import gettext as _
from icalendar import Calendar, Event

from radio.playlist_docs import PlaylistDoc, SessionDoc
from radio.schedule_messages import minutes_seconds
from scheduler.playlists import SessionKind

PRODID = "-//Loa xa//Playlist sessions//VI"


def sessions_calendar(docs: Sequence[PlaylistDoc]) -> bytes:
    """The calendar of one or more days of a station's playlist (one doc a day, in order)."""
    if not docs:
        raise ValueError("a calendar needs at least one playlist")
    station = docs[0].station
    calendar = Calendar.new(
        name=_("Broadcasts of %(station)s", station=station.name),
        prodid=PRODID,
        uid=f"{station.code}@loa-xa",
    )
    place = docs[0].place
    for doc in docs:
        for session in doc.sessions:
            calendar.add_component(session_event(doc, session, place))
    days = [doc.playlist.day for doc in docs]
    # Only the offsets around these days: the zone's full history would swell the file.
    calendar.add_missing_timezones(min(days) - timedelta(days=1), max(days) + timedelta(days=2))
    return calendar.to_ical()


def session_event(doc: PlaylistDoc, session: SessionDoc, place: str) -> Event:
    start = session.starts_at
    seconds = session.session.planned_seconds
    emergency = session.session.kind == SessionKind.EMERGENCY
    summary = f"{session.label} · {doc.station.name}"
    if emergency:
        titles = ", ".join(item.item.title for item in session.items) or session.label
        summary = _("EMERGENCY: %(titles)s · %(station)s", titles=titles, station=doc.station.name)
    return Event.new(
        uid=f"{doc.station.code}-{doc.playlist.day.isoformat()}-{session.session.number}@loa-xa",
        start=start,
        # An empty session has no length; an event may not end when it starts.
        end=start + timedelta(seconds=seconds) if seconds else None,
        summary=summary,
        description=item_list(session),
        location=place,
        sequence=doc.playlist.version,
        stamp=doc.playlist.built_at,
        priority=1 if emergency else None,
    )


def item_list(session: SessionDoc) -> str:
    if not session.items:
        return _("Nothing to air in this session.")
    return "\n".join(
        f"{item.planned_start:%H:%M:%S} {item.item.title} ({minutes_seconds(item.item.duration)})"
        for item in session.items
    )
