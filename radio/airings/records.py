"""Confirmation records and the canonical form their hashes are taken over.

A record is never updated or deleted: a correction is a new record that names the one
it corrects. Each station's records are numbered 1, 2, 3… and chained: a record's hash
covers its canonical content and the hash of the record before it.
"""

import enum
import hashlib
import json
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from audio_library.db import Base, utcnow


class Status(enum.StrEnum):
    AIRED = "aired"
    NOT_AIRED = "not_aired"
    PARTLY_AIRED = "partly_aired"


class NotAiredReason(enum.StrEnum):
    """Why an item did not air (or aired only in part); "other" needs a note."""

    POWER_CUT = "power_cut"
    EQUIPMENT_FAULT = "equipment_fault"
    NO_CONNECTION = "no_connection"
    FILE_MISSING = "file_missing"
    EMERGENCY = "emergency"  # gave way to an emergency broadcast
    WEATHER = "weather"
    LOCAL_EVENT = "local_event"
    OTHER = "other"


class Source(enum.StrEnum):
    PAGE = "page"  # the operator's checklist
    DEVICE = "device"  # a controller posting through the API
    AGENT = "agent"  # the station agent


class UnplannedKind(enum.StrEnum):
    LIVE = "live"  # a live announcement read at the microphone
    RELAY = "relay"  # an extra relay of an external programme
    OTHER = "other"


GENESIS = "0" * 64  # the "previous hash" of a station's first record


class Confirmation(Base):
    __tablename__ = "confirmation"
    __table_args__ = (
        UniqueConstraint("station_id", "seq"),
        # A retried report of the same item under the same client key is the same record.
        UniqueConstraint("playlist_item_id", "client_key"),
        # Compliance finds the airing of each planned slot by station and planned start.
        Index("ix_confirmation_slot", "station_id", "planned_start", "id"),
        # A station-day's records, and whether any arrived after its tally was made.
        Index("ix_confirmation_station_day", "station_id", "day", "seq"),
        # The chain's head as it stood at a moment, for the daily anchor.
        Index("ix_confirmation_station_received", "station_id", "received_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("station.id"))
    seq: Mapped[int]
    # What was planned: the item as the station had it (its version), or nothing for an
    # unplanned airing. The slot (day, session, planned start, segment) is copied so that
    # a confirmation of an earlier version still counts for the same slot in a later one.
    playlist_item_id: Mapped[int | None] = mapped_column(ForeignKey("playlist_item.id"))
    playlist_version: Mapped[int | None]
    day: Mapped[date]
    session_number: Mapped[int | None]
    planned_start: Mapped[datetime | None]
    segment_id: Mapped[int | None]
    status: Mapped[Status] = mapped_column(String(14))
    reason: Mapped[NotAiredReason | None] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(String(500), default="")
    started_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    # What aired: an unplanned airing says so itself; a planned one copies its item's
    # title and topic. `seconds` is how long it aired, from start and end.
    unplanned_kind: Mapped[UnplannedKind | None] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(String(300), default="")
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("topic.id"))
    seconds: Mapped[int | None]
    source: Mapped[Source] = mapped_column(String(10))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    token_id: Mapped[int | None] = mapped_column(ForeignKey("access_token.id"))
    remote_addr: Mapped[str] = mapped_column(String(45), default="")
    client_key: Mapped[str] = mapped_column(String(64))
    client_time: Mapped[datetime | None]
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    late: Mapped[bool] = mapped_column(default=False)
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("confirmation.id"))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


# The columns a record's hash covers, in order: all of it but its id and its own hash.
CHAINED = (
    "station_id",
    "seq",
    "playlist_item_id",
    "playlist_version",
    "day",
    "session_number",
    "planned_start",
    "segment_id",
    "status",
    "reason",
    "note",
    "started_at",
    "ended_at",
    "unplanned_kind",
    "title",
    "topic_id",
    "seconds",
    "source",
    "user_id",
    "token_id",
    "remote_addr",
    "client_key",
    "client_time",
    "received_at",
    "late",
    "corrects_id",
)


def _canonical_value(value: Any) -> Any:
    if isinstance(value, datetime):
        # Microseconds are kept by both databases; the zone is always UTC.
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    return value


def canonical(values: dict[str, Any]) -> bytes:
    """The bytes a record's hash is taken over: its chained fields as sorted, compact JSON."""
    content = {name: _canonical_value(values.get(name)) for name in CHAINED}
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def record_hash(prev_hash: str, values: dict[str, Any]) -> str:
    return hashlib.sha256(prev_hash.encode() + b"\n" + canonical(values)).hexdigest()
