"""Appending to a station's chain, checking it, and the daily anchor of a unit.

Appends to one station are serialised by a write on its row, taken before the chain's
head is read, so two requests can never give out the same number.
"""

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from radio.airings.records import CHAINED, GENESIS, Confirmation, record_hash
from scheduler.units import Station, Unit


def lock_station(session: Session, *station_ids: int) -> None:
    """Hold the stations' rows until commit: PostgreSQL locks the rows, SQLite the database.

    A no-op update takes the lock on both (SQLite starts its write transaction here, so
    what is read next is current).
    """
    session.execute(
        update(Station)
        .where(Station.id.in_(station_ids))
        .values(active=Station.active)
        .execution_options(synchronize_session=False)
    )


def head(session: Session, station_id: int) -> tuple[int, str]:
    """The number and hash of a station's last record; (0, GENESIS) for none yet."""
    row = session.execute(
        select(Confirmation.seq, Confirmation.hash)
        .where(Confirmation.station_id == station_id)
        .order_by(Confirmation.seq.desc())
        .limit(1)
    ).first()
    return (row[0], row[1]) if row else (0, GENESIS)


def append(session: Session, station_id: int, drafts: list[dict[str, Any]]) -> list[Confirmation]:
    """Chain new records after the station's head; the caller holds the lock and commits."""
    seq, prev = head(session, station_id)
    records = []
    for draft in drafts:
        seq += 1
        values = {**draft, "station_id": station_id, "seq": seq}
        digest = record_hash(prev, values)
        record = Confirmation(**values, prev_hash=prev, hash=digest)
        records.append(record)
        prev = digest
    session.add_all(records)
    session.flush()
    return records


@dataclass(frozen=True)
class Break:
    """The first place a station's chain does not hold."""

    station_code: str
    seq: int
    record_id: int | None
    kind: str  # "missing" (a number skipped), "altered" (content), "relinked" (previous hash)


def verify_station(session: Session, station: Station) -> tuple[int, Break | None]:
    """Recompute a station's chain from its first record; how many held, and the first break."""
    expected_seq, prev = 1, GENESIS
    columns = [getattr(Confirmation, name) for name in CHAINED]
    query = (
        select(Confirmation.id, Confirmation.prev_hash, Confirmation.hash, *columns)
        .where(Confirmation.station_id == station.id)
        .order_by(Confirmation.seq)
        .execution_options(yield_per=5000)
    )
    checked = 0
    # Closed on the way out: stopping at a break must not leave PostgreSQL's cursor open.
    with session.execute(query) as rows:
        for row in rows:
            record = row._mapping
            if record["seq"] != expected_seq:
                return checked, Break(station.code, expected_seq, None, "missing")
            if record["prev_hash"] != prev:
                return checked, Break(station.code, record["seq"], record["id"], "relinked")
            if record_hash(prev, dict(record)) != record["hash"]:
                return checked, Break(station.code, record["seq"], record["id"], "altered")
            checked += 1
            expected_seq, prev = expected_seq + 1, record["hash"]
    return checked, None


def daily_anchor(session: Session, stations: Iterable[Station], until: datetime) -> str:
    """One hash over the heads of these stations' chains as they stood at `until`.

    Printed with a report, it lets anyone check later that no record received before
    then was changed or removed: `radio audit verify` and the audit page recompute it.
    """
    lines = []
    for station in sorted(stations, key=lambda s: s.code):
        # Records are received in chain order, so the last one received before `until`
        # is the head then: found through the (station, received_at) index.
        row = session.execute(
            select(Confirmation.seq, Confirmation.hash)
            .where(Confirmation.station_id == station.id, Confirmation.received_at < until)
            .order_by(Confirmation.received_at.desc(), Confirmation.seq.desc())
            .limit(1)
        ).first()
        # A station with no record yet adds no line: joining the unit later must not
        # change the anchors already printed.
        if row is not None:
            lines.append(f"{station.code}:{row[0]}:{row[1]}")
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def stations_under(session: Session, unit: Unit) -> list[Station]:
    query = (
        select(Station)
        .join(Unit, Unit.id == Station.unit_id)
        .where(Unit.path.startswith(unit.path, autoescape=True))
        .order_by(Station.code)
    )
    return list(session.scalars(query))
