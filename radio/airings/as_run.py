"""The as-run log read back: each planned slot's reports, and the airings nobody planned.

A slot is an item's planned start and segment at a station: a later playlist version
keeps the slots of sessions already under way, so a report made against the version
the station had still answers for the same slot in the current one.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from radio.airings.records import Confirmation

Slot = tuple[datetime, int | None]  # planned start, segment (None for a relay)


@dataclass
class DayLog:
    """A station-day's reports, oldest first; the last report of a slot is what counts."""

    by_slot: dict[Slot, list[Confirmation]] = field(default_factory=lambda: defaultdict(list))
    unplanned: list[Confirmation] = field(default_factory=list)

    def effective(self, slot: Slot) -> Confirmation | None:
        reports = self.by_slot.get(slot)
        return reports[-1] if reports else None


def slot_of(planned_start: datetime, segment_id: int | None) -> Slot:
    return (planned_start, segment_id)


def day_log(session: Session, station_id: int, day: date) -> DayLog:
    log = DayLog()
    query = (
        select(Confirmation)
        .where(Confirmation.station_id == station_id, Confirmation.day == day)
        .order_by(Confirmation.seq)
    )
    for record in session.scalars(query):
        if record.planned_start is None:
            log.unplanned.append(record)
        else:
            log.by_slot[slot_of(record.planned_start, record.segment_id)].append(record)
    return log
