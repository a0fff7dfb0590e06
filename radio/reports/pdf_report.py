"""The result report (báo cáo kết quả) of a unit for a campaign and period, to send to the
province: title and legal basis, a summary, a line per child unit, charts, the anchor
hash that lets anyone check the figures later, and boxes for the signatures.

A4 portrait in Noto Sans (embedded), black and greys only, numbered "Trang x/N".
"""

from itertools import zip_longest
from typing import Any

from flask_babel import format_date, format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from fpdf import FontFace
from fpdf.enums import XPos, YPos

from radio.airings.history import quota_progress
from radio.airings.rollup import UnitLine, unit_lines
from radio.charts import DETAILED, percent
from radio.db import get_session
from radio.pdf import FAMILY, NotoA4
from radio.reports import pdf_charts
from radio.reports.table import COLUMNS, Column, Kind, Report, Table, figure_values, ordered
from scheduler.campaigns import Campaign

MARGIN = 15  # mm; leaves 180 mm of width
BOLD = FontFace(emphasis="BOLD")
SIGNATURE_HEIGHT = 45
UNIT_COLUMNS = [
    Column("unit", _l("Unit")),
    Column("stations", _l("Number of stations"), Kind.COUNT),
    *(COLUMNS[key] for key in ("planned_items", "due_items", "aired_items", "rate")),
    *(COLUMNS[key] for key in ("planned_minutes", "aired_minutes")),
    *(COLUMNS[key] for key in ("sessions_unconfirmed", "late_records")),
    Column("emergencies", _l("Emergency items planned"), Kind.COUNT),
    Column("emergencies_aired", _l("Emergency items aired"), Kind.COUNT),
    Column("max_delay", _l("Longest delay of an emergency (s)"), Kind.NUMBER),
]
UNIT_WIDTHS = (30, 11, 12, 12, 12, 13, 13, 13, 13, 13, 13, 12, 13)


class ResultPdf(NotoA4):
    def __init__(self, footer_line: str) -> None:
        super().__init__(MARGIN)
        self.set_auto_page_break(True, margin=16)
        self.footer_line = footer_line

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FAMILY, "", 8)
        self.cell(self.epw * 0.75, 5, pdf_charts.fit(self, self.footer_line, self.epw * 0.7))
        page = _("Page %(page)s/%(pages)s", page=self.page_no(), pages=self.str_alias_nb_pages)
        self.cell(self.epw * 0.25, 5, page, align="R")


def shown(kind: Kind, value: Any) -> str:
    if value is None:
        return "—"
    if kind is Kind.COUNT:
        return format_decimal(value, "#,##0")
    if kind in (Kind.MINUTES, Kind.NUMBER):
        return format_decimal(value, "#,##0.0")
    if kind is Kind.RATE:
        return percent(value, DETAILED)
    if kind is Kind.DATE:
        return format_date(value, "dd/MM/yyyy")
    if kind is Kind.TIME:
        return f"{value:%d/%m/%Y %H:%M}"
    return str(value)


def unit_table(lines: list[UnitLine]) -> Table:
    """One line per child unit, with the figures of the stations under it."""
    rows = [
        ordered(
            UNIT_COLUMNS,
            {
                "unit": line.unit.name,
                "stations": line.stations,
                **figure_values(line.figures),
                "sessions_unconfirmed": line.headline.unconfirmed_sessions,
                "late_records": line.headline.late_records,
                "emergencies": line.headline.emergencies,
                "emergencies_aired": line.headline.emergencies_aired,
                "max_delay": line.headline.max_delay,
            },
        )
        for line in lines
    ]
    return Table("units", _l("By unit"), UNIT_COLUMNS, rows)


def result_pdf(report: Report) -> bytes:
    c = report.c
    period = _(
        "from %(first)s to %(last)s",
        first=format_date(c.first, "dd/MM/yyyy"),
        last=format_date(c.last, "dd/MM/yyyy"),
    )
    pdf = ResultPdf(f"{c.unit.name} · {period}")
    title = _("RESULT REPORT")
    pdf.set_title(f"{title} · {c.unit.name} · {period}")
    # Dated when its figures were made, not when the file was written.
    pdf.set_creation_date(c.made_at)
    pdf.add_page()
    write_title(pdf, report, period)
    section(pdf, _("I. Summary"))
    write_pairs(pdf, report.summary())
    section(pdf, _("II. Results by unit"))
    write_table(pdf, unit_table(unit_lines(get_session(), c)), UNIT_WIDTHS)
    section(pdf, _("III. Charts"), pdf_charts.DAY_CHART_HEIGHT + 10)
    pdf_charts.day_chart(pdf, c.first, c.last, c.days)
    pdf_charts.topic_chart(pdf, [(names[1], f) for names, f in report.topic_lines()])
    pdf_charts.quota_chart(pdf, quota_progress(c.quotas))
    section(pdf, _("IV. Checking these figures"))
    write_anchor(pdf, report)
    write_signatures(pdf)
    return bytes(pdf.output())


def text(pdf: ResultPdf, words: str, size: float = 9, style: str = "", align: str = "L") -> None:
    pdf.set_font(FAMILY, style, size)
    pdf.multi_cell(0, size * 0.5, words, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def section(pdf: ResultPdf, heading: str, keep: float = 20) -> None:
    """A numbered heading, on a new page unless `keep` mm of what follows fit below it."""
    pdf.ln(4)
    if pdf.will_page_break(keep):
        pdf.add_page()
    text(pdf, heading, 11, "B")
    pdf.ln(1)


def write_title(pdf: ResultPdf, report: Report, period: str) -> None:
    """The unit and the national motto side by side, then the title and what it covers."""
    half = pdf.epw / 2
    pdf.set_font(FAMILY, "B", 9)
    top = pdf.get_y()
    pdf.multi_cell(half - 5, 4.5, report.c.unit.name.upper(), align="C")
    left_end = pdf.get_y()
    pdf.set_xy(pdf.l_margin + half, top)
    country, motto = _("SOCIALIST REPUBLIC OF VIETNAM"), _("Independence – Freedom – Happiness")
    pdf.multi_cell(half, 4.5, f"{country}\n{motto}", align="C")
    pdf.set_y(max(left_end, pdf.get_y()) + 6)
    text(pdf, _("RESULT REPORT"), 15, "B", "C")
    campaigns = [report.campaign] if report.campaign else sorted_campaigns(report)
    if report.campaign is not None:
        what = _(
            "Broadcasting of “%(name)s” on the commune radio stations", name=report.campaign.name
        )
    else:
        what = _("Broadcasting of the period's campaigns on the commune radio stations")
    text(pdf, what, 10.5, "B", "C")
    text(pdf, _("Period: %(period)s", period=period), 9.5, "", "C")
    pdf.ln(3)
    text(pdf, _("Unit: %(unit)s", unit=report.unit_path))
    for campaign in campaigns:
        if report.campaign is None:
            text(pdf, _("Campaign: %(name)s", name=campaign.name), 9, "B")
        if campaign.legal_refs:
            text(pdf, _("Legal basis: %(refs)s", refs=campaign.legal_refs), 8.5)
    made = shown(Kind.TIME, report.local(report.c.made_at))
    count = len(report.c.stations)
    text(
        pdf,
        _("Made on %(when)s from the as-run log of %(count)s stations.", when=made, count=count),
        8.5,
    )


def sorted_campaigns(report: Report) -> list[Campaign]:
    return sorted(report.campaigns.values(), key=lambda c: (c.starts_on, c.name))


def write_pairs(pdf: ResultPdf, lines: list[tuple[Any, Any, Kind]]) -> None:
    """Label and value pairs in two columns, read down the first and then the second."""
    half = (len(lines) + 1) // 2
    pdf.set_font(FAMILY, "", 8.5)
    with pdf.table(
        col_widths=(50, 20, 50, 20),
        width=pdf.epw,
        first_row_as_headings=False,
        line_height=4.4,
        padding=(0.5, 1.5),
    ) as table:
        for left, right in zip_longest(lines[:half], lines[half:]):
            row = table.row()
            for label, value, kind in filter(None, (left, right)):
                row.cell(str(label))
                row.cell(shown(kind, value), align="RIGHT")


def write_table(pdf: ResultPdf, table: Table, widths: tuple[float, ...]) -> None:
    pdf.set_font(FAMILY, "", 7)
    with pdf.table(
        col_widths=widths,
        width=sum(widths),
        align="LEFT",
        line_height=3.4,
        padding=0.8,
        headings_style=BOLD,
        text_align="RIGHT",
    ) as out:
        out.row([str(col.header) for col in table.columns])
        for values, style in [*((row, None) for row in table.rows), (table.total_row(), BOLD)]:
            row = out.row(style=style)
            for col, value in zip(table.columns, values, strict=True):
                row.cell(shown(col.kind, value), align="LEFT" if col.kind is Kind.TEXT else "RIGHT")


def write_anchor(pdf: ResultPdf, report: Report) -> None:
    c = report.c
    until = shown(Kind.TIME, report.local(c.anchored_at))
    text(pdf, _("Anchor hash of the as-run log:"), 9)
    text(pdf, c.anchor, 9, "B")
    if c.anchored_at is not None and c.anchored_at < c.made_at:
        unit = f"{c.unit.tree}:{c.unit.code}"  # unambiguous where codes repeat across trees
        check = _(
            "It sums up every airing record of these stations received before %(until)s. "
            "To check later that none of them was changed or removed, run “radio audit "
            "verify” on the server (each station's chain of records must hold), then “radio "
            "audit anchor --unit %(unit)s --date %(day)s”: it must print this same hash.",
            until=until,
            unit=unit,
            day=c.last.isoformat(),
        )
    else:
        check = _(
            "It sums up every airing record of these stations received before %(until)s, "
            "when this report was made, before the period was over: only a report made "
            "after its last day can be checked later with “radio audit anchor”.",
            until=until,
        )
    text(pdf, check, 8.5)


def write_signatures(pdf: ResultPdf) -> None:
    with pdf.signature_boxes(SIGNATURE_HEIGHT, width=pdf.epw, line_height=4.5) as table:
        row = table.row(min_height=SIGNATURE_HEIGHT - 10)
        row.cell(_("Prepared by (signature and full name)"), align="CENTER")
        row.cell(_("Head of the unit (signature, full name and seal)"), align="CENTER")
