"""`radio report`: a unit's compliance report written to a file, as the API serves it.

Whoever runs it on the server sees every unit, as an admin does.
"""

from pathlib import Path

import click
from flask.cli import with_appcontext
from flask_babel import format_percent
from flask_babel import gettext as _

from audio_library.store import atomic_path
from radio.compliance_request import PeriodError, find_unit, parse_period
from radio.reports import unit_report
from radio.reports.csv_report import compliance_csv
from radio.reports.pdf_report import result_pdf
from radio.reports.table import Report
from radio.reports.xlsx_report import compliance_xlsx

WRITERS = {"csv": compliance_csv, "xlsx": compliance_xlsx, "pdf": result_pdf}


@click.command("report")
@with_appcontext
@click.option("--unit", "unit_code", required=True, help="Unit code (TREE:CODE if reused).")
@click.option("--from", "first_text", required=True, help="First day, YYYY-MM-DD.")
@click.option("--to", "last_text", required=True, help="Last day (inclusive), YYYY-MM-DD.")
@click.option("--format", "kind", type=click.Choice(sorted(WRITERS)), required=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--campaign", default="", help="Count only this campaign's items (its code).")
def report_command(
    unit_code: str, first_text: str, last_text: str, kind: str, output: Path, campaign: str
) -> None:
    """Write the compliance report of a unit for a period: CSV, XLSX or the PDF result report."""
    if not output.parent.is_dir():
        raise click.ClickException(_("The folder %(folder)s does not exist.", folder=output.parent))
    try:
        unit = find_unit(unit_code)
        first, last = parse_period(first_text, last_text)
        report = unit_report(unit, first, last, campaign)
    except PeriodError as error:
        raise click.ClickException(str(error)) from None
    data = WRITERS[kind](report)
    with atomic_path(output) as temporary:
        temporary.write_bytes(data)
    click.echo(_("Wrote %(path)s.", path=output))
    click.echo(figures_line(report))


def figures_line(report: Report) -> str:
    total = report.c.total
    return _(
        "%(stations)s stations: %(aired)s of %(due)s items due aired (%(rate)s), "
        "%(unreported)s not reported.",
        stations=len(report.c.stations),
        aired=total.aired_items,
        due=total.due_items,
        rate=format_percent(total.rate or 0, "#,##0.0%"),
        unreported=total.unreported_items,
    )
