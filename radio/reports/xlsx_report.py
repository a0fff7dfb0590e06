"""The compliance report as an Excel workbook the province can open, filter and sum.

A summary sheet (the unit, period and anchor at the top, the headline figures, the
figures by level), then one sheet per table: a bold header row that stays in view, a
filter on it, number formats (minutes with one decimal, percentages) and a total line
of real SUM formulas, so that a row corrected by hand is counted in it.
"""

import io
from typing import Any

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from radio.reports.table import Kind, Report, Table

FORMATS = {
    Kind.COUNT: "#,##0",
    Kind.MINUTES: "#,##0.0",
    Kind.NUMBER: "#,##0.0",
    Kind.RATE: "0.0%",
    Kind.DATE: "dd/mm/yyyy",
    Kind.TIME: "dd/mm/yyyy hh:mm",
}
WIDTHS = {Kind.DATE: 12, Kind.TIME: 17}
NUMBER_WIDTH, MIN_TEXT, MAX_TEXT = 11, 10, 60
BOLD = Font(bold=True)
HEADER = Alignment(wrap_text=True, vertical="top")


def compliance_xlsx(report: Report) -> bytes:
    book = Workbook()
    summary = book.active
    summary.title = _("Summary")
    write_summary(summary, report)
    for table in (
        report.stations(),
        report.days(),
        report.topics_table(),
        report.campaigns_table(),
        report.quotas(),
        report.emergencies(),
    ):
        sheet = book.create_sheet(str(table.title))
        write_table(sheet, table, 1)
        sheet.freeze_panes = "B2"
        if table.rows:
            last = get_column_letter(len(table.columns))
            sheet.auto_filter.ref = f"A1:{last}{len(table.rows) + 1}"
    book.properties.creator = "Loa xã"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def write_summary(sheet: Worksheet, report: Report) -> None:
    sheet.append([_("Compliance report")])
    sheet["A1"].font = Font(bold=True, size=14)
    for lines in (report.heading(), report.summary()):
        sheet.append([])
        for label, value, kind in lines:
            sheet.append([str(label)])
            sheet.cell(sheet.max_row, 1).font = BOLD
            put(sheet.cell(sheet.max_row, 2), kind, value)
    sheet.append([])
    levels = report.levels()
    write_table(sheet, levels, sheet.max_row + 1)
    sheet.column_dimensions["A"].width = 34
    sheet.column_dimensions["B"].width = 24


def put(cell: Any, kind: Kind, value: Any) -> None:
    cell.value = value
    if kind in FORMATS:
        cell.number_format = FORMATS[kind]


def write_table(sheet: Worksheet, table: Table, top: int) -> None:
    """The table with its header on row `top`, its rows, and its total line of formulas."""
    for i, col in enumerate(table.columns, 1):
        cell = sheet.cell(top, i, str(col.header))
        cell.font, cell.alignment = BOLD, HEADER
    for r, row in enumerate(table.rows, top + 1):
        for i, (col, value) in enumerate(zip(table.columns, row, strict=True), 1):
            put(sheet.cell(r, i), col.kind, value)
    if table.totals:
        write_totals(sheet, table, top)
    for i, col in enumerate(table.columns, 1):
        if col.kind is Kind.TEXT:
            longest = max((len(str(row[i - 1] or "")) for row in table.rows), default=0)
            width = min(max(longest + 2, MIN_TEXT), MAX_TEXT)
        else:
            width = WIDTHS.get(col.kind, NUMBER_WIDTH)
        sheet.column_dimensions[get_column_letter(i)].width = width


def write_totals(sheet: Worksheet, table: Table, top: int) -> None:
    first, last = top + 1, top + len(table.rows)
    row = last + 1
    letters = {col.key: get_column_letter(i) for i, col in enumerate(table.columns, 1)}
    values = table.total_row()
    for i, (col, value) in enumerate(zip(table.columns, values, strict=True), 1):
        cell = sheet.cell(row, i)
        cell.font = BOLD
        if col.kind.summed and table.rows:
            put(cell, col.kind, f"=SUM({letters[col.key]}{first}:{letters[col.key]}{last})")
        elif col.ratio is not None and col.ratio[1] in letters:
            numerator, denominator = (f"{letters[key]}{row}" for key in col.ratio)
            put(cell, col.kind, f'=IF({denominator}=0,"",MIN(1,{numerator}/{denominator}))')
        else:
            put(cell, col.kind, value)
