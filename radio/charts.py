"""Charts drawn on the server as inline SVG, each followed by a table of its figures.

No script, no stylesheet and no font of their own: a page (or a saved copy of it) shows
them offline, and the table reads out what the picture shows. Callers pass every word
already translated and every value already formatted.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import format_date, format_decimal, format_percent
from flask_babel import gettext as _
from markupsafe import Markup, escape

from radio.airings.compliance import Compliance, Figures
from radio.airings.history import GOOD, QuotaProgress
from scheduler.campaigns import QuotaKind

WIDTH = 360  # the viewBox is a phone's width, so text keeps its size on a phone
LABEL_SIZE = 12
GRID = "#d9dee5"
INK = "#5b6575"


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float | None]
    color: str
    texts: Sequence[str] = ()  # each value as shown; the number itself when empty

    def text(self, index: int) -> str:
        if self.texts:
            return self.texts[index]
        value = self.values[index]
        return "—" if value is None else f"{value:g}"


def _figure(title: str, svg: str, table: str, table_label: str) -> Markup:
    return Markup(
        f'<figure class="chart"><figcaption>{escape(title)}</figcaption>{svg}'
        f'<details class="chart-table"><summary>{escape(table_label)}</summary>'
        f'<div class="table-wrap">{table}</div></details></figure>'
    )


def _table(
    labels: Sequence[str],
    series: Sequence[Series],
    corner: str,
    notes: tuple[str, Sequence[str]] | None = None,
) -> str:
    head = "".join(f"<th>{escape(s.name)}</th>" for s in series)
    head += f"<th>{escape(notes[0])}</th>" if notes else ""
    rows = "".join(
        f"<tr><th>{escape(label)}</th>"
        + "".join(f"<td>{escape(s.text(i))}</td>" for s in series)
        + (f"<td>{escape(notes[1][i])}</td>" if notes else "")
        + "</tr>"
        for i, label in enumerate(labels)
    )
    head = f"<thead><tr><th>{escape(corner)}</th>{head}</tr></thead>"
    return f"<table>{head}<tbody>{rows}</tbody></table>"


def _svg(height: float, title: str, body: str) -> str:
    return (
        f'<svg viewBox="0 0 {WIDTH} {height:.0f}" '
        f'width="100%" role="img" font-size="{LABEL_SIZE}" font-family="inherit">'
        f"<title>{escape(title)}</title>{body}</svg>"
    )


def _fit(label: str, chars: int = 50) -> str:
    """A label cut to what fits the chart's width (the table gives it whole)."""
    return label if len(label) <= chars else label[: chars - 1] + "…"


def _legend(series: Sequence[Series], y: float) -> str:
    parts, x = [], 0.0
    for s in series:
        parts.append(
            f'<rect x="{x:.1f}" y="{y - 9:.1f}" width="10" height="10" fill="{s.color}"/>'
            f'<text x="{x + 14:.1f}" y="{y:.1f}" fill="{INK}">{escape(s.name)}</text>'
        )
        x += 24 + 6.5 * len(s.name)
    return "".join(parts)


def bar_chart(
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    axis: str,
    ticks: Sequence[tuple[float, str]],
    table_label: str,
    top: float | None = None,
    notes: tuple[str, Sequence[str]] | None = None,
) -> Markup:
    """Horizontal bars, one group per label (its name above its bars), on a common scale.

    `ticks` are the values marked on the axis with their text; `top` is the scale's end
    (the largest value or tick when not given). A value past the end is drawn to it.
    `notes` adds a column (its heading, a text per label) to the table only.
    """
    values = [v for s in series for v in s.values if v is not None]
    end = top or max([*values, *(t for t, _ in ticks), 0.0]) or 1.0
    bar, gap, label_height = 11, 3, 15
    group = label_height + len(series) * (bar + gap) + 6
    legend_height = 18 if len(series) > 1 else 0
    plot_top = legend_height + 4
    plot_height = group * len(labels)
    pad = 12  # room on the left for half the first tick's text
    span = WIDTH - 70 - pad  # and on the right for each bar's value
    parts = [_legend(series, 12)] if legend_height else []
    for tick, text in ticks:
        x = pad + span * min(tick / end, 1.0)
        bottom = plot_top + plot_height
        parts.append(
            f'<line x1="{x:.1f}" y1="{plot_top}" x2="{x:.1f}" y2="{bottom}" stroke="{GRID}"/>'
            f'<text x="{x:.1f}" y="{bottom + 13}" text-anchor="middle" fill="{INK}">'
            f"{escape(text)}</text>"
        )
    for i, label in enumerate(labels):
        y = plot_top + i * group
        parts.append(
            f'<text x="{pad}" y="{y + 11}">{escape(_fit(label))}'
            f"<title>{escape(label)}</title></text>"
        )
        for j, s in enumerate(series):
            width = span * min(max(s.values[i] or 0.0, 0.0) / end, 1.0)
            bar_y = y + label_height + j * (bar + gap)
            parts.append(
                f'<rect x="{pad}" y="{bar_y}" width="{width:.1f}" height="{bar}" '
                f'fill="{s.color}">'
                f"<title>{escape(s.name)}: {escape(s.text(i))}</title></rect>"
                f'<text x="{pad + width + 3:.1f}" y="{bar_y + 9}" fill="{INK}">'
                f"{escape(s.text(i))}</text>"
            )
    height = plot_top + plot_height + 30
    parts.append(
        f'<text x="{pad + span / 2:.0f}" y="{height - 2}" text-anchor="middle" fill="{INK}">'
        f"{escape(axis)}</text>"
    )
    svg = _svg(height, title, "".join(parts))
    return _figure(title, svg, _table(labels, series, axis, notes), table_label)


def line_chart(
    title: str,
    labels: Sequence[str],
    series: Series,
    *,
    top: float,
    ticks: Sequence[tuple[float, str]],
    table_label: str,
    corner: str,
    target: float | None = None,
    max_labels: int = 7,
) -> Markup:
    """One line over labelled points (days); a missing value breaks the line there.

    `target` draws a dashed line at that value (a goal the reader compares with).
    """
    left, right, plot_top, plot_bottom = 34, WIDTH - 18, 8, 150
    count = len(labels)
    step = (right - left) / max(count - 1, 1)

    def x_of(i: int) -> float:
        return left + (i * step if count > 1 else (right - left) / 2)

    def y_of(value: float) -> float:
        return plot_bottom - (plot_bottom - plot_top) * min(max(value / top, 0.0), 1.0)

    parts = []
    for tick, text in ticks:
        y = y_of(tick)
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{right}" y2="{y:.1f}" stroke="{GRID}"/>'
            f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" fill="{INK}">'
            f"{escape(text)}</text>"
        )
    if target is not None:
        y = y_of(target)
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{right}" y2="{y:.1f}" stroke="{INK}" '
            'stroke-dasharray="4 3"/>'
        )
    every = max(1, -(-count // max_labels))  # ceiling: at most max_labels labels
    for i, label in enumerate(labels):
        if i % every == 0:
            parts.append(
                f'<text x="{x_of(i):.1f}" y="{plot_bottom + 16}" text-anchor="middle" '
                f'fill="{INK}">{escape(label)}</text>'
            )
    path, pen_down = [], False
    for i, value in enumerate(series.values):
        if value is None:
            pen_down = False
            continue
        path.append(f"{'L' if pen_down else 'M'}{x_of(i):.1f},{y_of(value):.1f}")
        pen_down = True
    if path:
        parts.append(
            f'<path d="{" ".join(path)}" fill="none" stroke="{series.color}" stroke-width="2"/>'
        )
    for i, value in enumerate(series.values):
        if value is not None:
            parts.append(
                f'<circle cx="{x_of(i):.1f}" cy="{y_of(value):.1f}" r="3" fill="{series.color}">'
                f"<title>{escape(labels[i])}: {escape(series.text(i))}</title></circle>"
            )
    svg = _svg(plot_bottom + 24, title, "".join(parts))
    return _figure(title, svg, _table(labels, [series], corner), table_label)


# The audit's three charts of a unit's compliance (the page and the printed report).

AIRED, PLANNED, UNPLANNED = "#1e7a3c", "#9aa5b1", "#0b57d0"
PERCENT_TICKS = [(0.0, "0%"), (0.5, "50%"), (1.0, "100%")]


DETAILED = "#,##0.0%"  # a tenth of a percent, for printed reports


def percent(rate: float | None, pattern: str = "#,##0%") -> str:
    return "—" if rate is None else str(format_percent(rate, pattern))


def minutes(seconds: float) -> str:
    """Whole minutes; tenths below ten, so a few short items do not read as nothing."""
    value = seconds / 60
    return str(format_decimal(round(value) if value >= 10 else round(value, 1), "#,##0.#"))


def rate_chart(first: date, last: date, by_day: dict[date, Figures]) -> Markup:
    """The share of the items due each day that aired in full."""
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    rates = [by_day[d].rate if d in by_day else None for d in days]
    return line_chart(
        _("Compliance by day (items aired in full, of those due)"),
        [format_date(d, "dd/MM") for d in days],
        Series(_("Items aired"), rates, AIRED, [percent(r) for r in rates]),
        top=1.0,
        ticks=PERCENT_TICKS,
        target=GOOD,
        corner=_("Day"),
        table_label=_("Figures of the chart"),
    )


def topic_chart(c: Compliance, names: dict[int, str]) -> Markup:
    """Minutes due and aired by topic, the largest first; unplanned airings apart."""
    topics = sorted(c.topics, key=lambda pair: -pair[1].due_seconds)
    labels = [names.get(t, _("No topic")) if t else _("No topic") for t, _f in topics]
    planned = [f.due_seconds / 60 for _t, f in topics]
    aired = [f.aired_seconds / 60 for _t, f in topics]
    series = [
        Series(_("Planned, due so far"), planned, PLANNED, [minutes(v * 60) for v in planned]),
        Series(_("Aired"), aired, AIRED, [minutes(v * 60) for v in aired]),
    ]
    unplanned = [f.unplanned_seconds / 60 for _t, f in topics]
    if any(unplanned):
        series.append(
            Series(_("Unplanned"), unplanned, UNPLANNED, [minutes(v * 60) for v in unplanned])
        )
    top = max([*planned, *aired, *unplanned, 1.0])
    return bar_chart(
        _("Minutes by topic"),
        labels,
        series,
        axis=_("minutes"),
        ticks=[(0.0, "0"), (top / 2, minutes(top * 30)), (top, minutes(top * 60))],
        top=top,
        table_label=_("Figures of the chart"),
    )


def quota_chart(progress: list[QuotaProgress]) -> Markup:
    """How far each campaign quota got over its target stations, and how many met it."""
    # What tells two quotas of a campaign apart comes first: a long name gets cut.
    each = _("Each segment")
    labels = [
        f"{q.label if q.kind == QuotaKind.TOPIC_MINUTES else each} · {q.campaign}" for q in progress
    ]
    details = [
        _(
            "%(done)s of %(required)s %(unit)s; met at %(met)s of %(stations)s stations",
            done=format_decimal(round(q.done)),
            required=format_decimal(round(q.required)),
            unit=_("plays") if q.kind == QuotaKind.SEGMENT_PLAYS else _("minutes"),
            met=q.met,
            stations=q.stations,
        )
        for q in progress
    ]
    shares = [q.share for q in progress]
    return bar_chart(
        _("Campaign quotas"),
        labels,
        [Series(_("Done"), shares, AIRED, [percent(s) for s in shares])],
        axis=_("share of the quota done"),
        ticks=PERCENT_TICKS,
        top=1.0,
        table_label=_("Figures of the chart"),
        notes=(_("Plays or minutes, stations"), details),
    )
