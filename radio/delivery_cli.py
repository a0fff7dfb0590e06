"""`radio export-playlist`: a station's download written to a file, e.g. for a USB stick.

For a commune with no connection at all, the district copies the bundle (or one
pre-mixed session) and carries it over; the export is recorded like a download.
"""

import shutil
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import gettext as _
from sqlalchemy import select

from audio_library.store import atomic_path
from radio import audio
from radio.db import get_session
from radio.delivery.formats import writer
from radio.downloads import FROM_CLI, Format, record_download
from radio.playlist_docs import airing_session, playlist_doc, station_days
from scheduler.units import Station

FORMATS = ["zip", "m3u8", "pdf", "ics", "mp3"]


@click.command("export-playlist")
@with_appcontext
@click.argument("code")
@click.option("--date", "first", type=click.DateTime(["%Y-%m-%d"]), required=True)
@click.option("--days", type=click.IntRange(1, 7), default=1, show_default=True)
@click.option("--format", "kind", type=click.Choice(FORMATS), default="zip", show_default=True)
@click.option("--session", "number", help="The session to pre-mix (with --format mp3).")
@click.option(
    "--base-url",
    default="http://127.0.0.1:5000",
    show_default=True,
    help="Where players reach this server: the M3U8's signed links start with it.",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
def export_playlist_command(
    code: str,
    first: datetime,
    days: int,
    kind: str,
    number: str | None,
    base_url: str,
    output: Path,
) -> None:
    """Write station CODE's playlist from DATE as ZIP, M3U8, PDF, calendar or session MP3."""
    station = get_session().scalar(select(Station).where(Station.code == code))
    if station is None:
        raise click.ClickException(_("No station with code %(code)s.", code=code))
    playlists = station_days(station, first.date(), days)
    if not playlists or playlists[0].day != first.date():
        raise click.ClickException(
            _(
                "No playlist has been built for station %(station)s on %(date)s.",
                station=code,
                date=first.date().isoformat(),
            )
        )
    format = Format(kind)
    with current_app.test_request_context(base_url=base_url), atomic_path(output) as tmp:
        if format is Format.MP3:
            try:
                session = airing_session(playlists[0], number or "")
            except LookupError as missing:
                raise click.ClickException(str(missing)) from missing
            shutil.copyfile(audio.mixer().mix(session).path, tmp)
            record_download(
                get_session(),
                playlists[0],
                format,
                session_number=session.number,
                remote_addr=FROM_CLI,
            )
        else:
            written = writer(format, days)([playlist_doc(station, p) for p in playlists])
            write_to(tmp, written)
            for playlist in playlists:
                record_download(get_session(), playlist, format, remote_addr=FROM_CLI)
    get_session().commit()
    click.echo(_("Wrote %(path)s.", path=output))


def write_to(path: Path, written: str | bytes | Iterable[bytes]) -> None:
    if isinstance(written, str):
        written = written.encode()
    with path.open("wb") as out:
        for chunk in [written] if isinstance(written, bytes) else written:
            out.write(chunk)
