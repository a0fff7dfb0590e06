"""Quiet hours and broadcast limits per unit; a station follows the nearest unit that sets each."""

from dataclasses import dataclass
from datetime import time

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from audio_library.db import Base


class UnitRules(Base):
    """What normal broadcasts in a unit's area must respect; only emergencies may break it."""

    __tablename__ = "unit_rules"

    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), primary_key=True)
    # Quiet hours run from quiet_from to quiet_until, across midnight when from > until.
    quiet_from: Mapped[time | None]
    quiet_until: Mapped[time | None]
    max_session_minutes: Mapped[int | None]
    max_day_minutes: Mapped[int | None]


@dataclass(frozen=True)
class Limits:
    """The rules in force at one place, each from the nearest unit that sets it."""

    quiet_from: time | None = None
    quiet_until: time | None = None
    max_session_minutes: int | None = None
    max_day_minutes: int | None = None

    def in_quiet_hours(self, start: int, end: int) -> bool:
        """Whether [start, end) in minutes after midnight touches the quiet hours."""
        if self.quiet_from is None or self.quiet_until is None:
            return False
        quiet_from = self.quiet_from.hour * 60 + self.quiet_from.minute
        quiet_until = self.quiet_until.hour * 60 + self.quiet_until.minute
        if quiet_from > quiet_until:  # e.g. 21:00 → 06:00: two spans in one day
            spans = [(0, quiet_until), (quiet_from, 24 * 60)]
        else:
            spans = [(quiet_from, quiet_until)]
        # A session may run past midnight; check its part on the next day too.
        pieces = [(start, min(end, 24 * 60)), (0, max(0, end - 24 * 60))]
        return any(
            a < q_end and q_start < b for a, b in pieces if a < b for q_start, q_end in spans
        )


def limits_for(chain: list[UnitRules | None]) -> Limits:
    """Combine the rules of a unit chain given from the root down: the nearest wins."""
    values: dict[str, object] = {}
    for rules in chain:
        if rules is None:
            continue
        if rules.quiet_from is not None and rules.quiet_until is not None:
            values["quiet_from"], values["quiet_until"] = rules.quiet_from, rules.quiet_until
        for name in ("max_session_minutes", "max_day_minutes"):
            if getattr(rules, name) is not None:
                values[name] = getattr(rules, name)
    return Limits(**values)  # type: ignore[arg-type]
