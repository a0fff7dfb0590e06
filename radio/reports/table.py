"""The compliance report as tables: each column's key, Vietnamese header and kind, and the
rows. CSV, XLSX and PDF all write these; the JSON API names its fields by the same keys.

Values are plain: counts, minutes (float), rates (0–1, or None with nothing due), dates
and local times (naive, in the report's zone). Each writer only formats them.
"""

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from audio_library.segments import Topic
from radio.airing_messages import STATUS_LABELS
from radio.airings.compliance import Compliance, Figures, Sessions
from radio.airings.history import headline
from radio.messages import LEVEL_LABELS
from scheduler.campaigns import Campaign, QuotaKind
from scheduler.units import path_names


class Kind(enum.Enum):
    TEXT = "text"
    DATE = "date"
    TIME = "time"  # local date and time
    COUNT = "count"  # summed in a total line
    MINUTES = "minutes"  # summed; one decimal
    NUMBER = "number"  # one decimal, never summed (a quota's plays, a delay in seconds)
    RATE = "rate"  # a share of two other columns; a total line's is the share of their sums

    @property
    def summed(self) -> bool:
        return self in (Kind.COUNT, Kind.MINUTES)


@dataclass(frozen=True)
class Column:
    key: str
    header: Any  # a lazy string: worded in the language of the request or command
    kind: Kind = Kind.TEXT
    ratio: tuple[str, str] | None = None  # RATE: the keys of numerator and denominator


@dataclass
class Table:
    key: str
    title: Any  # the XLSX sheet's name
    columns: list[Column]
    rows: list[list[Any]]
    totals: bool = True  # ends with a total line

    def total_row(self) -> list[Any]:
        """The total line: summed columns summed, rates of the sums, "Total" first."""
        sums = {
            col.key: sum(row[i] or 0 for row in self.rows)
            for i, col in enumerate(self.columns)
            if col.kind.summed
        }
        line = ordered(self.columns, sums)
        line[0] = str(_l("Total"))
        return line


def share(numerator: float, denominator: float) -> float | None:
    return min(numerator / denominator, 1.0) if denominator else None


def ordered(columns: Sequence[Column], values: dict[str, Any]) -> list[Any]:
    """A row in column order, its rates worked out from the columns they divide."""
    for col in columns:
        if col.ratio is not None:
            numerator, denominator = col.ratio
            values[col.key] = share(values.get(numerator) or 0, values.get(denominator) or 0)
    return [values.get(col.key) for col in columns]


FIGURES = [
    Column("planned_items", _l("Items planned"), Kind.COUNT),
    Column("planned_minutes", _l("Minutes planned"), Kind.MINUTES),
    Column("due_items", _l("Items due"), Kind.COUNT),
    Column("due_minutes", _l("Minutes due"), Kind.MINUTES),
    Column("aired_items", _l("Items aired"), Kind.COUNT),
    Column("aired_minutes", _l("Minutes aired"), Kind.MINUTES),
    Column("partly_items", _l("Items partly aired"), Kind.COUNT),
    Column("not_aired_items", _l("Items not aired"), Kind.COUNT),
    Column("unreported_items", _l("Items not reported"), Kind.COUNT),
    Column("late_items", _l("Items reported late"), Kind.COUNT),
    Column("unplanned_items", _l("Unplanned airings"), Kind.COUNT),
    Column("unplanned_minutes", _l("Unplanned minutes"), Kind.MINUTES),
    Column("rate", _l("Items aired (%)"), Kind.RATE, ("aired_items", "due_items")),
    Column("minutes_rate", _l("Minutes aired (%)"), Kind.RATE, ("aired_minutes", "due_minutes")),
]
SESSIONS = [
    Column("sessions_planned", _l("Sessions planned"), Kind.COUNT),
    Column("sessions_due", _l("Sessions due"), Kind.COUNT),
    Column("sessions_unconfirmed", _l("Sessions not confirmed"), Kind.COUNT),
    Column("late_records", _l("Late confirmations"), Kind.COUNT),
]
COLUMNS = {col.key: col for col in [*FIGURES, *SESSIONS]}
QUOTA_KINDS = {
    QuotaKind.SEGMENT_PLAYS: _l("Plays of each segment"),
    QuotaKind.TOPIC_MINUTES: _l("Minutes of a topic"),
}


def figure_values(f: Figures) -> dict[str, Any]:
    return {
        "planned_items": f.planned_items,
        "planned_minutes": f.planned_seconds / 60,
        "due_items": f.due_items,
        "due_minutes": f.due_seconds / 60,
        "aired_items": f.aired_items,
        "aired_minutes": f.aired_seconds / 60,
        "partly_items": f.partly_items,
        "not_aired_items": f.not_aired_items,
        "unreported_items": f.unreported_items,
        "late_items": f.late_items,
        "unplanned_items": f.unplanned_items,
        "unplanned_minutes": f.unplanned_seconds / 60,
    }


def session_values(s: Sessions) -> dict[str, int]:
    return {
        "sessions_planned": s.planned,
        "sessions_due": s.due,
        "sessions_unconfirmed": s.unconfirmed,
        "late_records": s.late_records,
    }


@dataclass
class Report:
    """A unit's compliance with the names its tables show, in the report's time zone."""

    c: Compliance
    zone: ZoneInfo
    unit_path: str
    topics: dict[int, Topic]
    campaigns: dict[int, Campaign]
    campaign: Campaign | None  # the one campaign the figures count, if any

    def local(self, moment: datetime | None) -> datetime | None:
        return moment.astimezone(self.zone).replace(tzinfo=None) if moment else None

    def heading(self) -> list[tuple[Any, Any, Kind]]:
        """What the report is of: unit, period, campaign, when made, the anchor."""
        c = self.c
        lines: list[tuple[Any, Any, Kind]] = [
            (_l("Unit"), self.unit_path, Kind.TEXT),
            (_l("From"), c.first, Kind.DATE),
            (_l("To"), c.last, Kind.DATE),
        ]
        if self.campaign is not None:
            lines.append((_l("Campaign"), self.campaign.name, Kind.TEXT))
        lines += [
            (_l("Made at"), self.local(c.made_at), Kind.TIME),
            (_l("Anchor hash"), c.anchor, Kind.TEXT),
            (_l("Of the records received before"), self.local(c.anchored_at), Kind.TIME),
        ]
        return lines

    def summary(self) -> list[tuple[Any, Any, Kind]]:
        """The headline figures, one per line."""
        h = headline(self.c)
        values = ordered(FIGURES, figure_values(self.c.total))
        return [
            *((col.header, value, col.kind) for col, value in zip(FIGURES, values, strict=True)),
            (_l("Number of stations"), len(self.c.stations), Kind.COUNT),
            (COLUMNS["sessions_unconfirmed"].header, h.unconfirmed_sessions, Kind.COUNT),
            (COLUMNS["late_records"].header, h.late_records, Kind.COUNT),
            (_l("Emergency items planned"), h.emergencies, Kind.COUNT),
            (_l("Emergency items aired"), h.emergencies_aired, Kind.COUNT),
            (_l("Average delay of emergencies (s)"), h.mean_delay, Kind.NUMBER),
            (_l("Longest delay of an emergency (s)"), h.max_delay, Kind.NUMBER),
        ]

    def stations(self) -> Table:
        columns = [
            Column("code", _l("Station code")),
            Column("name", _l("Station")),
            Column("unit_path", _l("Unit")),
            *FIGURES,
            *SESSIONS,
            Column("last_download", _l("Last download"), Kind.TIME),
            Column("last_contact", _l("Last contact"), Kind.TIME),
        ]
        rows = [
            ordered(
                columns,
                {
                    "code": line.station.code,
                    "name": line.station.name,
                    "unit_path": line.unit_path,
                    **figure_values(line.figures),
                    **session_values(line.sessions),
                    "last_download": self.local(line.last_download),
                    "last_contact": self.local(line.last_contact),
                },
            )
            for line in self.c.stations
        ]
        return Table("stations", _l("By station"), columns, rows)

    def days(self) -> Table:
        return self._figures(
            "days",
            _l("By day"),
            [Column("day", _l("Day"), Kind.DATE)],
            [([day], figures) for day, figures in self.c.days.items()],
        )

    def topics_table(self) -> Table:
        keys = [Column("topic_code", _l("Topic code")), Column("topic", _l("Topic"))]
        return self._figures("topics", _l("By topic"), keys, self.topic_lines())

    def topic_lines(self) -> list[tuple[list[Any], Figures]]:
        """Figures by topic as ([code, name], figures), in the order of the names."""
        return _named(self.c.topics, self.topics, _l("No topic"))

    def campaigns_table(self) -> Table:
        keys = [Column("campaign_code", _l("Campaign code")), Column("campaign", _l("Campaign"))]
        rows = _named(self.c.campaigns, self.campaigns, _l("Not in a campaign"))
        return self._figures("campaigns", _l("By campaign"), keys, rows)

    def levels(self) -> Table:
        keys = [Column("level", _l("Level"))]
        rows = [
            ([str(LEVEL_LABELS.get(level, level))], f)
            for level, f in sorted(self.c.levels, key=lambda pair: pair[0])
        ]
        return self._figures("levels", _l("By level"), keys, rows)

    def quotas(self) -> Table:
        columns = [
            Column("campaign", _l("Campaign")),
            Column("kind", _l("Quota")),
            Column("label", _l("Topic or segments")),
            Column("code", _l("Station code")),
            Column("name", _l("Station")),
            Column("required", _l("Required"), Kind.NUMBER),
            Column("done", _l("Done so far"), Kind.NUMBER),
            Column("met", _l("Met")),
        ]
        rows = [
            [
                q.campaign.name,
                str(QUOTA_KINDS[q.kind]),
                q.label if q.kind == QuotaKind.TOPIC_MINUTES else str(_l("each segment")),
                q.station.code,
                q.station.name,
                q.required,
                q.done,
                str(_l("Yes") if q.met else _l("No")),
            ]
            for q in self.c.quotas
        ]
        return Table("quotas", _l("Quotas"), columns, rows, totals=False)

    def emergencies(self) -> Table:
        columns = [
            Column("code", _l("Station code")),
            Column("name", _l("Station")),
            Column("title", _l("Title")),
            Column("planned_start", _l("Planned start"), Kind.TIME),
            Column("status", _l("Status")),
            Column("started_at", _l("Actual start"), Kind.TIME),
            Column("delay_seconds", _l("Delay (s)"), Kind.NUMBER),
        ]
        rows = [
            [
                e.station.code,
                e.station.name,
                e.title,
                self.local(e.planned_start),
                str(STATUS_LABELS[e.status] if e.status else _l("Not reported")),
                self.local(e.started_at),
                e.delay_seconds,
            ]
            for e in self.c.emergencies
        ]
        return Table("emergencies", _l("Emergencies"), columns, rows, totals=False)

    def _figures(
        self,
        key: str,
        title: Any,
        labels: list[Column],
        rows: list[tuple[list[Any], Figures]],
    ) -> Table:
        columns = [*labels, *FIGURES]
        values = [
            ordered(
                columns,
                {**dict(zip([c.key for c in labels], names, strict=True)), **figure_values(f)},
            )
            for names, f in rows
        ]
        return Table(key, title, columns, values)


def _named(
    figures: list[tuple[int | None, Figures]], known: dict[int, Any], missing: Any
) -> list[tuple[list[Any], Figures]]:
    """Lines of figures by topic or campaign as [code, name], in the order of the names."""
    rows = [
        ([known[i].code, known[i].name] if i in known else ["", str(missing)], f)
        for i, f in figures
    ]
    return sorted(rows, key=lambda row: row[0][1])


def make_report(
    session: Session, c: Compliance, zone: str, campaign: Campaign | None = None
) -> Report:
    topic_ids = {t for t, _f in c.topics if t is not None}
    campaign_ids = {i for i, _f in c.campaigns if i is not None}
    return Report(
        c=c,
        zone=ZoneInfo(zone),
        unit_path=path_names(session, [c.unit])[c.unit.id],
        topics={t.id: t for t in session.scalars(select(Topic).where(Topic.id.in_(topic_ids)))},
        campaigns={
            x.id: x for x in session.scalars(select(Campaign).where(Campaign.id.in_(campaign_ids)))
        },
        campaign=campaign,
    )
