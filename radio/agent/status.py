"""What the operator asks the agent: `radio agent status`, read from its local store.

It reads the store only, so it works while the agent runs (as a service) or not at all.
"""

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from radio.agent.client import free_bytes
from radio.agent.settings import Settings
from radio.agent.slots import slots_of
from radio.agent.store import LocalStore
from radio.agent.sync import audio_items, audio_path
from radio.agent.words import _

ALIVE_WITHIN = timedelta(minutes=5)


def status(folder: Path) -> dict[str, Any]:
    settings = Settings(server="", token="", folder=folder)
    store = LocalStore(settings.database)
    try:
        zone = ZoneInfo(store.get("timezone") or "Asia/Ho_Chi_Minh")
        now = datetime.now(UTC)
        today = now.astimezone(zone).date()
        held = store.playlists(today)
        alive = store.get("alive_at")
        open_slots = [
            slot
            for day, body in held.items()
            for slot in slots_of(day, body)
            if slot.ends_at > now and not store.session_done(slot.key)
        ]
        upcoming = [slot for slot in open_slots if slot.starts_at > now]
        started = [slot for slot in open_slots if slot.starts_at <= now]
        shas = {item["sha256"] for body in held.values() for item in audio_items(body)}
        return {
            "station": store.get("station"),
            "station_name": store.get("station_name"),
            "timezone": zone.key,
            "running": alive is not None and now - datetime.fromisoformat(alive) < ALIVE_WITHIN,
            "last_sync_at": store.get("last_sync_at"),
            "playlists": [{"date": str(day), "version": b["version"]} for day, b in held.items()],
            "on_air": started[0].starts_at.isoformat() if started else None,
            "next_session": (
                min(upcoming, key=lambda s: s.starts_at).starts_at.isoformat() if upcoming else None
            ),
            "audio_files": len(shas),
            "audio_missing": sum(not audio_path(settings.audio, sha).exists() for sha in shas),
            "disk_free_bytes": free_bytes(folder),
            "pending_confirmations": store.pending_count(),
            "refused_confirmations": store.refused_count(),
            "aired_today": store.aired(today),
            "errors": store.errors(10),
        }
    finally:
        store.close()


def describe(report: dict[str, Any]) -> list[str]:
    """The status in sentences, for a terminal, with times on the station's clock."""
    zone = ZoneInfo(report["timezone"])

    def local(text: str | None) -> str:
        if text is None:
            return "—"
        return datetime.fromisoformat(text).astimezone(zone).strftime("%H:%M:%S %d/%m/%Y")

    lines = [
        _("Station: %(code)s %(name)s")
        % {"code": report["station"] or "—", "name": report["station_name"] or ""},
        _("The agent is running.") if report["running"] else _("The agent is NOT running."),
        _("Last sync: %(at)s") % {"at": local(report["last_sync_at"])},
    ]
    if report["playlists"]:
        held = ", ".join(f"{p['date']} (v{p['version']})" for p in report["playlists"])
        lines.append(_("Playlists held: %(days)s") % {"days": held})
    else:
        lines.append(_("No playlist held: the station stays silent until a sync succeeds."))
    lines += [
        _("Next session: %(at)s") % {"at": local(report["next_session"])},
        *(
            [_("On air: the session of %(at)s.") % {"at": local(report["on_air"])}]
            if report["on_air"]
            else []
        ),
        _("Audio files: %(held)s needed, %(missing)s missing.")
        % {"held": report["audio_files"], "missing": report["audio_missing"]},
        _("Disk free: %(mb)s MB") % {"mb": report["disk_free_bytes"] // 2**20},
        _("Confirmations waiting for the server: %(n)s") % {"n": report["pending_confirmations"]},
    ]
    if report["refused_confirmations"]:
        lines.append(
            _("Confirmations the server refused: %(n)s") % {"n": report["refused_confirmations"]}
        )
    aired = report["aired_today"]
    lines.append(_("Items reported today: %(n)s") % {"n": len(aired)})
    for error in report["errors"]:
        lines.append(f"! {local(error['at'])} {error['message']}")
    return lines
