"""The compliance report of a unit for a period: JSON, CSV, XLSX and the PDF result report.

Auditors read the units in their scope (admins every unit); station tokens are refused.
"""

from collections.abc import Callable
from typing import Any

from flask import Response, abort, g
from flask_babel import gettext as _

from radio.airings.compliance import Figures
from radio.api.auth import blueprint
from radio.api.report_schemas import ComplianceSchema, QueryArgsSchema
from radio.compliance_request import PeriodError, audit_unit, parse_period
from radio.delivery.names import ascii_slug
from radio.reports import unit_report
from radio.reports.csv_report import compliance_csv
from radio.reports.pdf_report import result_pdf
from radio.reports.table import (
    FIGURES,
    SESSIONS,
    Report,
    figure_values,
    ordered,
    session_values,
)
from radio.reports.xlsx_report import compliance_xlsx

bp = blueprint("api_reports", __name__, "Compliance reports")

PATH = "/reports/compliance"
PARAMETERS = {"unit": "unit", "from": "from_", "to": "to"}  # in the query: once parsed
MIMETYPES = {
    "csv": "text/csv",  # Werkzeug adds "; charset=utf-8" to text types
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


def requested_report(args: dict[str, str]) -> Report:
    """The report the query asks for; 400 saying what is missing or wrong, 403 outside the
    caller's scope (before anything is computed)."""
    if g.get("device") is not None:
        abort(403, description=_("A station token cannot do this."))
    given = {name: args.get(key, "").strip() for name, key in PARAMETERS.items()}
    missing = [name for name, value in given.items() if not value]
    if missing:
        abort(
            400,
            description=_(
                "Give %(names)s in the query, for example ?unit=662&from=2026-07-01&to=2026-07-31.",
                names=", ".join(missing),
            ),
        )
    unit = audit_unit(given["unit"])
    try:
        first, last = parse_period(given["from"], given["to"])
        return unit_report(unit, first, last, args.get("campaign", ""))
    except PeriodError as error:
        abort(400, description=str(error))


@bp.get(PATH)
@bp.arguments(QueryArgsSchema, location="query")
@bp.response(200, ComplianceSchema)
def get_compliance(args: dict[str, str]) -> dict[str, Any]:
    """A unit's compliance over a period: planned against aired, by station, day, topic,
    campaign and level; campaign quotas; emergencies; the anchor hash.

    `unit`, `from` and `to` are required (at most 400 days); `campaign` narrows the
    figures to one campaign's items. Minutes are minutes; rates are shares of the items
    (or minutes) due so far. Also as `.csv`, `.xlsx` and `.pdf`.
    """
    return document(requested_report(args))


def file_response(args: dict[str, str], kind: str, write: Callable[[Report], bytes]) -> Response:
    report = requested_report(args)
    c = report.c
    name = f"bao-cao_{ascii_slug(c.unit.name, 'don-vi')}_{c.first}_{c.last}.{kind}"
    response = Response(write(report), mimetype=MIMETYPES[kind])
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@bp.get(f"{PATH}.csv")
@bp.arguments(QueryArgsSchema, location="query")
@bp.response(200, description="One table by station with a total line", content_type="text/csv")
def get_compliance_csv(args: dict[str, str]) -> Response:
    """The table by station as CSV (UTF-8 with BOM, Vietnamese headers, a total line)."""
    return file_response(args, "csv", compliance_csv)


@bp.get(f"{PATH}.xlsx")
@bp.arguments(QueryArgsSchema, location="query")
@bp.response(200, description="Workbook with summed sheets", content_type=MIMETYPES["xlsx"])
def get_compliance_xlsx(args: dict[str, str]) -> Response:
    """The report as an Excel workbook: summary, by station, day, topic and campaign,
    quotas and emergencies, with Vietnamese headers, formats and SUM totals."""
    return file_response(args, "xlsx", compliance_xlsx)


@bp.get(f"{PATH}.pdf")
@bp.arguments(QueryArgsSchema, location="query")
@bp.response(200, description="Result report, A4", content_type=MIMETYPES["pdf"])
def get_compliance_pdf(args: dict[str, str]) -> Response:
    """The result report (báo cáo kết quả) to send to the province: summary, a line per
    child unit, charts, the anchor hash and signature boxes."""
    return file_response(args, "pdf", result_pdf)


def figures(f: Figures) -> dict[str, Any]:
    return dict(zip([col.key for col in FIGURES], ordered(FIGURES, figure_values(f)), strict=True))


def document(report: Report) -> dict[str, Any]:
    """The report as ComplianceSchema dumps it."""
    c = report.c
    total_sessions = {col.key: 0 for col in SESSIONS}
    for line in c.stations:
        for key, value in session_values(line.sessions).items():
            total_sessions[key] += value
    return {
        "unit": {"code": c.unit.code, "name": c.unit.name, "path": report.unit_path},
        "period": {"from_": c.first, "to": c.last},
        "campaign": report.campaign,
        "made_at": c.made_at,
        "anchor": {"hash": c.anchor, "until": c.anchored_at},
        "total": figures(c.total),
        "sessions": total_sessions,
        "stations": [
            {
                "code": line.station.code,
                "name": line.station.name,
                "unit_path": line.unit_path,
                "figures": figures(line.figures),
                "sessions": session_values(line.sessions),
                "last_download": line.last_download,
                "last_contact": line.last_contact,
            }
            for line in c.stations
        ],
        "days": [{"day": day, "figures": figures(f)} for day, f in c.days.items()],
        "topics": [{"topic": report.topics.get(t), "figures": figures(f)} for t, f in c.topics],
        "campaigns": [
            {"campaign": report.campaigns.get(i), "figures": figures(f)} for i, f in c.campaigns
        ],
        "levels": [{"level": level, "figures": figures(f)} for level, f in c.levels],
        "quotas": [
            {
                "campaign": q.campaign,
                "kind": q.kind,
                "label": q.label,
                "station": q.station,
                "required": q.required,
                "done": q.done,
                "met": q.met,
            }
            for q in c.quotas
        ],
        "emergencies": [
            {
                "station": e.station,
                "title": e.title,
                "planned_start": e.planned_start,
                "status": e.status,
                "started_at": e.started_at,
                "delay_seconds": e.delay_seconds,
            }
            for e in c.emergencies
        ],
    }
