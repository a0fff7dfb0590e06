"""Whether a campaign's quotas can be met, and how far each station has got this week."""

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func
from sqlalchemy.orm import Session

from audio_library.segments import State
from scheduler.campaigns import Campaign, Quota, QuotaKind
from scheduler.errors import ScheduleError
from scheduler.playlists import Playlist, PlaylistItem, current_playlists
from scheduler.templates import Place, TemplateBook, stations_under
from scheduler.units import Station


@dataclass(frozen=True)
class Infeasible:
    """A quota that no schedule can meet at a station, with what it needs and has."""

    quota: Quota
    station: Station
    needed: float  # sessions or seconds a week
    available: float


def target_stations(session: Session, campaign: Campaign) -> list[Station]:
    found: dict[int, Station] = {}
    for unit in campaign.target_units():
        found.update({s.id: s for s in stations_under(session, unit)})
    return sorted(found.values(), key=lambda s: s.code)


def quota_week(campaign: Campaign, today: date) -> date:
    """The day whose week the quotas are checked against: today, moved into the period."""
    return min(max(today, campaign.starts_on), campaign.ends_on)


def infeasible_quotas(session: Session, campaign: Campaign, week_of: date) -> list[Infeasible]:
    """Quotas that the stations' weekly sessions cannot hold, even with nothing else on air.

    A pool segment can air once per session, and all that a quota asks must fit in the
    sessions' length; a station short of either cannot meet it.
    """
    book = TemplateBook.load(session)
    monday = week_of - timedelta(days=week_of.weekday())
    pool = [s for s in campaign.segments]
    problems = []
    for station in target_stations(session, campaign):
        place = Place.of(station)
        week = [t for i in range(7) for t in book.sessions_on(place, monday + timedelta(days=i))]
        seconds = float(sum(t.max_minutes * 60 for t in week))
        for quota in campaign.quotas:
            if quota.kind == QuotaKind.SEGMENT_PLAYS:
                needed_seconds = quota.times_per_week * sum(s.duration for s in pool)
                if pool and quota.times_per_week > len(week):
                    problems.append(Infeasible(quota, station, quota.times_per_week, len(week)))
                elif needed_seconds > seconds:
                    problems.append(Infeasible(quota, station, needed_seconds, seconds))
            elif quota.minutes_per_week * 60 > seconds:
                problems.append(Infeasible(quota, station, quota.minutes_per_week * 60, seconds))
    return problems


def check_quotas(session: Session, campaign: Campaign, week_of: date) -> None:
    """Refuse quotas that cannot be met (the caller rolls back)."""
    problems = infeasible_quotas(session, campaign, week_of)
    if problems:
        first = problems[0]
        raise ScheduleError(
            "quota_infeasible",
            station=first.station.code,
            needed=round(first.needed),
            available=round(first.available),
            stations=len({p.station.id for p in problems}),
        )


@dataclass(frozen=True)
class Progress:
    station: Station
    quota: Quota
    planned: float  # plays of the least planned pool segment, or seconds of the topic
    required: float

    @property
    def met(self) -> bool:
        return self.planned >= self.required


def quota_progress(session: Session, campaign: Campaign, week_of: date) -> list[Progress]:
    """Per target station and quota: what the week's current playlists plan."""
    monday = week_of - timedelta(days=week_of.weekday())
    sunday = monday + timedelta(days=6)
    stations = target_stations(session, campaign)
    current = current_playlists(monday, sunday, [s.id for s in stations])
    base = (
        current.with_only_columns(
            Playlist.station_id,
            PlaylistItem.segment_id,
            PlaylistItem.topic_id,
            func.count().label("plays"),
            func.sum(PlaylistItem.duration).label("seconds"),
        )
        .join(PlaylistItem, PlaylistItem.playlist_id == Playlist.id)
        .where(PlaylistItem.segment_id.is_not(None))
        .group_by(Playlist.station_id, PlaylistItem.segment_id, PlaylistItem.topic_id)
    )
    plays: dict[tuple[int, int], int] = {}
    topic_seconds: dict[tuple[int, int], float] = {}
    for row in session.execute(base):
        plays[(row.station_id, row.segment_id)] = row.plays
        key = (row.station_id, row.topic_id)
        topic_seconds[key] = topic_seconds.get(key, 0.0) + float(row.seconds)
    # Only what may air that week counts: a draft or expired pool segment never will.
    pool = [
        s.id
        for s in campaign.segments
        if s.state == State.APPROVED
        and (s.air_from is None or s.air_from <= sunday)
        and (s.air_until is None or s.air_until >= monday)
    ]
    out = []
    for station in stations:
        for quota in campaign.quotas:
            if quota.kind == QuotaKind.SEGMENT_PLAYS:
                least = min((plays.get((station.id, s), 0) for s in pool), default=0)
                out.append(Progress(station, quota, least, quota.times_per_week))
            else:
                done = topic_seconds.get((station.id, quota.topic_id or 0), 0.0)
                out.append(Progress(station, quota, done, quota.minutes_per_week * 60))
    return out
