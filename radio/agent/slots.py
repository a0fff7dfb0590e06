"""A held playlist's sessions as the agent airs them: absolute times, items in order."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

EMERGENCY = "emergency"


@dataclass(frozen=True)
class Slot:
    day: date
    number: int
    kind: str
    starts_at: datetime  # aware, the station's offset
    seconds: float
    version: int
    items: tuple[dict[str, Any], ...]

    @property
    def key(self) -> str:
        """Stable across versions: a rebuild may renumber sessions, not move a start."""
        return f"{self.day}|{self.starts_at.isoformat()}|{self.kind}"

    @property
    def emergency(self) -> bool:
        return self.kind == EMERGENCY

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(seconds=max(self.seconds, 1))


def slots_of(day: date, body: dict[str, Any]) -> list[Slot]:
    return [
        Slot(
            day=day,
            number=int(session["number"]),
            kind=str(session["kind"]),
            starts_at=datetime.fromisoformat(session["starts_at"]),
            seconds=float(session.get("planned_seconds") or 0),
            version=int(body["version"]),
            items=tuple(session["items"]),
        )
        for session in body["sessions"]
        if session["items"]
    ]


def item_end(item: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(item["planned_start"]) + timedelta(seconds=item["duration"])
