"""`radio agent`: the station agent, and `radio agent status` for the operator.

A plain click group, not an app command: the agent runs on a commune PC without the
server's configuration or database.
"""

import json
import logging
import signal
import threading
from pathlib import Path

import click

from radio.agent.agent import Agent, AgentBusy
from radio.agent.settings import Settings
from radio.agent.status import describe, status
from radio.agent.words import _, use_language

FOLDER = click.Path(file_okay=False, path_type=Path)


@click.group("agent", invoke_without_command=True)
@click.option("--server", envvar="LOAXA_SERVER", help="The server's address, https://…")
@click.option("--token", envvar="LOAXA_TOKEN", help="The station's device token (lxs_…).")
@click.option("--dir", "folder", envvar="LOAXA_DIR", type=FOLDER, help="Where it keeps its files.")
@click.option("--days", default=3, show_default=True, type=click.IntRange(1, 7))
@click.option("--poll", default=120, show_default=True, type=click.IntRange(10, 3600))
@click.option("--emergency-poll", default=30, show_default=True, type=click.IntRange(5, 120))
@click.option("--player", envvar="LOAXA_PLAYER", help="Player command; {file} and {seconds}.")
@click.option("--reserve-mb", default=200, show_default=True, type=click.IntRange(0))
@click.option("--lang", envvar="LOAXA_LANG", default="vi", show_default=True)
@click.pass_context
def agent_cli(
    ctx: click.Context,
    server: str | None,
    token: str | None,
    folder: Path | None,
    days: int,
    poll: int,
    emergency_poll: int,
    player: str | None,
    reserve_mb: int,
    lang: str,
) -> None:
    """Air this station's playlists on time, offline too, and report what aired."""
    use_language(lang)
    if ctx.invoked_subcommand is not None:
        return
    if not (server and token and folder):
        raise click.UsageError(_("Give --server, --token and --dir."))
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # a line per poll is noise
    folder.mkdir(parents=True, exist_ok=True)
    settings = Settings(
        server=server,
        token=token,
        folder=folder,
        days=days,
        poll_seconds=poll,
        emergency_seconds=emergency_poll,
        player=player,
        reserve_mb=reserve_mb,
    )
    try:
        agent = Agent(settings)
    except AgentBusy as exc:
        raise click.ClickException(str(exc)) from exc
    stopping = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_args: stopping.set())
    agent.start()
    click.echo(_("Agent running in %(dir)s (Ctrl+C to stop).") % {"dir": folder})
    stopping.wait()
    agent.stop()


@agent_cli.command("status")
@click.option("--dir", "folder", envvar="LOAXA_DIR", type=FOLDER, required=True)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable.")
def status_command(folder: Path, as_json: bool) -> None:
    """What the agent holds, what it aired today, what waits for the server."""
    if not (folder / "agent.db").exists():
        raise click.ClickException(_("No agent has run in %(dir)s.") % {"dir": folder})
    report = status(folder)
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        click.echo("\n".join(describe(report)))
