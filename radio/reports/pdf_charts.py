"""Charts of the result report drawn with fpdf2's own lines and boxes: no image, no font
beyond the report's, and in greys that a black-and-white office printer keeps apart.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import format_date, format_decimal
from flask_babel import gettext as _

from radio.airings.compliance import Figures
from radio.airings.history import QuotaProgress
from radio.charts import DETAILED, percent
from radio.pdf import FAMILY, NotoA4
from scheduler.campaigns import QuotaKind

DARK, LIGHT, GRID = 60, 200, 170  # grey levels: aired, planned, grid lines
BAR_ROW = 6.0  # mm per horizontal bar line
LABEL_WIDTH = 62.0  # mm for the names left of horizontal bars
PLOT_HEIGHT = 42.0
DAY_CHART_HEIGHT = PLOT_HEIGHT + 22  # with its title and dates
MAX_COLUMN = 8.0  # mm: a short period's days stay columns, not blocks


@dataclass(frozen=True)
class Bar:
    label: str
    value: float  # drawn dark, on the scale of the chart's `top`
    behind: float | None  # drawn light behind it (what was planned), or None
    text: str  # written right of the bar


def title(pdf: NotoA4, text: str, height: float) -> None:
    """The chart's title, on a new page if the chart would not fit below it."""
    if pdf.will_page_break(height + 10):
        pdf.add_page()
    pdf.ln(3)
    pdf.set_font(FAMILY, "B", 10)
    pdf.cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")


def day_chart(pdf: NotoA4, first: date, last: date, days: dict[date, Figures]) -> None:
    """Columns of each day's share of the items due that aired in full; a gap where none
    was due."""
    title(pdf, _("Compliance by day (items aired in full, of those due)"), DAY_CHART_HEIGHT - 10)
    count = (last - first).days + 1
    left, top = pdf.l_margin + 12, pdf.get_y() + 2
    width = pdf.epw - 12
    pdf.set_font(FAMILY, "", 7)
    pdf.set_draw_color(GRID)
    for share in (0.0, 0.5, 1.0):
        y = top + PLOT_HEIGHT * (1 - share)
        pdf.line(left, y, left + width, y)
        pdf.set_xy(pdf.l_margin, y - 2)
        pdf.cell(11, 4, percent(share, DETAILED).replace(",0", ""), align="R")
    step = width / count
    bar = min(step * 0.8, MAX_COLUMN)
    pdf.set_fill_color(DARK)
    for n in range(count):
        figures = days.get(first + timedelta(days=n))
        rate = figures.rate if figures else None
        if rate:
            height = PLOT_HEIGHT * min(rate, 1.0)
            x = left + n * step + (step - bar) / 2
            pdf.rect(x, top + PLOT_HEIGHT - height, bar, height, "F")
    marks = sorted({0, count // 2, count - 1})
    for n in marks:
        x = left + n * step + step / 2
        pdf.set_xy(x - 10, top + PLOT_HEIGHT + 1)
        pdf.cell(20, 4, format_date(first + timedelta(days=n), "dd/MM/yyyy"), align="C")
    pdf.set_draw_color(0)
    pdf.set_fill_color(255)
    pdf.set_y(top + PLOT_HEIGHT + 7)


def bar_chart(pdf: NotoA4, heading: str, legend: str, bars: Sequence[Bar], top: float) -> None:
    """Horizontal bars, one line each: the label, the light bar behind, the dark bar."""
    title(pdf, heading, BAR_ROW * max(len(bars), 1) + 8)
    pdf.set_font(FAMILY, "", 7.5)
    pdf.cell(0, 4, legend, new_x="LMARGIN", new_y="NEXT")
    if not bars:
        pdf.set_font(FAMILY, "", 9)
        pdf.cell(0, 6, _("Nothing to show for this period."), new_x="LMARGIN", new_y="NEXT")
        return
    scale = (pdf.epw - LABEL_WIDTH - 42) / (top or 1.0)
    pdf.set_font(FAMILY, "", 7.5)
    for bar in bars:
        if pdf.will_page_break(BAR_ROW):
            pdf.add_page()
        y = pdf.get_y()
        pdf.set_x(pdf.l_margin)
        pdf.cell(LABEL_WIDTH - 2, BAR_ROW, fit(pdf, bar.label, LABEL_WIDTH - 3), align="R")
        x = pdf.l_margin + LABEL_WIDTH
        if bar.behind:
            pdf.set_fill_color(LIGHT)
            pdf.rect(x, y + 1, bar.behind * scale, BAR_ROW - 2, "F")
        if bar.value:
            pdf.set_fill_color(DARK)
            pdf.rect(x, y + 1.8, bar.value * scale, BAR_ROW - 3.6, "F")
        pdf.set_xy(x + max(bar.value, bar.behind or 0) * scale + 1.5, y)
        pdf.cell(40, BAR_ROW, bar.text)
        pdf.set_xy(pdf.l_margin, y + BAR_ROW)
    pdf.set_fill_color(255)


def fit(pdf: NotoA4, text: str, width: float) -> str:
    """The text cut with an ellipsis to fit the width in the current font."""
    if pdf.get_string_width(text) <= width:
        return text
    while text and pdf.get_string_width(text + "…") > width:
        text = text[:-1]
    return text + "…"


def topic_chart(pdf: NotoA4, topics: list[tuple[str, Figures]]) -> None:
    """Minutes due and aired per topic, the most planned first."""
    topics = sorted(topics, key=lambda pair: -pair[1].due_seconds)
    bars = [
        Bar(
            name,
            f.aired_seconds / 60,
            f.due_seconds / 60,
            _(
                "%(aired)s of %(due)s min",
                aired=format_decimal(f.aired_seconds / 60, "#,##0.0"),
                due=format_decimal(f.due_seconds / 60, "#,##0.0"),
            ),
        )
        for name, f in topics
    ]
    top = max((f.due_seconds / 60 for _name, f in topics), default=1.0)
    legend = _("Light bar: minutes due so far; dark bar: minutes aired.")
    bar_chart(pdf, _("Minutes by topic"), legend, bars, top)


def quota_chart(pdf: NotoA4, progress: list[QuotaProgress]) -> None:
    """How far each campaign quota got over its target stations, and how many met it."""
    several = len({q.campaign for q in progress}) > 1

    def label(q: QuotaProgress) -> str:
        # What tells the quotas apart first: a long campaign name would push it out.
        what = q.label if q.kind == QuotaKind.TOPIC_MINUTES else _("each segment")
        return f"{what} · {q.campaign}" if several else what

    bars = [
        Bar(
            label(q),
            q.share,
            1.0,
            _(
                "%(share)s; met at %(met)s of %(stations)s stations",
                share=percent(q.share, DETAILED),
                met=q.met,
                stations=q.stations,
            ),
        )
        for q in progress
    ]
    legend = _("Light bar: the quota over the period; dark bar: what was done.")
    bar_chart(pdf, _("Campaign quotas"), legend, bars, 1.0)
