"""Airing sessions: one thing on the loudspeakers at a time, emergencies first.

An emergency session takes the air at once: the item playing stops (reported as partly
aired, reason "emergency") and the interrupted session waits, then goes on from that
item. Each item's outcome is written to the local store before anything else.
"""

import logging
import threading
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from radio.agent.player import CommandPlayer, Played
from radio.agent.slots import Slot, item_end
from radio.agent.store import LocalStore
from radio.agent.sync import audio_path
from radio.agent.words import _

log = logging.getLogger("radio.agent")


def utcnow() -> datetime:
    return datetime.now(UTC)


class Deck:
    def __init__(self, player: CommandPlayer, store: LocalStore, audio: Path) -> None:
        self.player, self.store, self.audio = player, store, audio
        self._air = threading.Lock()  # the loudspeakers
        self._interrupt = threading.Event()  # set while an emergency wants or holds the air
        self._quiet = threading.Condition()
        self._emergencies = 0
        self._closing = threading.Event()
        self._running: set[str] = set()
        self.playing: dict[str, Any] | None = None

    def on_air(self, key: str) -> bool:
        return key in self._running

    def stop_all(self) -> None:
        """The agent is stopping: end what plays; it airs again from there at the next start."""
        self._closing.set()
        self._interrupt.set()
        with self._quiet:
            self._quiet.notify_all()

    def air(self, slot: Slot) -> None:
        if self.store.session_done(slot.key) or slot.key in self._running:
            return
        self._running.add(slot.key)
        try:
            words = {"number": slot.number, "day": slot.day}
            if slot.emergency:
                log.warning(_("Emergency broadcast (session %(number)s of %(day)s) begins."), words)
            else:
                log.info(_("Session %(number)s of %(day)s begins."), words)
            if slot.emergency:
                self._air_emergency(slot)
            else:
                self._air_regular(slot)
            if not self._closing.is_set():
                self.store.finish_session(slot.key, utcnow())
        finally:
            self._running.discard(slot.key)

    def miss(self, slot: Slot, note: str) -> None:
        """A session that passed without airing: every item reported not aired."""
        for item in slot.items:
            self._report(slot, item, "not_aired", reason="equipment_fault", note=note)
        self.store.finish_session(slot.key, utcnow())

    def _air_regular(self, slot: Slot) -> None:
        began = utcnow()
        done = self.store.reported(slot.key)  # a restarted agent does not air an item twice
        for item in slot.items:
            if item["id"] in done:
                continue
            if item_end(item) <= began:  # started late: what should already be over is not aired
                note = _("The agent was not running when this item was due.")
                self._report(slot, item, "not_aired", reason="equipment_fault", note=note)
                continue
            while True:
                self._wait_for_quiet()
                if self._closing.is_set():
                    return
                with self._air:
                    if self._interrupt.is_set():
                        continue  # an emergency came between the wait and the air
                    played, started = self._play(slot, item, self._interrupt)
                if self._closing.is_set():
                    return
                if not played.interrupted:
                    self._outcome(slot, item, played, started)
                    break
                self._report(slot, item, "partly_aired", started, utcnow(), reason="emergency")

    def _air_emergency(self, slot: Slot) -> None:
        with self._quiet:
            self._emergencies += 1
            self._interrupt.set()
        try:
            done = self.store.reported(slot.key)
            with self._air:
                for item in slot.items:
                    if item["id"] in done:
                        continue
                    played, started = self._play(slot, item, self._closing)
                    if self._closing.is_set():
                        return
                    self._outcome(slot, item, played, started)
        finally:
            with self._quiet:
                self._emergencies -= 1
                if not self._emergencies:
                    self._interrupt.clear()
                    self._quiet.notify_all()

    def _wait_for_quiet(self) -> None:
        with self._quiet:
            self._quiet.wait_for(lambda: not self._emergencies or self._closing.is_set())

    def _play(
        self, slot: Slot, item: dict[str, Any], stop: threading.Event
    ) -> tuple[Played, datetime]:
        started = utcnow()
        source = item["audio_url"]  # a relay's stream
        if item.get("sha256"):
            source = str(audio_path(self.audio, item["sha256"]))
            if not Path(source).exists():
                missing = _("The audio file is not on this device.")
                return Played(ok=False, missing=True, error=missing), started
        self.playing = {"date": slot.day.isoformat(), "session": slot.number, "item_id": item["id"]}
        try:
            return self.player.play(source, float(item["duration"]), stop), started
        finally:
            self.playing = None

    def _outcome(self, slot: Slot, item: dict[str, Any], played: Played, started: datetime) -> None:
        if played.ok:
            self._report(slot, item, "aired", started, utcnow())
            return
        words = {"title": item["title"], "error": played.error}
        log.warning(_("Could not air “%(title)s”: %(error)s"), words)
        self._report(
            slot,
            item,
            "not_aired",
            reason="file_missing" if played.missing else "equipment_fault",
            note=played.error,
        )

    def _report(
        self,
        slot: Slot,
        item: dict[str, Any],
        status: str,
        started: datetime | None = None,
        ended: datetime | None = None,
        *,
        reason: str | None = None,
        note: str = "",
    ) -> None:
        now = utcnow()
        entry = {
            "item_id": item["id"],
            "client_key": uuid.uuid4().hex,
            "status": status,
            "started_at": started.isoformat() if started else None,
            "ended_at": ended.isoformat() if ended else None,
            "reason": reason,
            "note": note,
            "client_time": now.isoformat(),
        }
        self.store.record_airing(entry, slot.day, slot.key, item["title"])
