"""One-off announcements and emergency bulletins (phát khẩn cấp) for chosen places.

One-offs air in chosen sessions of chosen days. An emergency airs at once — in an
extra session at its start — and again every `repeat_minutes` until it expires, is
cancelled, or a newer bulletin supersedes it (Thông tư 39/2020).
"""

from collections.abc import Iterator
from datetime import date, datetime, timedelta

from sqlalchemy import JSON, Column, ForeignKey, String, Table, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from audio_library.db import Base, nfc, utcnow
from audio_library.segments import Level, Segment, State
from scheduler.errors import ScheduleError
from scheduler.units import Station, Unit

MAX_ONE_OFF_DAYS = 62
MAX_EMERGENCY_HOURS = 7 * 24
MIN_REPEAT_MINUTES = 15

announcement_unit = Table(
    "announcement_unit",
    Base.metadata,
    Column("announcement_id", ForeignKey("announcement.id"), primary_key=True),
    Column("unit_id", ForeignKey("unit.id"), primary_key=True),
)
announcement_station = Table(
    "announcement_station",
    Base.metadata,
    Column("announcement_id", ForeignKey("announcement.id"), primary_key=True),
    Column("station_id", ForeignKey("station.id"), primary_key=True),
)


class Announcement(Base):
    __tablename__ = "announcement"

    id: Mapped[int] = mapped_column(primary_key=True)
    segment_id: Mapped[int] = mapped_column(ForeignKey("segment.id"), index=True)
    level: Mapped[Level] = mapped_column(String(12), default=Level.NORMAL)
    note: Mapped[str] = mapped_column(String(300), default="")
    # One-offs: the days (ISO dates) and session labels (none: every session that day).
    days: Mapped[list[str]] = mapped_column(JSON, default=list)
    session_labels: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Emergencies: when they start and stop airing, and how often they repeat.
    starts_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
    repeat_minutes: Mapped[int | None]
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("announcement.id"))
    ended_at: Mapped[datetime | None]  # superseded or cancelled: no airing after this
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    segment: Mapped[Segment] = relationship()
    units: Mapped[list[Unit]] = relationship(secondary=announcement_unit, order_by=Unit.path)
    stations: Mapped[list[Station]] = relationship(
        secondary=announcement_station, order_by=Station.code
    )

    @property
    def is_emergency(self) -> bool:
        return self.level == Level.EMERGENCY

    def airings(self) -> Iterator[datetime]:
        """When an emergency goes out: its start, then every repeat until it stops."""
        if self.starts_at is None or self.expires_at is None:
            return
        stop = min(self.expires_at, self.ended_at or self.expires_at)
        at = self.starts_at
        while at < stop:
            yield at
            if not self.repeat_minutes:
                return
            at += timedelta(minutes=self.repeat_minutes)

    def reaches(self, station: Station) -> bool:
        return any(s.id == station.id for s in self.stations) or any(
            u.contains(station.unit) for u in self.units
        )


def stations_reached(session: Session, units: list[Unit], stations: list[Station]) -> list[Station]:
    """Every active station a broadcast to these units and stations reaches, once each."""
    found = {s.id: s for s in stations if s.active}
    for unit in units:
        query = (
            select(Station)
            .join(Station.unit)
            .where(Unit.path.startswith(unit.path, autoescape=True), Station.active.is_(True))
        )
        found.update({s.id: s for s in session.scalars(query)})
    return sorted(found.values(), key=lambda s: s.code)


def _check_common(announcement: Announcement) -> None:
    announcement.note = nfc(announcement.note or "").strip()
    segment = announcement.segment
    if segment is None:
        raise ScheduleError("unknown_segment")
    if segment.state != State.APPROVED:
        raise ScheduleError("segment_not_approved")
    if not announcement.units and not announcement.stations:
        raise ScheduleError("no_target")


def save_one_off(session: Session, announcement: Announcement, today: date) -> Announcement:
    """Validate and store a one-off announcement (normal or priority)."""
    if announcement.level not in (Level.NORMAL, Level.PRIORITY):
        raise ScheduleError("bad_level")
    _check_common(announcement)
    try:
        days = sorted({date.fromisoformat(d) for d in announcement.days})
    except (TypeError, ValueError) as exc:
        raise ScheduleError("bad_date") from exc
    if not days:
        raise ScheduleError("no_days")
    if days[0] < today:
        raise ScheduleError("day_in_past")
    if days[-1] > today + timedelta(days=MAX_ONE_OFF_DAYS):
        raise ScheduleError("day_too_far", limit=MAX_ONE_OFF_DAYS)
    segment = announcement.segment
    if (segment.air_from and days[0] < segment.air_from) or (
        segment.air_until and days[-1] > segment.air_until
    ):
        raise ScheduleError("outside_validity")
    announcement.days = [d.isoformat() for d in days]
    announcement.session_labels = sorted(
        {nfc(label).strip() for label in announcement.session_labels or [] if label.strip()}
    )
    session.add(announcement)
    session.flush()
    return announcement


def issue_emergency(
    session: Session, announcement: Announcement, now: datetime, supersedes: list[Announcement]
) -> Announcement:
    """Validate and store an emergency bulletin, ending the bulletins it supersedes."""
    announcement.level = Level.EMERGENCY
    _check_common(announcement)
    announcement.starts_at = announcement.starts_at or now
    if announcement.expires_at is None or announcement.expires_at <= now:
        raise ScheduleError("expiry_in_past")
    if announcement.expires_at <= announcement.starts_at:
        raise ScheduleError("expiry_in_past")
    if announcement.expires_at - now > timedelta(hours=MAX_EMERGENCY_HOURS):
        raise ScheduleError("expiry_too_far", limit=MAX_EMERGENCY_HOURS)
    if announcement.starts_at < now - timedelta(minutes=5):
        raise ScheduleError("start_in_past")
    if announcement.repeat_minutes is not None and announcement.repeat_minutes < MIN_REPEAT_MINUTES:
        raise ScheduleError("repeat_too_often", limit=MIN_REPEAT_MINUTES)
    session.add(announcement)
    session.flush()
    for old in supersedes:
        if not old.is_emergency or old.ended_at is not None:
            raise ScheduleError("cannot_supersede")
        old.superseded_by_id, old.ended_at = announcement.id, announcement.starts_at
    session.flush()
    return announcement


def end_emergency(session: Session, announcement: Announcement, now: datetime) -> None:
    """Cancel an emergency: it stops airing from now on."""
    if not announcement.is_emergency or announcement.ended_at is not None:
        raise ScheduleError("cannot_cancel")
    announcement.ended_at = now
    session.flush()


def active_emergencies(session: Session, now: datetime) -> list[Announcement]:
    query = select(Announcement).where(
        Announcement.level == Level.EMERGENCY,
        Announcement.ended_at.is_(None),
        Announcement.expires_at > now,
    )
    return list(session.scalars(query.order_by(Announcement.starts_at.desc())))
