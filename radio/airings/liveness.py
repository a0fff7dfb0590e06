"""Whether each station's agent is alive, from the heartbeat it sends every few minutes.

One row per station keeps the agent's latest report (what it holds, its disk, its clock,
its recent errors). A station whose agent never reported is run by hand: it has no
agent state to lose, so it is never called silent by this rule.
"""

import enum
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import JSON, BigInteger, ForeignKey, String, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from audio_library.db import Base
from scheduler.playlists import Playlist, PlaylistItem, current_playlists
from scheduler.units import Station

VERSION_CHARS, KIND_CHARS, MESSAGE_CHARS = 40, 40, 500
MAX_PLAYLISTS, MAX_ERRORS = 40, 20
CLOCK_SKEW_LIMIT = timedelta(minutes=2)  # beyond this, the agent may air at the wrong time
LOW_DISK_BYTES = 200 * 1000 * 1000  # less than a few days of house-format MP3s


class AgentState(enum.StrEnum):
    LIVE = "live"
    SILENT = "silent"  # seen before, not within the threshold
    NO_AGENT = "no_agent"  # never reported: the station is run by hand


class WarningKind(enum.StrEnum):
    BEHIND = "behind"  # holds an older version of today's playlist than the current one
    CLOCK_SKEW = "clock_skew"
    LOW_DISK = "low_disk"


@dataclass(frozen=True)
class Held:
    day: date
    version: int


@dataclass(frozen=True)
class AgentError:
    at: datetime
    kind: str
    message: str


@dataclass(frozen=True)
class Playing:
    day: date
    session: int
    item_id: int | None = None


@dataclass(frozen=True)
class Report:
    """One heartbeat as the agent sent it, checked and typed."""

    agent_version: str
    clock: datetime
    disk_free_bytes: int
    pending_confirmations: int
    last_sync_at: datetime | None = None
    playlists: Sequence[Held] = ()
    errors: Sequence[AgentError] = ()  # most recent first
    playing: Playing | None = None


class StationHeartbeat(Base):
    """A station agent's latest heartbeat (one row per station: the latest wins)."""

    __tablename__ = "station_heartbeat"

    station_id: Mapped[int] = mapped_column(ForeignKey("station.id"), primary_key=True)
    first_seen_at: Mapped[datetime]
    received_at: Mapped[datetime]
    agent_version: Mapped[str] = mapped_column(String(VERSION_CHARS))
    last_sync_at: Mapped[datetime | None]
    playlists: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    disk_free_bytes: Mapped[int] = mapped_column(BigInteger)
    pending_confirmations: Mapped[int]
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    playing: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    clock_skew_seconds: Mapped[float]  # the agent's clock minus the server's at receipt
    remote_addr: Mapped[str] = mapped_column(String(45))
    # Set when the job flags the agent silent, cleared by its next heartbeat: an agent is
    # flagged (and logged) once per silence, and the digest lists the flagged ones.
    flagged_silent_at: Mapped[datetime | None]

    @property
    def held(self) -> list[Held]:
        return [Held(date.fromisoformat(p["date"]), p["version"]) for p in self.playlists]

    @property
    def recent_errors(self) -> list[AgentError]:
        return [
            AgentError(datetime.fromisoformat(e["at"]), e["kind"], e["message"])
            for e in self.errors
        ]

    @property
    def now_playing(self) -> Playing | None:
        p = self.playing
        return Playing(date.fromisoformat(p["date"]), p["session"], p["item_id"]) if p else None


def record_heartbeat(
    session: Session, station_id: int, report: Report, received_at: datetime, remote_addr: str
) -> None:
    """Store the station's latest heartbeat in one statement; the caller commits.

    An upsert, so that two heartbeats racing for a station's first row both succeed.
    """
    values: dict[str, Any] = {
        "received_at": received_at,
        "agent_version": report.agent_version,
        "last_sync_at": report.last_sync_at,
        "playlists": [{"date": h.day.isoformat(), "version": h.version} for h in report.playlists],
        "disk_free_bytes": report.disk_free_bytes,
        "pending_confirmations": report.pending_confirmations,
        "errors": [
            {"at": e.at.astimezone(UTC).isoformat(), "kind": e.kind, "message": e.message}
            for e in report.errors
        ],
        "playing": None
        if report.playing is None
        else {
            "date": report.playing.day.isoformat(),
            "session": report.playing.session,
            "item_id": report.playing.item_id,
        },
        "clock_skew_seconds": (report.clock - received_at).total_seconds(),
        "remote_addr": remote_addr[:45],
        "flagged_silent_at": None,
    }
    dialect = postgresql if session.connection().dialect.name == "postgresql" else sqlite
    insert = dialect.insert(StationHeartbeat).values(
        station_id=station_id, first_seen_at=received_at, **values
    )
    session.execute(
        insert.on_conflict_do_update(
            index_elements=[StationHeartbeat.station_id],
            set_={name: insert.excluded[name] for name in values},
        )
    )


@dataclass(frozen=True)
class AgentWarning:
    kind: WarningKind
    day: date | None = None  # behind: the day, the version held (0: none) and the current
    held: int | None = None
    current: int | None = None
    seconds: float | None = None  # clock skew
    free_bytes: int | None = None  # low disk


@dataclass(frozen=True)
class HeldPlaylist:
    """A playlist day the agent holds, against the server's current version (None: none)."""

    day: date
    held: int
    current: int | None


@dataclass
class Liveness:
    station_id: int
    state: AgentState
    heartbeat: StationHeartbeat | None = None
    held: list[HeldPlaylist] = field(default_factory=list)
    warnings: list[AgentWarning] = field(default_factory=list)


def liveness(
    session: Session, station_ids: Collection[int], now: datetime, threshold: timedelta
) -> dict[int, Liveness]:
    """Each station's agent state at `now`, and what its latest heartbeat warns of."""
    if not station_ids:
        return {}
    query = (
        select(StationHeartbeat, Station.timezone)
        .join(Station, Station.id == StationHeartbeat.station_id)
        .where(StationHeartbeat.station_id.in_(station_ids))
    )
    beats = {
        b.station_id: (b, now.astimezone(ZoneInfo(z)).date()) for b, z in session.execute(query)
    }
    days = {h.day for b, _today in beats.values() for h in b.held}
    current = _current_versions(session, list(beats), days | {t for _b, t in beats.values()})
    result = {sid: Liveness(sid, AgentState.NO_AGENT) for sid in station_ids}
    for sid, (beat, today) in beats.items():
        held: dict[date, int] = {}
        for h in beat.held:
            held[h.day] = max(h.version, held.get(h.day, 0))
        state = AgentState.SILENT if now - beat.received_at > threshold else AgentState.LIVE
        playlists = [
            HeldPlaylist(day, version, current[sid, day][0] if (sid, day) in current else None)
            for day, version in sorted(held.items())
        ]
        warnings = _warnings(
            beat, held.get(today, 0), today, current.get((sid, today)), now, threshold
        )
        result[sid] = Liveness(sid, state, beat, playlists, warnings)
    return result


def _warnings(
    beat: StationHeartbeat,
    held: int,
    today: date,
    current: tuple[int, datetime] | None,
    now: datetime,
    threshold: timedelta,
) -> list[AgentWarning]:
    warnings = []
    # A rebuild is not "behind" until the agent has had the threshold to fetch it.
    if current is not None and held < current[0] and now - current[1] > threshold:
        warnings.append(AgentWarning(WarningKind.BEHIND, today, held, current[0]))
    if abs(beat.clock_skew_seconds) > CLOCK_SKEW_LIMIT.total_seconds():
        warnings.append(AgentWarning(WarningKind.CLOCK_SKEW, seconds=beat.clock_skew_seconds))
    if beat.disk_free_bytes < LOW_DISK_BYTES:
        warnings.append(AgentWarning(WarningKind.LOW_DISK, free_bytes=beat.disk_free_bytes))
    return warnings


def _current_versions(
    session: Session, station_ids: list[int], days: set[date]
) -> dict[tuple[int, date], tuple[int, datetime]]:
    """(station, day) → the current playlist version and when it was built."""
    if not station_ids:
        return {}
    query = (
        current_playlists(min(days), max(days), station_ids)
        .where(Playlist.day.in_(sorted(days)))
        .with_only_columns(Playlist.station_id, Playlist.day, Playlist.version, Playlist.built_at)
    )
    return {(sid, day): (version, built) for sid, day, version, built in session.execute(query)}


def flag_silent_agents(
    session: Session, now: datetime, threshold: timedelta
) -> list[tuple[str, datetime]]:
    """Flag the active stations' agents that fell silent since the last run; the caller
    commits. Returns each newly flagged station's code and last heartbeat."""
    cutoff = now - threshold
    flagged = session.execute(
        update(StationHeartbeat)
        .where(
            StationHeartbeat.received_at < cutoff,
            StationHeartbeat.flagged_silent_at.is_(None),
            StationHeartbeat.station_id.in_(select(Station.id).where(Station.active.is_(True))),
        )
        .values(flagged_silent_at=now)
        .returning(StationHeartbeat.station_id, StationHeartbeat.received_at)
        .execution_options(synchronize_session=False)
    ).all()
    ids = [sid for sid, _at in flagged]
    codes = dict(session.execute(select(Station.id, Station.code).where(Station.id.in_(ids))).all())
    return sorted((codes[sid], at) for sid, at in flagged)


def flagged_silent(
    session: Session, station_ids: Collection[int]
) -> list[tuple[Station, datetime]]:
    """Those of these stations whose agent the job flagged silent and that has not
    reported since, with its last heartbeat."""
    if not station_ids:
        return []
    query = (
        select(Station, StationHeartbeat.received_at)
        .join(StationHeartbeat, StationHeartbeat.station_id == Station.id)
        .where(Station.id.in_(station_ids), StationHeartbeat.flagged_silent_at.is_not(None))
        .order_by(Station.code)
    )
    return [(station, at) for station, at in session.execute(query)]


def playing_title(session: Session, station_id: int, playing: Playing) -> str | None:
    """The title of the item the agent says it plays, if it is one of this station's."""
    if playing.item_id is None:
        return None
    query = (
        select(PlaylistItem.title)
        .join(Playlist, Playlist.id == PlaylistItem.playlist_id)
        .where(PlaylistItem.id == playing.item_id, Playlist.station_id == station_id)
    )
    return session.scalar(query)
