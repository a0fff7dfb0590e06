"""The operator's checklist: a station-day's sessions with each item's confirmation state,
and the entries its buttons send to the intake.

Every write still goes through `intake.accept`, which has the last word (not started,
too old, reason missing…); this module only says what the page shows and sends.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from radio.airings.as_run import day_log, slot_of
from radio.airings.intake import Entry
from radio.airings.records import Confirmation, NotAiredReason, Status
from scheduler.playlists import Playlist, PlaylistItem, PlaylistSession, current_playlist


@dataclass(frozen=True)
class Line:
    """A planned item and the report that counts for its slot (None: not yet confirmed)."""

    item: PlaylistItem
    record: Confirmation | None

    @property
    def ends(self) -> datetime:
        return self.item.planned_start + timedelta(seconds=self.item.duration)


@dataclass(frozen=True)
class Sheet:
    """One session of the day; it runs from its first item's start to its last item's end,
    the bounds the intake checks against."""

    session: PlaylistSession
    lines: list[Line]

    @property
    def starts(self) -> datetime:
        return min(line.item.planned_start for line in self.lines)

    @property
    def ends(self) -> datetime:
        return max(line.ends for line in self.lines)

    @property
    def pending(self) -> list[Line]:
        return [line for line in self.lines if line.record is None]

    def started(self, now: datetime) -> bool:
        return bool(self.lines) and self.starts <= now

    def too_old(self, now: datetime, window: timedelta) -> bool:
        """Past the window in which the page may still confirm it (as the intake judges)."""
        return bool(self.lines) and now > self.ends + window


@dataclass(frozen=True)
class Checklist:
    playlist: Playlist | None
    sheets: list[Sheet]
    unplanned: list[Confirmation]

    def sheet(self, number: int) -> Sheet | None:
        return next((s for s in self.sheets if s.session.number == number), None)

    def find(self, item_id: int) -> tuple[Sheet, Line] | None:
        """The session and line of an item of this playlist."""
        found = ((s, line) for s in self.sheets for line in s.lines if line.item.id == item_id)
        return next(found, None)


def checklist(session: Session, station_id: int, day: date) -> Checklist:
    """The day's current playlist, each item with its effective report."""
    log = day_log(session, station_id, day)
    playlist = current_playlist(session, station_id, day)
    sheets = [
        Sheet(
            playlist_session,
            [
                Line(item, log.effective(slot_of(item.planned_start, item.segment_id)))
                for item in playlist_session.items
            ],
        )
        for playlist_session in (playlist.sessions if playlist else [])
    ]
    return Checklist(playlist, sheets, log.unplanned)


def item_key(key: str, item_id: int) -> str:
    """The client key of one item sent by a session's button (a form key is 32 hex)."""
    return f"{key}-{item_id}"


def whole_session(sheet: Sheet, key: str, now: datetime) -> list[Entry]:
    """Every item still unconfirmed that has ended by now, as aired at its planned time.

    Items this same form already recorded are sent again so that a resent form is
    answered "duplicate" instead of being dropped silently.
    """
    lines = [
        line
        for line in sheet.lines
        if line.ends <= now
        and (line.record is None or line.record.client_key == item_key(key, line.item.id))
    ]
    return [
        Entry(
            client_key=item_key(key, line.item.id),
            status=Status.AIRED,
            item_id=line.item.id,
            started_at=line.item.planned_start,
            ended_at=line.ends,
        )
        for line in lines
    ]


def exception(
    line: Line,
    key: str,
    status: Status,
    reason: NotAiredReason | None,
    note: str,
    seconds: int = 0,
) -> Entry:
    """An item that did not air, aired only `seconds` from its planned start, or (to
    correct an earlier report) aired after all.

    When the slot already has a report this corrects it; when that report is this
    form's own (a resent form), it is rebuilt as it was so the intake sees a duplicate.
    """
    record = line.record
    corrects = record.id if record else None
    if record is not None and record.client_key == key:
        corrects = record.corrects_id
    started = ended = None
    if status == Status.PARTLY_AIRED:
        started = line.item.planned_start
        ended = started + timedelta(seconds=seconds)
    elif status == Status.AIRED:
        started, ended = line.item.planned_start, line.ends
    return Entry(
        client_key=key,
        status=status,
        item_id=line.item.id,
        started_at=started,
        ended_at=ended,
        reason=reason,
        note=note,
        corrects=corrects,
    )
