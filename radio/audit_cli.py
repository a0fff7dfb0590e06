"""`radio audit`: check every station's as-run chain (`verify`) and print a unit's daily anchor
(`anchor`) to compare with the one on a printed report."""

import sys
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import gettext as _
from sqlalchemy import select

from audio_library.db import utcnow
from radio.airings.chain import Break, daily_anchor, stations_under, verify_station
from radio.compliance_request import PeriodError, find_unit
from radio.db import get_session
from scheduler.units import Station

audit_cli = click.Group("audit", help="Check the tamper-evident as-run log.")


def break_message(found: Break) -> str:
    if found.kind == "missing":
        return _(
            "Station %(station)s: record no. %(seq)s is missing from the chain.",
            station=found.station_code,
            seq=found.seq,
        )
    if found.kind == "relinked":
        return _(
            "Station %(station)s: record no. %(seq)s (id %(id)s) does not follow the one "
            "before it: a record was removed or replaced.",
            station=found.station_code,
            seq=found.seq,
            id=found.record_id,
        )
    return _(
        "Station %(station)s: record no. %(seq)s (id %(id)s) was changed after it was "
        "written: its content does not match its hash.",
        station=found.station_code,
        seq=found.seq,
        id=found.record_id,
    )


@audit_cli.command("verify")
@with_appcontext
@click.option("--station", "code", help="Check one station only (its code).")
def verify_command(code: str | None) -> None:
    """Check each station's chain of confirmations; exit 1 at the first broken link."""
    session = get_session()
    query = select(Station).order_by(Station.code)
    if code:
        query = query.where(Station.code == code)
    stations = list(session.scalars(query))
    if code and not stations:
        raise click.ClickException(_("No station has the code %(code)s.", code=code))
    broken = 0
    total = 0
    for station in stations:
        checked, found = verify_station(session, station)
        total += checked
        if found is not None:
            broken += 1
            click.echo(break_message(found), err=True)
    if broken:
        click.echo(
            _(
                "%(count)s of %(stations)s stations have a broken chain.",
                count=broken,
                stations=len(stations),
            ),
            err=True,
        )
        sys.exit(1)
    click.echo(
        _(
            "The as-run log holds: %(records)s records of %(stations)s stations checked.",
            records=total,
            stations=len(stations),
        )
    )


@audit_cli.command("anchor")
@with_appcontext
@click.option("--unit", "code", required=True, help="The unit's code (TREE:CODE if shared).")
@click.option("--date", "day", type=click.DateTime(["%Y-%m-%d"]), required=True)
def anchor_command(code: str, day: datetime) -> None:
    """Print a unit's daily anchor: compare it with the one printed on a report of that day."""
    session = get_session()
    try:
        unit = find_unit(code)
    except PeriodError as error:
        raise click.ClickException(str(error)) from None
    zone = ZoneInfo(current_app.config["TIMEZONE"])
    until = datetime.combine(day.date() + timedelta(days=1), time(0), zone)
    click.echo(daily_anchor(session, stations_under(session, unit), min(until, utcnow())))
