"""The agent's own SQLite file: playlists held, what aired, what the server has not
acknowledged yet, and its recent errors. Everything the agent must not lose lives here.
"""

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS playlist (
    day TEXT PRIMARY KEY, version INTEGER NOT NULL, etag TEXT NOT NULL,
    body TEXT NOT NULL, held_since TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS outbox (
    client_key TEXT PRIMARY KEY, payload TEXT NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS refused (
    client_key TEXT PRIMARY KEY, payload TEXT NOT NULL, error TEXT NOT NULL, at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS aired (
    client_key TEXT PRIMARY KEY, day TEXT NOT NULL, session_key TEXT NOT NULL,
    item_id INTEGER, title TEXT NOT NULL, status TEXT NOT NULL, reason TEXT,
    started_at TEXT, ended_at TEXT);
CREATE TABLE IF NOT EXISTS session_done (session_key TEXT PRIMARY KEY, at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS error (
    id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, kind TEXT NOT NULL,
    message TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
KEEP_ERRORS = 50
KEEP_AIRED_DAYS = 14


class LocalStore:
    """One connection shared by the agent's threads, each write its own transaction."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._lock = threading.RLock()
        self._db.execute("PRAGMA journal_mode=WAL")
        # a confirmation acknowledged to the player must survive a power cut
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _rows(self, sql: str, *args: Any) -> list[tuple[Any, ...]]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    # state ---------------------------------------------------------------
    def get(self, key: str) -> str | None:
        rows = self._rows("SELECT value FROM state WHERE key = ?", key)
        return rows[0][0] if rows else None

    def put(self, key: str, value: str) -> None:
        with self._tx() as db:
            db.execute("INSERT OR REPLACE INTO state (key, value) VALUES (?, ?)", (key, value))

    # playlists -----------------------------------------------------------
    def save_playlist(self, day: date, body: dict[str, Any], etag: str, now: datetime) -> None:
        with self._tx() as db:
            # held_since stays: it says whether the agent had the day before a session began
            db.execute(
                "INSERT INTO playlist (day, version, etag, body, held_since) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (day) DO UPDATE "
                "SET version = excluded.version, etag = excluded.etag, body = excluded.body",
                (day.isoformat(), body["version"], etag, json.dumps(body), now.isoformat()),
            )

    def etag(self, day: date) -> str | None:
        rows = self._rows("SELECT etag FROM playlist WHERE day = ?", day.isoformat())
        return rows[0][0] if rows else None

    def held_since(self, day: date) -> datetime | None:
        rows = self._rows("SELECT held_since FROM playlist WHERE day = ?", day.isoformat())
        return datetime.fromisoformat(rows[0][0]) if rows else None

    def playlists(self, since: date) -> dict[date, dict[str, Any]]:
        rows = self._rows(
            "SELECT day, body FROM playlist WHERE day >= ? ORDER BY day", since.isoformat()
        )
        return {date.fromisoformat(day): json.loads(body) for day, body in rows}

    def forget_playlists(self, before: date) -> None:
        with self._tx() as db:
            db.execute("DELETE FROM playlist WHERE day < ?", (before.isoformat(),))
            db.execute(
                "DELETE FROM aired WHERE day < date(?, ?)",
                (before.isoformat(), f"-{KEEP_AIRED_DAYS} days"),
            )

    # airings and their outbox ----------------------------------------------
    def record_airing(self, entry: dict[str, Any], day: date, session_key: str, title: str) -> None:
        """Keep what aired and queue its report, in one transaction."""
        with self._tx() as db:
            db.execute(
                "INSERT INTO aired VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    entry["client_key"],
                    day.isoformat(),
                    session_key,
                    entry["item_id"],
                    title,
                    entry["status"],
                    entry.get("reason"),
                    entry.get("started_at"),
                    entry.get("ended_at"),
                ),
            )
            db.execute(
                "INSERT INTO outbox (client_key, payload, created_at) VALUES (?, ?, ?)",
                (entry["client_key"], json.dumps(entry), entry["client_time"]),
            )

    def aired(self, day: date) -> list[dict[str, Any]]:
        rows = self._rows(
            "SELECT item_id, title, status, reason, started_at, ended_at FROM aired "
            "WHERE day = ? ORDER BY started_at, rowid",
            day.isoformat(),
        )
        keys = ("item_id", "title", "status", "reason", "started_at", "ended_at")
        return [dict(zip(keys, row, strict=True)) for row in rows]

    def reported(self, session_key: str) -> set[int]:
        """Items of a session already aired in full or reported not aired: not to air again."""
        rows = self._rows(
            "SELECT item_id FROM aired WHERE session_key = ? AND status != 'partly_aired'",
            session_key,
        )
        return {item_id for (item_id,) in rows}

    def pending(self, limit: int) -> list[dict[str, Any]]:
        rows = self._rows("SELECT payload FROM outbox ORDER BY created_at LIMIT ?", limit)
        return [json.loads(payload) for (payload,) in rows]

    def pending_count(self) -> int:
        return int(self._rows("SELECT count(*) FROM outbox")[0][0])

    def acknowledged(self, keys: list[str]) -> None:
        """The server holds these: only now may they leave the outbox."""
        with self._tx() as db:
            db.executemany("DELETE FROM outbox WHERE client_key = ?", [(k,) for k in keys])

    def refuse(self, key: str, error: str, now: datetime) -> None:
        """The server will never take this entry: keep it aside, visibly, not in the queue."""
        with self._tx() as db:
            db.execute(
                "INSERT OR REPLACE INTO refused SELECT client_key, payload, ?, ? FROM outbox "
                "WHERE client_key = ?",
                (error, now.isoformat(), key),
            )
            db.execute("DELETE FROM outbox WHERE client_key = ?", (key,))

    def refused_count(self) -> int:
        return int(self._rows("SELECT count(*) FROM refused")[0][0])

    # sessions ------------------------------------------------------------
    def session_done(self, key: str) -> bool:
        return bool(self._rows("SELECT 1 FROM session_done WHERE session_key = ?", key))

    def finish_session(self, key: str, now: datetime) -> None:
        with self._tx() as db:
            db.execute("INSERT OR IGNORE INTO session_done VALUES (?, ?)", (key, now.isoformat()))

    # errors --------------------------------------------------------------
    def add_error(self, kind: str, message: str, now: datetime) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT INTO error (at, kind, message) VALUES (?, ?, ?)",
                (now.isoformat(), kind, message),
            )
            db.execute(
                "DELETE FROM error WHERE id <= (SELECT max(id) FROM error) - ?", (KEEP_ERRORS,)
            )

    def errors(self, limit: int = 20) -> list[dict[str, str]]:
        rows = self._rows("SELECT at, kind, message FROM error ORDER BY id DESC LIMIT ?", limit)
        return [{"at": at, "kind": kind, "message": message} for at, kind, message in rows]
