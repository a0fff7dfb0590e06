"""The demo's last week on air: playlists built as each night would have, then reported.

Most stations' devices report every item aired soon after each day; a few report a
power cut or a fault, some report a day late, and a few stay silent, so the auditor's
pages have the colours a real district shows.
"""

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from radio.airings.intake import Actor, Entry, Rules, accept
from radio.airings.records import Confirmation, NotAiredReason, Source, Status
from radio.tokens import issue_token
from scheduler.builder import build_playlists
from scheduler.playlists import PlaylistItem, current_playlists
from scheduler.units import Station, Unit

HISTORY_DAYS = 7
GRACE = timedelta(hours=2)


@dataclass(frozen=True)
class _Batch:
    received_at: datetime
    station: Station
    entries: list[Entry]


def load_demo_airings(session: Session, province: Unit, today: date, zone: str) -> int:
    """Build and report the week before today; nothing if the demo has reports already."""
    if session.scalar(select(func.count()).select_from(Confirmation)):
        return 0
    tz = ZoneInfo(zone)
    first = today - timedelta(days=HISTORY_DAYS)
    stations = list(
        session.scalars(
            select(Station)
            .join(Unit, Unit.id == Station.unit_id)
            .where(Unit.path.startswith(province.path, autoescape=True), Station.active)
            .order_by(Station.code)
        )
    )
    ids = [s.id for s in stations]
    for offset in range(HISTORY_DAYS):
        day = first + timedelta(days=offset)
        night_before = datetime.combine(day, time(0), tz) - timedelta(hours=2)
        build_playlists(session, day, 1, now=night_before, station_ids=ids, trigger="demo")
    session.commit()
    batches = _reports(session, stations, first, today - timedelta(days=1))
    tokens = {s.id: issue_token(session, station=s, label="Demo")[0] for s in stations}
    session.commit()
    for batch in sorted(batches, key=lambda b: b.received_at):
        actor = Actor(Source.DEVICE, token_id=tokens[batch.station.id].id, remote_addr="10.0.0.1")
        accept(session, batch.station, batch.entries, actor, Rules(GRACE), now=batch.received_at)
    return sum(len(b.entries) for b in batches)


def _reports(session: Session, stations: list[Station], first: date, last: date) -> list[_Batch]:
    by_id = {s.id: s for s in stations}
    current = current_playlists(first, last, list(by_id)).subquery()
    rows = session.execute(
        select(current.c.station_id, current.c.day, PlaylistItem)
        .join(PlaylistItem, PlaylistItem.playlist_id == current.c.id)
        .order_by(current.c.station_id, current.c.day, PlaylistItem.planned_start)
    )
    sessions: dict[tuple[int, date, int], list[PlaylistItem]] = {}
    for station_id, day, item in rows:
        sessions.setdefault((station_id, day, item.session_number), []).append(item)
    batches = []
    for (station_id, day, _number), items in sessions.items():
        station = by_id[station_id]
        if random.Random(f"{station.code}/{day}").random() < 0.08:
            continue  # the device was down that day and nobody reported
        luck = random.Random(f"{station.code}/{items[0].planned_start}")
        ended = max(i.planned_start + timedelta(seconds=i.duration) for i in items)
        late = luck.random() < 0.08
        received = ended + (timedelta(days=1, hours=3) if late else timedelta(minutes=5))
        batches.append(_Batch(received, station, [_entry(item, luck) for item in items]))
    return batches


def _entry(item: PlaylistItem, luck: random.Random) -> Entry:
    start = item.planned_start
    end = start + timedelta(seconds=item.duration)
    key = f"demo-{item.id}"
    roll = luck.random()
    if roll < 0.04:
        return Entry(key, Status.NOT_AIRED, item.id, reason=NotAiredReason.POWER_CUT)
    if roll < 0.06:
        cut = start + timedelta(seconds=item.duration / 2)
        return Entry(
            key, Status.PARTLY_AIRED, item.id, start, cut, reason=NotAiredReason.EQUIPMENT_FAULT
        )
    return Entry(key, Status.AIRED, item.id, start, end)
