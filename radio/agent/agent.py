"""The agent's one process: APScheduler fires the sessions at their planned starts and
runs the sync, the emergency watch, the forwarding of confirmations and the heartbeat.

Airing never waits on the network: sessions play from the local store and disk, and
their reports queue in the local store until the server acknowledges them.
"""

import fcntl
import logging
import threading
from datetime import date, datetime, timedelta
from importlib.metadata import version
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from radio.agent.backoff import Backoff
from radio.agent.client import Refused, ServerClient, ServerProblem, free_bytes
from radio.agent.deck import Deck, utcnow
from radio.agent.player import CommandPlayer
from radio.agent.settings import Settings
from radio.agent.slots import Slot, slots_of
from radio.agent.store import LocalStore
from radio.agent.sync import fetch_audio, fetch_playlists, prune
from radio.agent.words import _

log = logging.getLogger("radio.agent")
AGENT_VERSION = version("loa-xa")
BATCH = 500
EMERGENCY_GRACE = timedelta(minutes=30)  # an emergency learnt of late still airs
HEARTBEAT_ERRORS = 20


class AgentBusy(RuntimeError):
    """Another agent already runs on this folder: two would air everything twice."""


class Agent:
    def __init__(self, settings: Settings, player: CommandPlayer | None = None) -> None:
        self.settings = settings
        settings.audio.mkdir(parents=True, exist_ok=True)
        self._lock_file = _lock(settings.folder)
        self.store = LocalStore(settings.database)
        self.client = ServerClient(settings.server, settings.token, AGENT_VERSION)
        self.deck = Deck(player or CommandPlayer(settings.player), self.store, settings.audio)
        self.backoff = Backoff(timedelta(seconds=settings.retry_seconds))
        self.refused = False
        self._sync_lock = threading.Lock()
        self._plan_lock = threading.Lock()  # the sync and the watch both plan
        self._pool = ThreadPoolExecutor(8)
        self.scheduler = BackgroundScheduler(
            timezone="UTC",
            executors={"default": self._pool},
            job_defaults={"coalesce": True, "max_instances": 1},
        )

    # the station -----------------------------------------------------------
    @property
    def code(self) -> str | None:
        return self.store.get("station")

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.store.get("timezone") or "Asia/Ho_Chi_Minh")

    def today(self) -> date:
        return utcnow().astimezone(self.zone).date()

    # running ---------------------------------------------------------------
    def start(self) -> None:
        held = self.store.playlists(self.today())
        if held:
            log.info(_("Holding the playlists of %(days)s."), {"days": ", ".join(map(str, held))})
        else:
            log.warning(_("This station holds no playlist yet: it stays silent until a sync."))
        now = utcnow()
        jobs = (
            ("sync", self.sync, self.settings.poll_seconds),
            ("watch", self.watch, self.settings.emergency_seconds),
            ("forward", self.forward, self.settings.forward_seconds),
        )
        for job_id, work, seconds in jobs:
            # no grace limit: after a clock jump the poll runs once (coalesced), not never
            self.scheduler.add_job(
                work,
                IntervalTrigger(seconds=seconds),
                id=job_id,
                next_run_time=now,
                misfire_grace_time=None,
            )
        self.plan()
        self.scheduler.start()

    def stop(self) -> None:
        self.deck.stop_all()
        if self.scheduler.running:
            # APScheduler waits for running jobs under the lock they need to plan: wait outside it
            self.scheduler.shutdown(wait=False)
            self._pool.shutdown(wait=True)
        self.store.close()
        self._lock_file.close()

    # syncing ---------------------------------------------------------------
    def sync(self, days: int | None = None) -> None:
        """Fetch the playlists of the next days and their audio; plan what changed.

        A full sync (all the days) ends with a heartbeat, so the server hears from the
        station at each poll, from its first one on.
        """
        with self._sync_lock:
            now = utcnow()
            if self.refused or not self.backoff.ready(now):
                return
            try:
                code = self.code or self._identify()
                first = self.today()
                wanted = [first + timedelta(days=n) for n in range(days or self.settings.days)]
                fetched = fetch_playlists(self.client, self.store, code, wanted, now)
                reserve = self.settings.reserve_mb * 2**20
                problems = fetch_audio(self.client, self.store, self.settings.audio, first, reserve)
                prune(self.store, self.settings.audio, first)
            except Refused as exc:
                self.refused = True
                self._error(exc)
                log.error(_("Syncing stopped: %(error)s"), {"error": exc})
                return
            except ServerProblem as exc:
                self.backoff.failed(now)
                self._error(exc)
                return
            self.backoff.succeeded()
            self.store.put("last_sync_at", now.isoformat())
            for problem in problems:
                self._error(problem)
            if fetched.changed:
                self.plan()
        if days is None:
            self.beat()

    def watch(self) -> None:
        """Today's playlist only, often: an emergency is a new version of it."""
        self.store.put("alive_at", utcnow().isoformat())  # for `radio agent status`
        self.sync(days=1)
        self.plan()  # also sweeps sessions whose time passed (a stopped agent, a clock jump)

    def _identify(self) -> str:
        me = self.client.me()
        if me.get("kind") != "station":
            raise Refused(_("The token is not a station device token."))
        code = str(me["station_code"])
        station = self.client.station(code)
        self.store.put("timezone", str(station.get("timezone") or "Asia/Ho_Chi_Minh"))
        self.store.put("station", code)
        self.store.put("station_name", str(station.get("name") or code))
        return code

    # airing ----------------------------------------------------------------
    def slots(self) -> list[Slot]:
        since = self.today() - timedelta(days=1)
        held = self.store.playlists(since)
        return [slot for day, body in held.items() for slot in slots_of(day, body)]

    def plan(self) -> None:
        """Put each held session on the scheduler at its start; report those that passed."""
        with self._plan_lock:
            self._plan(utcnow())

    def _plan(self, now: datetime) -> None:
        wanted: set[str] = set()
        for slot in self.slots():
            job_id = f"air:{slot.key}"
            if self.store.session_done(slot.key) or self.deck.on_air(slot.key):
                continue
            grace = EMERGENCY_GRACE if slot.emergency else timedelta(seconds=slot.seconds)
            if slot.starts_at + grace <= now:
                held = self.store.held_since(slot.day)
                if held is not None and held < slot.starts_at:  # it was ours to air
                    note = _("The session's time passed while the agent was not running.")
                    self.deck.miss(slot, note)
                continue
            wanted.add(job_id)
            self.scheduler.add_job(
                self.deck.air,
                DateTrigger(run_date=max(slot.starts_at, now)),
                args=[slot],
                id=job_id,
                replace_existing=True,
                misfire_grace_time=int(grace.total_seconds()) + 1,
            )
        for job in self.scheduler.get_jobs():
            if job.id.startswith("air:") and job.id not in wanted:
                job.remove()  # the session left the playlist in a newer version

    # reporting -------------------------------------------------------------
    def forward(self) -> None:
        """Send what aired, oldest first; only acknowledged entries leave the local store."""
        code, now = self.code, utcnow()
        if code is None or self.refused or not self.backoff.ready(now):
            return
        while batch := self.store.pending(BATCH):
            try:
                answers = self.client.confirm(code, batch)
            except Refused as exc:
                self.refused = True
                self._error(exc)
                return
            except ServerProblem as exc:
                self.backoff.failed(now)
                self._error(exc)
                return
            taken = [a["client_key"] for a in answers if a["outcome"] in ("created", "duplicate")]
            self.store.acknowledged(taken)
            for answer in answers:
                if answer["outcome"] == "rejected":
                    self.store.refuse(answer["client_key"], str(answer.get("error")), now)
            if len(batch) < BATCH:
                return

    def beat(self) -> None:
        code = self.code
        if code is None or self.refused:
            return
        try:
            self.client.heartbeat(code, self.heartbeat())
        except ServerProblem as exc:
            log.info(_("Heartbeat not sent: %(error)s"), {"error": exc})

    def heartbeat(self) -> dict[str, Any]:
        held = self.store.playlists(self.today())
        return {
            "agent_version": AGENT_VERSION,
            "last_sync_at": self.store.get("last_sync_at"),
            "playlists": [{"date": str(day), "version": b["version"]} for day, b in held.items()],
            "disk_free_bytes": free_bytes(self.settings.folder),
            "pending_confirmations": self.store.pending_count(),
            "errors": [
                {**e, "message": e["message"][:500]} for e in self.store.errors(HEARTBEAT_ERRORS)
            ],
            "playing": self.deck.playing,
            "clock": utcnow().astimezone(self.zone).isoformat(),
        }

    def _error(self, problem: ServerProblem) -> None:
        log.warning("%s", problem)
        self.store.add_error(problem.kind, str(problem), utcnow())


def _lock(folder: Path) -> IO[str]:
    handle = (folder / "agent.lock").open("w")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError as exc:
        handle.close()
        message = _("Another agent is already running in %(dir)s.") % {"dir": folder}
        raise AgentBusy(message) from exc
    return handle
