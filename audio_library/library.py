"""The library's operations: take audio in, and move segments through their workflow."""

import json
import re
import shutil
import unicodedata
from dataclasses import dataclass, field, fields, replace
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from audio_library.db import nfc
from audio_library.ffmpeg import (
    HouseFormat,
    analyse,
    fingerprint,
    render_house,
    same_audio,
    waveform_peaks,
)
from audio_library.segments import Level, Segment, SegmentEvent, Source, State, Topic
from audio_library.store import AudioStore

MAX_TITLE = 300
HOUSE = HouseFormat()
# Segments within this many seconds of each other's length are compared by content.
DUPLICATE_WINDOW = 1.0


class LibraryError(ValueError):
    """A request the workflow refuses; `kind` names why, the UI words it."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


class DuplicateAudio(Exception):
    """The same audio is already in the library."""

    def __init__(self, existing: Segment) -> None:
        super().__init__(f"same audio as segment {existing.id}")
        self.existing = existing


@dataclass(frozen=True)
class Metadata:
    """What a person says about a segment: the same from the web form, the API and the CLI."""

    title: str
    topic_id: int
    level: Level = Level.NORMAL
    language: str = "vi"
    air_from: date | None = None
    air_until: date | None = None
    text: str = ""


@dataclass(frozen=True)
class Origin:
    """Where a new segment's audio came from, and who brought it."""

    source: Source
    author_id: int | None
    unit_id: int | None
    original_name: str = ""
    tts_engine: str = ""
    tts_voice: str = ""
    tts_note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def safe_filename(name: str) -> str:
    """The last path part of a client's file name, without control characters, NFC."""
    base = re.split(r"[\\/]", nfc(name))[-1]
    base = "".join(c for c in base if unicodedata.category(c)[0] != "C").strip(" .")
    return base[:200]


def check_metadata(session: Session, meta: Metadata) -> Metadata:
    """Return meta cleaned (NFC, trimmed), or raise LibraryError."""
    meta = replace(
        meta,
        title=nfc(meta.title).strip(),
        text=nfc(meta.text).strip(),
        language=meta.language.strip().lower() or "vi",
    )
    if not meta.title or len(meta.title) > MAX_TITLE:
        raise LibraryError("bad_title")
    if session.get(Topic, meta.topic_id) is None:
        raise LibraryError("unknown_topic")
    if meta.level not in set(Level):
        raise LibraryError("bad_level")
    if meta.air_from and meta.air_until and meta.air_until < meta.air_from:
        raise LibraryError("bad_window")
    return meta


def ingest(
    session: Session,
    store: AudioStore,
    src: Path,
    meta: Metadata,
    origin: Origin,
    *,
    house: HouseFormat = HOUSE,
    max_duration: float = 3600.0,
) -> Segment:
    """Validate, trim, normalise and store audio as a new draft segment (AudioError if bad)."""
    meta = check_metadata(session, meta)
    analysis = analyse(src, max_duration=max_duration)
    work = store.scratch()
    try:
        rendered = work / f"house.{house.extension}"
        render_house(src, rendered, analysis, house)
        result = analyse(rendered, max_duration=max_duration + 1)  # what will air, measured
        print_ = fingerprint(rendered)
        _refuse_duplicate(session, print_, analysis.end - analysis.start)
        segment = Segment(
            **{f.name: getattr(meta, f.name) for f in fields(meta)},
            source=origin.source,
            author_id=origin.author_id,
            unit_id=origin.unit_id,
            original_name=safe_filename(origin.original_name),
            original_codec=analysis.codec,
            tts_engine=origin.tts_engine,
            tts_voice=origin.tts_voice,
            tts_note=origin.tts_note,
            audio_sha=store.put(rendered, house.extension),
            original_sha=store.put(src, "orig"),
            duration=round(result.duration, 3),
            loudness_lufs=result.integrated_lufs,
            true_peak_dbtp=result.true_peak_dbtp,
            peaks=json.dumps([round(p, 3) for p in waveform_peaks(rendered)]),
            fingerprint=print_,
            state=State.DRAFT,
        )
        session.add(segment)
        session.flush()
        record(
            session,
            segment,
            origin.author_id,
            "created",
            {
                "source": origin.source,
                "loudness_before": round(analysis.integrated_lufs, 1),
                **origin.extra,
            },
        )
        return segment
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _refuse_duplicate(session: Session, print_: str, duration: float) -> None:
    near = select(Segment).where(
        Segment.duration.between(duration - DUPLICATE_WINDOW, duration + DUPLICATE_WINDOW + 0.5)
    )
    for candidate in session.scalars(near):
        if candidate.fingerprint and same_audio(print_, candidate.fingerprint):
            raise DuplicateAudio(candidate)


def record(
    session: Session,
    segment: Segment,
    user_id: int | None,
    action: str,
    detail: dict[str, Any] | None = None,
) -> None:
    """Append a line to the segment's history."""
    text = json.dumps(detail, ensure_ascii=False, default=str) if detail else ""
    session.add(SegmentEvent(segment=segment, user_id=user_id, action=action, detail=text))


def submit(session: Session, segment: Segment, user_id: int) -> None:
    """Send a draft (or a rejected segment) to the approvers."""
    if segment.state not in (State.DRAFT, State.REJECTED):
        raise LibraryError("bad_state")
    segment.state = State.SUBMITTED
    record(session, segment, user_id, "submitted")


def approve(session: Session, segment: Segment, user_id: int | None) -> None:
    """Approve a segment; its author may not. No user: the trusted command line.

    A new version, once approved, retires the version it replaces.
    """
    if segment.state not in (State.SUBMITTED, State.DRAFT, State.REJECTED):
        raise LibraryError("bad_state")
    if user_id is not None and segment.author_id == user_id:
        raise LibraryError("own_segment")
    segment.state, segment.approver_id, segment.reject_reason = State.APPROVED, user_id, ""
    record(session, segment, user_id, "approved")
    previous = session.get(Segment, segment.previous_id) if segment.previous_id else None
    if previous is not None and previous.state == State.APPROVED:
        previous.state = State.ARCHIVED
        record(session, previous, user_id, "superseded", {"by": segment.id})


def reject(session: Session, segment: Segment, user_id: int, reason: str) -> None:
    reason = nfc(reason).strip()
    if not reason:
        raise LibraryError("reason_required")
    if segment.state not in (State.SUBMITTED, State.DRAFT):
        raise LibraryError("bad_state")
    if segment.author_id == user_id:
        raise LibraryError("own_segment")
    segment.state, segment.reject_reason = State.REJECTED, reason[:500]
    record(session, segment, user_id, "rejected", {"reason": reason})


def archive(session: Session, segment: Segment, user_id: int) -> None:
    if segment.state == State.ARCHIVED:
        raise LibraryError("bad_state")
    segment.state = State.ARCHIVED
    record(session, segment, user_id, "archived")


def edit(session: Session, segment: Segment, user_id: int, meta: Metadata) -> Segment:
    """Change what is said about a segment. An approved one stays as approved: the change
    becomes a new draft version, which replaces it once approved."""
    meta = check_metadata(session, meta)
    if segment.state == State.ARCHIVED:
        raise LibraryError("bad_state")
    changes = {f.name: getattr(meta, f.name) for f in fields(meta)}
    if segment.state != State.APPROVED:
        before = {k: getattr(segment, k) for k in changes}
        for key, value in changes.items():
            setattr(segment, key, value)
        # What an approver saw must be what they approve: a change sends it back to draft.
        segment.state = State.DRAFT
        record(
            session,
            segment,
            user_id,
            "edited",
            {k: [before[k], v] for k, v in changes.items() if before[k] != v},
        )
        return segment
    copy = {
        c.key: getattr(segment, c.key)
        for c in Segment.__table__.columns
        if c.key not in {"id", "created_at", "updated_at"}
    }
    copy.update(
        changes,
        version=segment.version + 1,
        previous_id=segment.id,
        state=State.DRAFT,
        approver_id=None,
        author_id=user_id,
        reject_reason="",
    )
    new = Segment(**copy)
    session.add(new)
    session.flush()
    record(session, new, user_id, "new_version", {"of": segment.id})
    record(session, segment, user_id, "edited_as_new_version", {"new": new.id})
    return new


def schedulable(on: date) -> ColumnElement[bool]:
    """Segments that may air on a day: approved and inside their validity window."""
    return and_(
        Segment.state == State.APPROVED,
        or_(Segment.air_from.is_(None), Segment.air_from <= on),
        or_(Segment.air_until.is_(None), Segment.air_until >= on),
    )
