"""Creating and changing stations, with the checks a station must pass."""

import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from sqlalchemy import select
from sqlalchemy.orm import Session

from audio_library.db import nfc
from scheduler.units import Station, StationKind, Unit

# Codes appear in URLs, file names and device configs: keep them plain ASCII.
CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{1,39}$")
MAX_CLUSTERS = 500


class StationError(ValueError):
    """A station cannot be saved as given; `kind` names why for the UI."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


def valid_timezone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return name in available_timezones()


def save_station(session: Session, station: Station, unit: Unit | None) -> Station:
    """Validate and store a new or changed station."""
    station.code = station.code.strip()
    station.name = nfc(station.name or "").strip()
    station.contact = nfc(station.contact or "").strip()
    if unit is None:
        raise StationError("unknown_unit")
    if not CODE_PATTERN.match(station.code):
        raise StationError("bad_code")
    taken = session.scalar(select(Station).where(Station.code == station.code))
    if taken is not None and taken is not station:
        raise StationError("code_taken")
    if not station.name:
        raise StationError("no_name")
    if not valid_timezone(station.timezone):
        raise StationError("bad_timezone")
    if station.kind not in set(StationKind):
        raise StationError("bad_kind")
    if not 1 <= station.clusters <= MAX_CLUSTERS:
        raise StationError("bad_clusters")
    station.unit = unit
    session.add(station)
    session.flush()
    return station
