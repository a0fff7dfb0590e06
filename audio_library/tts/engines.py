"""Text-to-speech engines behind one interface, and the registry that builds them by name.

Each engine writes one short stretch of already-normalised Vietnamese to one audio file;
splitting long texts, caching and falling back between engines happen in the caller.
"""

from collections.abc import Mapping
from pathlib import Path
from typing import Protocol

# What EngineError.kind can be; the caller records it when it falls back to the next engine.
ERROR_KINDS = frozenset({"unreachable", "timeout", "bad_audio", "unsupported_voice", "failed"})
VOICES = ("north", "central", "south")


class EngineError(Exception):
    """This engine could not synthesise; `kind`: see ERROR_KINDS."""

    def __init__(self, kind: str, detail: str = "") -> None:
        super().__init__(f"{kind}: {detail}" if detail else kind)
        self.kind = kind
        self.detail = detail


class Engine(Protocol):
    """A speech synthesiser: `voices` maps our voice ids to the engine's own names."""

    name: str
    voices: Mapping[str, str]

    def synthesize(self, text: str, out: Path, *, voice: str = "north", speed: float = 1.0) -> Path:
        """Write audio of `text` next to `out` (suffix chosen by the engine); return its path."""
        ...


def make_engines(names: str, *, gtts_url: str | None = None, timeout: float = 10.0) -> list[Engine]:
    """Engines in the order of RADIO_TTS_ENGINES ("gtts,espeak"); unknown names raise ValueError."""
    wanted = [name.strip().lower() for name in names.split(",") if name.strip()]
    unknown = sorted(set(wanted) - {"gtts", "espeak"})
    if not wanted:
        raise ValueError("no text-to-speech engine is configured")
    if unknown:
        raise ValueError(f"unknown text-to-speech engine(s): {', '.join(unknown)}")
    return [_make_engine(name, gtts_url=gtts_url, timeout=timeout) for name in wanted]


def _make_engine(name: str, *, gtts_url: str | None, timeout: float) -> Engine:
    """One engine by its registry name."""
    # Imported here: the engine modules import EngineError from this one, and an
    # espeak-only station need not load gTTS and requests at all.
    if name == "gtts":
        from audio_library.tts.gtts_engine import GTTSEngine

        return GTTSEngine(url=gtts_url, timeout=timeout)
    from audio_library.tts.espeak_engine import EspeakEngine

    return EspeakEngine(timeout=timeout)


def voice_name(engine: Engine, voice: str) -> str:
    """The engine's own name for our voice id, or EngineError("unsupported_voice")."""
    try:
        return engine.voices[voice]
    except KeyError:
        raise EngineError("unsupported_voice", f"{engine.name} has no voice {voice!r}") from None
