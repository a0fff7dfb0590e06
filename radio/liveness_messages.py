"""What the audit pages and the heartbeat API share about station agents: their liveness
with this deployment's threshold, and how it is worded."""

from collections.abc import Collection
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import format_decimal, format_timedelta
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from audio_library.db import utcnow
from radio.airings.liveness import AgentState, AgentWarning, Liveness, WarningKind, liveness
from radio.db import get_session

WARNING_LABELS = {
    WarningKind.BEHIND: _l("old playlist"),
    WarningKind.CLOCK_SKEW: _l("clock off"),
    WarningKind.LOW_DISK: _l("disk nearly full"),
}
BYTE_UNITS = ("B", "kB", "MB", "GB", "TB")


def silent_after() -> timedelta:
    return timedelta(minutes=float(current_app.config["AGENT_SILENT_MINUTES"]))


def agents_now(station_ids: Collection[int]) -> dict[int, Liveness]:
    return liveness(get_session(), station_ids, utcnow(), silent_after())


def ago(moment: datetime, now: datetime) -> str:
    """“2 minutes ago”."""
    return str(format_timedelta(moment - now, add_direction=True))


def state_text(line: Liveness, now: datetime) -> str:
    """“live · 2 minutes ago”, “silent for 3 hours”, or “—” for a station run by hand."""
    if line.heartbeat is None:
        return "—"
    last = line.heartbeat.received_at
    if line.state == AgentState.LIVE:
        return _("live · %(ago)s", ago=ago(last, now))
    return _("silent for %(span)s", span=format_timedelta(now - last))


def human_bytes(count: int) -> str:
    """Bytes in decimal units, as disks are sold: “1,5 GB”."""
    size, unit = float(count), 0
    while size >= 1000 and unit < len(BYTE_UNITS) - 1:
        size, unit = size / 1000, unit + 1
    shown = format_decimal(round(size, 1) if unit else size, format="#,##0.#")
    return f"{shown} {BYTE_UNITS[unit]}"


def skew_text(seconds: float) -> str:
    """The agent's clock against the server's, in words."""
    span = format_timedelta(timedelta(seconds=abs(seconds)), threshold=1.5)
    if abs(seconds) < 1:
        return _("in step with the server")
    if seconds > 0:
        return _("%(span)s ahead of the server", span=span)
    return _("%(span)s behind the server", span=span)


def warning_text(warning: AgentWarning) -> str:
    if warning.kind == WarningKind.BEHIND:
        day = warning.day.strftime("%d/%m/%Y") if warning.day else ""
        if not warning.held:
            return _(
                "It does not hold the playlist of %(day)s (current version %(current)s).",
                day=day,
                current=warning.current,
            )
        return _(
            "It holds version %(held)s of the playlist of %(day)s; the current one is %(current)s.",
            held=warning.held,
            day=day,
            current=warning.current,
        )
    if warning.kind == WarningKind.CLOCK_SKEW:
        return _("Its clock is %(skew)s.", skew=skew_text(warning.seconds or 0.0))
    return _("Only %(free)s of disk left.", free=human_bytes(warning.free_bytes or 0))
