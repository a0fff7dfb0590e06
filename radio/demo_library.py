"""The demo's audio: jingles made from tones, and announcements spoken by TTS."""

import shutil
import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from audio_library import library
from audio_library.ffmpeg import HouseFormat, ffmpeg_exe
from audio_library.library import DuplicateAudio, Metadata, Origin
from audio_library.segments import Level, Segment, Source, State
from audio_library.store import AudioStore
from audio_library.tts.engines import Engine
from audio_library.tts.synthesis import synthesize
from radio.demo import ensure_topics
from radio.demo_content import ANNOUNCEMENTS, CAMPAIGN, JINGLES
from radio.people import find_user
from scheduler.campaigns import Campaign, link_segment


def chime(path: Path, notes: Sequence[float], note_length: float) -> Path:
    """A short chime of sine notes with soft edges, made by ffmpeg."""
    inputs = []
    for frequency in notes:
        inputs += ["-f", "lavfi", "-i", f"sine=frequency={frequency}:duration={note_length}"]
    chain = "".join(
        f"[{i}]afade=t=out:st={note_length * 0.6}:d={note_length * 0.4}[n{i}];"
        for i in range(len(notes))
    )
    chain += "".join(f"[n{i}]" for i in range(len(notes))) + f"concat=n={len(notes)}:v=0:a=1"
    subprocess.run(
        [
            ffmpeg_exe(),
            "-v",
            "error",
            "-y",
            *inputs,
            "-filter_complex",
            chain,
            "-ac",
            "1",
            "-ar",
            "44100",
            str(path),
        ],
        check=True,
        capture_output=True,
    )
    return path


def load_demo_library(
    session: Session,
    store: AudioStore,
    engines: Sequence[Engine],
    cache_dir: Path,
    house: HouseFormat,
    progress: Callable[[str], None] = lambda _title: None,
) -> int:
    """Add the demo segments that are missing; return how many were added."""
    topics = ensure_topics(session)
    editor, approver = find_user(session, "editor"), find_user(session, "approver")
    campaign = session.scalar(select(Campaign).where(Campaign.code == CAMPAIGN["code"]))
    if editor is None or approver is None or campaign is None:
        raise LookupError("load the demo units and users first")
    have = set(session.scalars(select(Segment.title)))
    people = (editor.id, approver.id, editor.unit_id)
    added = 0
    work = store.scratch()
    try:
        for title, notes, length in JINGLES:
            progress(title)
            if title not in have:
                wav = chime(work / "chime.wav", notes, length)
                meta = Metadata(title=title, topic_id=topics["nhac-hieu"].id)
                added += _add(session, store, wav, meta, "approved", house, people) is not None
        for title, topic, level, state, text in ANNOUNCEMENTS:
            progress(title)
            if title in have:
                continue
            spoken = synthesize(text, engines, cache_dir)
            meta = Metadata(title=title, topic_id=topics[topic].id, level=Level(level), text=text)
            segment = _add(session, store, spoken.path, meta, state, house, people, spoken.engine)
            if segment is not None and topic in CAMPAIGN["topics"]:
                link_segment(session, segment.id, [campaign.id])
            added += segment is not None
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return added


def _add(
    session: Session,
    store: AudioStore,
    path: Path,
    meta: Metadata,
    state: str,
    house: HouseFormat,
    people: tuple[int, int, int | None],
    engine: str = "",
) -> Segment | None:
    """Store one demo segment and take it to `state`; None if its audio is already there."""
    author, approver, unit = people
    origin = Origin(
        source=Source.TTS if engine else Source.UPLOAD,
        author_id=author,
        unit_id=unit,
        original_name="" if engine else path.name,  # a TTS cache file name means nothing
        tts_engine=engine,
        tts_voice="north" if engine else "",
    )
    try:
        segment = library.ingest(session, store, path, meta, origin, house=house)
    except DuplicateAudio:
        return None
    if state != State.DRAFT:
        library.submit(session, segment, author)
    if state == State.APPROVED:
        library.approve(session, segment, approver)
    elif state == State.REJECTED:
        library.reject(
            session, segment, approver, "Đề nghị bổ sung số điện thoại của Trạm Y tế xã."
        )
    return segment
