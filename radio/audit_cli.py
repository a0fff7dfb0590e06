"""`radio audit verify`: recompute every station's as-run chain and name the first break."""

import sys

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _
from sqlalchemy import select

from radio.airings.chain import Break, verify_station
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
