"""`radio build-playlists`: the same build the nightly job runs, with a progress bar."""

import sys
from datetime import date, time, timedelta

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import gettext as _
from sqlalchemy import select

from audio_library.db import utcnow
from radio.db import get_session
from scheduler.builder import MAX_DAYS, BuildResult, build_playlists
from scheduler.units import Station


def lock_window() -> timedelta:
    return timedelta(minutes=int(current_app.config["LOCK_MINUTES"]))


def build_at() -> time:
    return time.fromisoformat(str(current_app.config["BUILD_AT"]))


def build_with_progress(first: date, days: int, station_ids: list[int] | None) -> BuildResult:
    """Build and commit, drawing a progress bar on stderr."""
    session = get_session()
    with click.progressbar(length=1000, label=_("Building playlists"), file=sys.stderr) as bar:

        def advance(done: int, total: int) -> None:
            bar.update(int(1000 * done / max(total, 1)) - bar.pos)

        result = build_playlists(
            session,
            first,
            days,
            now=utcnow(),
            station_ids=station_ids,
            trigger="manual",
            lock=lock_window(),
            progress=advance,
        )
    session.commit()
    return result


@click.command("build-playlists")
@with_appcontext
@click.option("--date", "first", type=click.DateTime(["%Y-%m-%d"]), required=True)
@click.option("--days", type=click.IntRange(1, MAX_DAYS), default=1, show_default=True)
@click.option("--station", "code", help="Only this station (its code).")
def build_playlists_command(first: date, days: int, code: str | None) -> None:
    """Build playlists for DATE and the following days; unchanged days keep their version."""
    station_ids = None
    if code:
        station = get_session().scalar(select(Station).where(Station.code == code))
        if station is None:
            raise click.ClickException(_("No station with code %(code)s.", code=code))
        station_ids = [station.id]
    result = build_with_progress(first.date(), days, station_ids)  # type: ignore[attr-defined]
    click.echo(
        _(
            "%(stations)d stations: %(new)d new playlist versions, %(same)d unchanged, "
            "%(short)d quota shortfalls reported.",
            stations=result.stations,
            new=result.playlists,
            same=result.unchanged,
            short=result.shortfalls,
        )
    )
