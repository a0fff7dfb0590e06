"""The audio library's parts built from the app's configuration."""

import shutil
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from werkzeug.datastructures import FileStorage

from audio_library import library
from audio_library.ffmpeg import HouseFormat
from audio_library.jobs import Handler, Report
from audio_library.library import Metadata, Origin, safe_filename
from audio_library.premix import MixCache
from audio_library.segments import Segment, Source
from audio_library.store import AudioStore
from audio_library.tts import segment_job
from audio_library.tts.engines import Engine, make_engines
from radio import db
from radio.people import User
from scheduler import build_job, session_mix
from scheduler.campaigns import link_segment


def store() -> AudioStore:
    return AudioStore(Path(current_app.config["DATA_DIR"]) / "audio")


def tts_cache_dir() -> Path:
    folder = Path(current_app.config["DATA_DIR"]) / "tts-cache"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def mixer() -> session_mix.Mixer:
    cache = MixCache(Path(current_app.config["DATA_DIR"]) / "premix")
    return session_mix.Mixer(store(), cache, house_format())


def house_format() -> HouseFormat:
    config = current_app.config
    return HouseFormat(
        bitrate=str(config["HOUSE_BITRATE"]),
        target_lufs=float(config["LOUDNESS_TARGET"]),
        true_peak=float(config["TRUE_PEAK_MAX"]),
    )


def max_duration() -> float:
    return float(current_app.config["AUDIO_MAX_MINUTES"]) * 60


def engines(only: str | None = None) -> list[Engine]:
    """The configured TTS engines in order, or just `only` when a person picked one."""
    config = current_app.config
    return make_engines(
        only or str(config["TTS_ENGINES"]),
        gtts_url=config["GTTS_URL"],
        timeout=float(config["TTS_TIMEOUT"]),
    )


def ingest_upload(file: FileStorage, meta: Metadata, source: Source, user: User) -> Segment:
    """Save an uploaded file to disk (never in memory) and run it through the pipeline."""
    work = store().scratch()
    try:
        path = work / "upload"
        file.save(path)
        origin = Origin(
            source=source,
            author_id=user.id,
            unit_id=user.unit_id,
            original_name=safe_filename(file.filename or ""),
        )
        return library.ingest(
            db.get_session(),
            store(),
            path,
            meta,
            origin,
            house=house_format(),
            max_duration=max_duration(),
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


def job_handlers(app: Flask) -> dict[str, Handler]:
    """The slow jobs this app can run, bound to its configuration."""
    with app.app_context():
        setup = segment_job.TTSSetup(
            sessions=db.session_factory(),
            store=store(),
            cache_dir=tts_cache_dir(),
            house=house_format(),
            max_duration=max_duration(),
            engines=_engines_of(app),
        )
        mix = mixer()
    lock = timedelta(minutes=int(app.config["LOCK_MINUTES"]))
    return {
        segment_job.KIND: _linking_campaigns(segment_job.make_handler(setup), setup),
        build_job.KIND: build_job.make_handler(setup.sessions, lock),
        session_mix.KIND: session_mix.make_handler(setup.sessions, mix),
    }


def _linking_campaigns(handler: Handler, setup: segment_job.TTSSetup) -> Handler:
    """Link the new segment to the campaigns the editor chose (campaigns live above)."""

    def handle(params: dict[str, Any], report: Report) -> dict[str, Any]:
        result = handler(params, report)
        if params.get("campaign_ids") and not result.get("existing"):
            with setup.sessions.begin() as session:
                link_segment(session, result["segment_id"], params["campaign_ids"])
        return result

    return handle


def _engines_of(app: Flask) -> Callable[[str | None], list[Engine]]:
    def build(only: str | None) -> list[Engine]:
        with app.app_context():
            return engines(only)

    return build
