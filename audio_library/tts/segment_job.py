"""The background job that turns an announcement's text into a draft segment."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from audio_library.ffmpeg import AudioError, HouseFormat
from audio_library.jobs import Handler, JobFailed, Report
from audio_library.library import DuplicateAudio, LibraryError, Metadata, Origin, ingest
from audio_library.segments import Level, LexiconEntry, Source
from audio_library.store import AudioStore
from audio_library.tts.engines import Engine
from audio_library.tts.synthesis import TTSError, synthesize

KIND = "tts"


@dataclass(frozen=True)
class TTSSetup:
    """What the job needs from the deployment (built by the app from its configuration)."""

    sessions: sessionmaker[Session]
    store: AudioStore
    cache_dir: Path
    house: HouseFormat
    max_duration: float
    engines: Callable[[str | None], Sequence[Engine]]


def tts_params(
    meta: Metadata,
    *,
    voice: str,
    speed: float,
    engine: str | None,
    author_id: int | None,
    unit_id: int | None,
    lexicon_unit_ids: Sequence[int],
) -> dict[str, Any]:
    """The job's parameters, as JSON-safe values."""
    return {
        "title": meta.title,
        "topic_id": meta.topic_id,
        "level": str(meta.level),
        "language": meta.language,
        "text": meta.text,
        "air_from": meta.air_from.isoformat() if meta.air_from else None,
        "air_until": meta.air_until.isoformat() if meta.air_until else None,
        "voice": voice,
        "speed": speed,
        "engine": engine,
        "author_id": author_id,
        "unit_id": unit_id,
        "lexicon_unit_ids": list(lexicon_unit_ids),
    }


def lexicon_for(session: Session, unit_ids: Sequence[int]) -> dict[str, str]:
    """Pronunciations of these units; a lower unit's entry wins over its province's."""
    rank = {unit_id: i for i, unit_id in enumerate(unit_ids)}
    entries = session.scalars(select(LexiconEntry).where(LexiconEntry.unit_id.in_(unit_ids)))
    ordered = sorted(entries, key=lambda e: rank[e.unit_id])
    return {e.written: e.spoken for e in ordered}


def make_handler(setup: TTSSetup) -> Handler:
    def handle(params: dict[str, Any], report: Report) -> dict[str, Any]:
        return run_tts(setup, params, report)

    return handle


def run_tts(setup: TTSSetup, params: dict[str, Any], report: Report) -> dict[str, Any]:
    """Synthesise, then store through the upload pipeline as a draft segment."""
    with setup.sessions() as session:
        lexicon = lexicon_for(session, params["lexicon_unit_ids"])
    try:
        spoken = synthesize(
            params["text"],
            setup.engines(params["engine"]),
            setup.cache_dir,
            voice=params["voice"],
            speed=params["speed"],
            lexicon=lexicon,
            progress=lambda fraction, stage: report(0.9 * fraction, stage),
        )
    except TTSError as exc:
        raise JobFailed(f"tts_{exc.kind}", _failures(exc.failures)) from exc
    report(0.92, "processing")
    meta = Metadata(
        title=params["title"],
        topic_id=params["topic_id"],
        level=Level(params["level"]),
        language=params["language"],
        text=params["text"],
        air_from=date.fromisoformat(params["air_from"]) if params["air_from"] else None,
        air_until=date.fromisoformat(params["air_until"]) if params["air_until"] else None,
    )
    origin = Origin(
        source=Source.TTS,
        author_id=params["author_id"],
        unit_id=params["unit_id"],
        tts_engine=spoken.engine,
        tts_voice=spoken.voice,
        tts_note=_failures(spoken.fell_back),
        extra={"spoken": spoken.spoken, "speed": spoken.speed, "cached": spoken.cached},
    )
    with setup.sessions.begin() as session:
        try:
            segment = ingest(
                session,
                setup.store,
                spoken.path,
                meta,
                origin,
                house=setup.house,
                max_duration=setup.max_duration,
            )
        except DuplicateAudio as dup:
            return {"segment_id": dup.existing.id, "existing": True, "engine": spoken.engine}
        except (AudioError, LibraryError) as exc:
            raise JobFailed(f"audio_{exc.kind}") from exc
        return {
            "segment_id": segment.id,
            "existing": False,
            "engine": spoken.engine,
            "fell_back": spoken.fell_back,
            "cached": spoken.cached,
        }


def _failures(failures: Sequence[tuple[str, str]]) -> str:
    """Machine-readable "engine:kind" list, worded by the UI."""
    return ",".join(f"{engine}:{kind}" for engine, kind in failures)
