"""Compliance rolled up for the province's result report: one line per child unit.

A plain function over a `Compliance` already made: no more reading of the as-run log.
"""

from collections import defaultdict
from dataclasses import dataclass, replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from radio.airings.compliance import Compliance, Figures, StationLine
from radio.airings.history import Headline, headline
from scheduler.units import Unit


@dataclass
class UnitLine:
    """A child unit of the report's unit, with the figures of every station under it."""

    unit: Unit
    stations: int
    figures: Figures
    headline: Headline


def unit_lines(session: Session, c: Compliance) -> list[UnitLine]:
    """The report unit's child units (districts, or communes where a province has no
    districts), each rolled up from its stations; the unit itself when it has no children,
    and a line of its own for stations placed directly on it."""
    children = list(
        session.scalars(select(Unit).where(Unit.parent_id == c.unit.id).order_by(Unit.code))
    )
    placed: dict[int, list[StationLine]] = defaultdict(list)
    for line in c.stations:
        home = next((u for u in children if u.contains(line.station.unit)), c.unit)
        placed[home.id].append(line)
    units = children + ([c.unit] if c.unit.id in placed or not children else [])
    out = []
    for unit in units:
        lines = placed.get(unit.id, [])
        figures = Figures()
        for line in lines:
            figures.add(line.figures)
        ids = {line.station.id for line in lines}
        emergencies = [e for e in c.emergencies if e.station.id in ids]
        summary = headline(replace(c, stations=lines, emergencies=emergencies))
        out.append(UnitLine(unit, len(lines), figures, summary))
    return out
