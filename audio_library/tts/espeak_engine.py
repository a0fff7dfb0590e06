"""eSpeak NG, the offline engine: robotic, but it speaks when nothing else can.

Two back-ends give the same WAV: the system `espeak-ng` binary when it is on PATH, else the
libespeak-ng that the espeakng-loader wheel ships, driven through ctypes.
"""

import array
import ctypes
import shutil
import subprocess
import sys
import threading
import wave
from collections.abc import Mapping
from ctypes import c_char_p, c_int, c_size_t, c_uint, c_void_p
from pathlib import Path
from typing import Literal

from audio_library.store import atomic_path
from audio_library.tts.engines import EngineError, voice_name

Backend = Literal["auto", "binary", "library"]

DEFAULT_WPM = 175  # espeak-ng's own default rate, our speed 1.0
MIN_WPM, MAX_WPM = 80, 450  # the rates espeak-ng accepts

# From espeak-ng's speak_lib.h.
AUDIO_OUTPUT_SYNCHRONOUS = 2  # hand samples to our callback; espeak_Synth returns when done
INITIALIZE_DONT_EXIT = 0x8000  # report errors instead of calling exit() in our process
ESPEAK_RATE = 1
POS_CHARACTER = 1
CHARS_UTF8 = 1
EE_OK = 0
# int callback(short *wav, int numsamples, espeak_EVENT *events); wav taken as an address
SYNTH_CALLBACK = ctypes.CFUNCTYPE(c_int, c_void_p, c_int, c_void_p)


def words_per_minute(speed: float) -> int:
    """espeak-ng's rate for our speed (1.0 = its default), clamped to what it accepts."""
    return round(min(max(DEFAULT_WPM * speed, MIN_WPM), MAX_WPM))


class EspeakEngine:
    """eSpeak NG's three Vietnamese voices, written as WAV."""

    name = "espeak"
    voices: Mapping[str, str] = {
        "north": "vi",
        "central": "vi-vn-x-central",
        "south": "vi-vn-x-south",
    }

    def __init__(self, *, backend: Backend = "auto", timeout: float = 10.0) -> None:
        binary = shutil.which("espeak-ng") if backend != "library" else None
        if backend == "binary" and binary is None:
            raise ValueError("the espeak-ng binary is not on PATH")
        self.binary, self.timeout = binary, timeout

    @property
    def backend(self) -> Literal["binary", "library"]:
        """Which back-end speaks: the system binary, or the espeakng-loader library."""
        return "binary" if self.binary else "library"

    def synthesize(self, text: str, out: Path, *, voice: str = "north", speed: float = 1.0) -> Path:
        """Write espeak-ng's WAV of `text` to `out` with suffix .wav; return that path."""
        engine_voice, wpm = voice_name(self, voice), words_per_minute(speed)
        target = out.with_suffix(".wav")
        with atomic_path(target) as temporary:
            if self.binary:
                _speak_with_binary(self.binary, text, temporary, engine_voice, wpm, self.timeout)
            else:
                _speak_with_library(text, temporary, engine_voice, wpm)
            if _frames(temporary) == 0:
                raise EngineError("failed", "espeak-ng produced no audio")
        return target


def _speak_with_binary(
    binary: str, text: str, wav: Path, voice: str, wpm: int, timeout: float
) -> None:
    """Run the espeak-ng binary, the text on stdin (never a shell or an argument)."""
    command = [binary, "-v", voice, "-s", str(wpm), "-b", "1", "-w", str(wav), "--stdin"]
    try:
        result = subprocess.run(
            command, input=text.encode(), capture_output=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired as error:
        raise EngineError("timeout", f"espeak-ng took over {timeout} s") from error
    except OSError as error:
        raise EngineError("failed", f"espeak-ng: {error}") from error
    if result.returncode:
        raise EngineError("failed", result.stderr.decode(errors="replace").strip()[-300:])


class _Library:
    """libespeak-ng from espeakng-loader, initialised once: its state is process-wide."""

    def __init__(self) -> None:
        try:
            import espeakng_loader  # only stations without the espeak-ng binary need it
        except ImportError as error:
            raise EngineError("failed", "no espeak-ng binary and no espeakng-loader") from error
        self.lib = ctypes.CDLL(espeakng_loader.get_library_path())
        _declare(self.lib)
        data = str(espeakng_loader.get_data_path()).encode()
        rate = self.lib.espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, data, INITIALIZE_DONT_EXIT)
        if rate <= 0:
            raise EngineError("failed", "espeak_Initialize failed")
        self.sample_rate: int = rate
        self.pieces: list[bytes] = []
        # Kept on self: the library holds only a raw pointer to the ctypes thunk.
        self.callback = SYNTH_CALLBACK(self._collect)
        self.lib.espeak_SetSynthCallback(self.callback)

    def _collect(self, wav: int | None, samples: int, _events: int | None) -> int:
        """Keep one block of 16-bit samples; 0 tells espeak to go on."""
        if wav and samples > 0:
            self.pieces.append(ctypes.string_at(wav, samples * 2))
        return 0

    def speak(self, text: str, voice: str, wpm: int) -> bytes:
        """The native-endian 16-bit mono samples of `text` (the caller holds the lock)."""
        self.pieces = []
        data = text.encode()
        _check(self.lib.espeak_SetVoiceByName(voice.encode()), f"voice {voice}")
        # After the voice: choosing a voice resets the rate.
        _check(self.lib.espeak_SetParameter(ESPEAK_RATE, wpm, 0), "rate")
        flags = CHARS_UTF8
        _check(self.lib.espeak_Synth(data, len(data) + 1, 0, POS_CHARACTER, 0, flags, None, None))
        _check(self.lib.espeak_Synchronize())
        return b"".join(self.pieces)


def _declare(lib: ctypes.CDLL) -> None:
    """Argument and result types of the few libespeak-ng functions we call."""
    lib.espeak_Initialize.argtypes = [c_int, c_int, c_char_p, c_int]
    lib.espeak_SetSynthCallback.argtypes = [SYNTH_CALLBACK]
    lib.espeak_SetSynthCallback.restype = None
    lib.espeak_SetVoiceByName.argtypes = [c_char_p]
    lib.espeak_SetParameter.argtypes = [c_int, c_int, c_int]
    lib.espeak_Synth.argtypes = [
        c_char_p,
        c_size_t,
        c_uint,
        c_int,
        c_uint,
        c_uint,
        c_void_p,
        c_void_p,
    ]
    lib.espeak_Synchronize.argtypes = []
    for function in ("espeak_Initialize", "espeak_SetVoiceByName", "espeak_SetParameter"):
        getattr(lib, function).restype = c_int
    lib.espeak_Synth.restype = lib.espeak_Synchronize.restype = c_int


def _check(status: int, what: str = "synthesis") -> None:
    """EngineError("failed") unless libespeak-ng answered EE_OK."""
    if status != EE_OK:
        raise EngineError("failed", f"libespeak-ng {what}: error {status}")


_library: _Library | None = None
_library_lock = threading.Lock()  # espeak's voice, rate and callback are global: one at a time


def _speak_with_library(text: str, wav: Path, voice: str, wpm: int) -> None:
    """Synthesise through libespeak-ng (initialised on first use) and write a WAV."""
    global _library
    with _library_lock:
        if _library is None:
            _library = _Library()
        samples, rate = _library.speak(text, voice, wpm), _library.sample_rate
    _write_wav(wav, samples, rate)


def _write_wav(path: Path, samples: bytes, rate: int) -> None:
    """A mono 16-bit WAV of native-endian `samples`."""
    if sys.byteorder == "big":  # WAV is little-endian
        swapped = array.array("h", samples)
        swapped.byteswap()
        samples = swapped.tobytes()
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(samples)


def _frames(path: Path) -> int:
    """How many samples a WAV file holds (0 when it is not a readable WAV)."""
    try:
        with wave.open(str(path), "rb") as audio:
            return audio.getnframes()
    except (OSError, EOFError, wave.Error):
        return 0
