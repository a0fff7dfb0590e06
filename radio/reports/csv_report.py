"""The compliance report as CSV: the table by station and its total line.

UTF-8 with a byte order mark, so that Excel opens the Vietnamese headers and names as
they are; numbers with a decimal point (minutes to two places), rates in percent, times
in the report's zone.
"""

import csv
import io
from typing import Any

from radio.reports.table import Kind, Report

TIME = "%Y-%m-%d %H:%M"


def cell(kind: Kind, value: Any) -> str:
    if value is None:
        return ""
    if kind is Kind.TIME:
        return value.strftime(TIME)
    if kind is Kind.DATE:
        return value.isoformat()
    if kind is Kind.RATE:
        return f"{100 * value:.1f}"
    if kind is Kind.MINUTES:
        return f"{value:.2f}"  # data to add up again, not only to read: keep seconds' worth
    if kind is Kind.NUMBER:
        return f"{value:.1f}"
    return str(value)


def compliance_csv(report: Report) -> bytes:
    table = report.stations()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([str(col.header) for col in table.columns])
    for row in [*table.rows, table.total_row()]:
        writer.writerow([cell(col.kind, v) for col, v in zip(table.columns, row, strict=True)])
    return out.getvalue().encode("utf-8-sig")
