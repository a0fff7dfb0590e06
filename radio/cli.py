"""The `radio` command: thin click wrappers over the same functions the web uses."""

import json
import socket
import sys
from pathlib import Path

import click
from alembic import command
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask, current_app
from flask.cli import AppGroup, FlaskGroup, with_appcontext
from flask_babel import gettext as _
from sqlalchemy import select
from waitress import serve as waitress_serve

from radio import audio, db
from radio.agent_cli import agent_cli
from radio.airings.jobs import add_airing_jobs, add_liveness_job
from radio.audio import job_handlers
from radio.audit_cli import audit_cli
from radio.db import get_session
from radio.delivery_cli import export_playlist_command
from radio.demo import demo_province, load_demo
from radio.demo_airings import load_demo_airings
from radio.demo_content import ANNOUNCEMENTS, JINGLES
from radio.demo_library import load_demo_library
from radio.demo_schedule import ensure_schedule
from radio.digest_mail import mailer
from radio.library_cli import library_cli, tts_command
from radio.messages import describe_problem
from radio.report_cli import report_command
from radio.schedule_cli import build_at, build_playlists_command, build_with_progress
from radio.tokens import issue_token
from scheduler.build_job import add_nightly_build, today_in
from scheduler.jobs import add_jobs
from scheduler.unit_import import UnitImportError, import_units
from scheduler.units import Station, path_names

db_cli = AppGroup("db", help="Database migrations (Alembic).")
units_cli = AppGroup("units", help="The unit tree.")


@db_cli.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Apply migrations up to REVISION (default: the latest)."""
    db.upgrade(revision)
    click.echo(f"Database at {revision}.")


@db_cli.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Undo migrations down to REVISION."""
    command.downgrade(db.alembic_config(), revision)


@db_cli.command("revision")
@click.option("-m", "--message", required=True)
@click.option("--autogenerate", is_flag=True)
def db_revision(message: str, autogenerate: bool) -> None:
    """Write a new migration (for developers)."""
    command.revision(db.alembic_config(), message=message, autogenerate=autogenerate)


@units_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def units_import(file: Path) -> None:
    """Load units from a CSV file with columns code,name,tier,parent_code."""
    session = get_session()
    try:
        result = import_units(session, file.read_bytes())
    except UnitImportError as exc:
        session.rollback()
        for problem in exc.problems:
            click.echo(describe_problem(problem), err=True)
        raise click.ClickException(_("Nothing was imported.")) from exc
    session.commit()
    click.echo(
        _(
            "Import done: %(created)d added, %(updated)d changed, %(unchanged)d unchanged.",
            created=result.created,
            updated=result.updated,
            unchanged=result.unchanged,
        )
    )


@click.command("stations")
@with_appcontext
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def stations_command(as_json: bool) -> None:
    """List stations: code, name, unit path."""
    session = get_session()
    stations = session.scalars(select(Station).order_by(Station.code)).all()
    paths = path_names(session, [s.unit for s in stations])
    rows = [
        {"code": s.code, "name": s.name, "unit_path": paths[s.unit_id], "active": s.active}
        for s in stations
    ]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        click.echo(f"{row['code']}\t{row['name']}\t{row['unit_path']}")


@click.command("station-token")
@with_appcontext
@click.argument("code")
@click.option("--label", default="", help="Which device the token is for.")
def station_token(code: str, label: str) -> None:
    """Issue a device token for station CODE; it is printed once and stored hashed."""
    session = get_session()
    station = session.scalar(select(Station).where(Station.code == code))
    if station is None:
        raise click.ClickException(_("No station with code %(code)s.", code=code))
    _token, plain = issue_token(session, station=station, label=label or "CLI")
    session.commit()
    click.echo(plain)


@click.command("demo")
@click.option("--no-audio", is_flag=True, help="Units, stations and people only.")
@with_appcontext
def demo_command(no_audio: bool) -> None:
    """Load the demo data (safe to run again)."""
    config = current_app.config
    session = get_session()
    password = str(config["DEMO_PASSWORD"])
    units, stations = load_demo(session, password=password, timezone=config["TIMEZONE"])
    session.commit()
    click.echo(
        _(
            "Demo ready: %(units)d units of Đắk Nông, %(stations)d stations.",
            units=units,
            stations=stations,
        )
    )
    if not no_audio:
        total = len(ANNOUNCEMENTS) + len(JINGLES)
        with click.progressbar(length=total, label=_("Demo audio"), file=sys.stderr) as bar:
            added = load_demo_library(
                session,
                audio.store(),
                audio.engines("espeak"),
                audio.tts_cache_dir(),
                audio.house_format(),
                progress=lambda _title: bar.update(1),
            )
        ensure_schedule(session, demo_province(session))  # the jingles join the sessions
        session.commit()
        click.echo(_("%(n)d demo segments added.", n=added))
    today = today_in(config["TIMEZONE"])
    result = build_with_progress(today, int(config["PLAYLIST_DAYS"]), None)
    click.echo(_("Playlists built for %(n)d stations.", n=result.stations))
    if not no_audio:
        reported = load_demo_airings(session, demo_province(session), today, config["TIMEZONE"])
        session.commit()
        click.echo(_("Last week's airings: %(n)d items reported by the stations.", n=reported))
    click.echo(
        _(
            "Log in as admin, planner, editor, approver, auditor (Huyện Cư Jút) or "
            "operator (Xã Ea Pô) with the password: %(password)s",
            password=password,
        )
    )


@click.command("serve")
@with_appcontext
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, envvar="PORT", default=5000, show_default=True)
@click.option("--threads", type=int, default=8, show_default=True)
def serve(host: str, port: int, threads: int) -> None:
    """Serve the web app with the scheduler (the embedded single-machine mode)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    scheduler = BackgroundScheduler(timezone="UTC")
    sessions = db.session_factory()
    add_jobs(scheduler, sessions, "embedded", socket.gethostname(), job_handlers(app))
    add_nightly_build(scheduler, sessions, app.config["TIMEZONE"], build_at())
    add_airing_jobs(scheduler, sessions, app.config, mailer(app))
    add_liveness_job(scheduler, sessions, app.config)
    scheduler.start()
    click.echo(f"Loa xã: http://{host}:{port}/  (Ctrl+C to stop)")
    try:
        waitress_serve(app, host=host, port=port, threads=threads)
    finally:
        scheduler.shutdown(wait=False)


@click.command("scheduler")
@with_appcontext
def scheduler_command() -> None:
    """Run the time-based jobs alone (the one scheduler process at scale)."""
    scheduler = BlockingScheduler(timezone="UTC")
    sessions = db.session_factory()
    add_jobs(scheduler, sessions, "scheduler", socket.gethostname())
    add_nightly_build(scheduler, sessions, current_app.config["TIMEZONE"], build_at())
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    add_airing_jobs(scheduler, sessions, app.config, mailer(app))
    add_liveness_job(scheduler, sessions, app.config)
    click.echo("Scheduler running (Ctrl+C to stop).")
    scheduler.start()


def init_app(app: Flask) -> None:
    for cli_command in (
        db_cli,
        units_cli,
        stations_command,
        station_token,
        demo_command,
        serve,
        scheduler_command,
        library_cli,
        tts_command,
        build_playlists_command,
        export_playlist_command,
        audit_cli,
        report_command,
    ):
        app.cli.add_command(cli_command)


def _create_app() -> Flask:
    from radio import create_app  # here, not at the top: radio imports this module

    return create_app()


cli = FlaskGroup(create_app=_create_app, help="Loa xã: commune loudspeaker scheduling.")
cli.add_command(agent_cli)
