"""Long text to one audio file: normalise, split at sentences, synthesise, join with pauses.

Engines are tried in order; when one fails (gTTS without internet) the next one speaks the
whole text, so an announcement never mixes two voices. Results are cached by
(spoken text, engine, voice, speed), so a repeat is instant.
"""

import hashlib
import os
import shutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from audio_library.db import nfc
from audio_library.ffmpeg import join_with_pauses
from audio_library.tts.engines import Engine, EngineError
from audio_library.tts.normalize import normalize, split_sentences

MAX_TEXT = 20_000  # characters: about 20 minutes of speech, far beyond any announcement
SENTENCE_PAUSE = 0.45


class TTSError(ValueError):
    """The text cannot be spoken; `kind`: empty, too_long, nothing_to_say, all_engines_failed."""

    def __init__(self, kind: str, failures: Sequence[tuple[str, str]] = ()) -> None:
        super().__init__(kind)
        self.kind, self.failures = kind, list(failures)


@dataclass(frozen=True)
class Synthesis:
    path: Path
    engine: str
    voice: str
    speed: float
    spoken: str
    cached: bool = False
    # (engine, error kind) of the engines that were tried first and failed
    fell_back: list[tuple[str, str]] = field(default_factory=list)


Progress = Callable[[float, str], None]


def spoken_form(text: str, lexicon: Mapping[str, str] | None = None) -> str:
    """Check the text and return what will be said, or raise TTSError."""
    text = nfc(text).strip()
    if not text:
        raise TTSError("empty")
    if len(text) > MAX_TEXT:
        raise TTSError("too_long")
    spoken = normalize(text, lexicon)
    if not any(c.isalnum() for c in spoken):
        raise TTSError("nothing_to_say")
    return spoken


def cache_key(spoken: str, engine: str, voice: str, speed: float) -> str:
    raw = "\x1f".join((spoken, engine, voice, f"{speed:.2f}"))
    return hashlib.sha256(raw.encode()).hexdigest()


def synthesize(
    text: str,
    engines: Sequence[Engine],
    cache_dir: Path,
    *,
    voice: str = "north",
    speed: float = 1.0,
    lexicon: Mapping[str, str] | None = None,
    progress: Progress = lambda _f, _s: None,
) -> Synthesis:
    """Speak `text` with the first engine that can; the joined WAV lives in cache_dir."""
    spoken = spoken_form(text, lexicon)
    failures: list[tuple[str, str]] = []
    for engine in engines:
        target = cache_dir / f"{cache_key(spoken, engine.name, voice, speed)}.wav"
        if target.exists():
            return Synthesis(target, engine.name, voice, speed, spoken, True, failures)
        try:
            _speak(engine, spoken, target, voice, speed, progress)
        except EngineError as exc:
            failures.append((engine.name, exc.kind))
            continue
        return Synthesis(target, engine.name, voice, speed, spoken, False, failures)
    raise TTSError("all_engines_failed", failures)


def _speak(
    engine: Engine, spoken: str, target: Path, voice: str, speed: float, progress: Progress
) -> None:
    chunks = split_sentences(spoken)
    work = target.parent / f".{target.stem}.parts-{os.getpid()}"
    work.mkdir(parents=True, exist_ok=True)
    try:
        parts = []
        for number, chunk in enumerate(chunks, start=1):
            progress((number - 1) / len(chunks), f"synthesising {number}/{len(chunks)}")
            parts.append(engine.synthesize(chunk, work / f"{number:04d}", voice=voice, speed=speed))
        progress(1.0, "joining")
        join_with_pauses(parts, target, pause=SENTENCE_PAUSE)
    finally:
        shutil.rmtree(work, ignore_errors=True)
