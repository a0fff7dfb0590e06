"""Google Translate's Vietnamese voice through gTTS: parts fetched at once, retried, checked.

gTTS splits a text into parts of at most 100 characters and asks Google for each in turn;
here the parts go out concurrently, each with a timeout and retries, and each reply must
decode as MP3 before the parts are joined byte-wise (MP3 frames concatenate, which is how
gTTS itself writes a file).
"""

import binascii
import importlib
import shutil
import subprocess
import threading
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests
from gtts import gTTS, gTTSError
from urllib3.exceptions import ReadTimeoutError

from audio_library.store import atomic_path
from audio_library.tts.engines import VOICES, EngineError, voice_name

GOOGLE_LANG = "vi"
SLOW_BELOW = 0.8  # Google reads at two speeds only: normal, and slow for speeds below this
RETRYABLE = frozenset({"unreachable", "timeout", "failed"})  # bad audio stays bad on a retry
FFMPEG_TIMEOUT = 30.0


class _EndpointGTTS(gTTS):  # type: ignore[misc]  # gTTS ships no type information
    """gTTS whose requests go to `endpoint` ("http://host:port") instead of Google's host."""

    def __init__(self, text: str, endpoint: str | None, **options: Any) -> None:
        super().__init__(text, **options)
        self.endpoint = endpoint

    def _prepare_requests(self) -> list[requests.PreparedRequest]:
        """gTTS's requests, re-pointed at the endpoint when there is one."""
        prepared: list[requests.PreparedRequest] = super()._prepare_requests()
        if self.endpoint:
            for request in prepared:
                request.prepare_url(_rehost(str(request.url), self.endpoint), None)
        return prepared


def _rehost(url: str, endpoint: str) -> str:
    """`url` with the scheme and host of `endpoint` (whose path, if any, becomes a prefix)."""
    base, parts = urlsplit(endpoint), urlsplit(url)
    path = base.path.rstrip("/") + parts.path
    return urlunsplit((base.scheme, base.netloc, path, parts.query, ""))


class GTTSEngine:
    """Google's Vietnamese voice: natural, but needs the internet (or a stand-in at `url`)."""

    name = "gtts"
    # Google has one Vietnamese voice (northern). It serves every region: listeners
    # understand it, and it sounds far better than espeak's regional voices would.
    voices: Mapping[str, str] = dict.fromkeys(VOICES, GOOGLE_LANG)

    def __init__(
        self,
        *,
        url: str | None = None,
        timeout: float = 10.0,
        tries: int = 3,
        backoff: float = 0.5,
        workers: int = 4,
    ) -> None:
        if tries < 1 or workers < 1:
            raise ValueError("tries and workers must be at least 1")
        self.url, self.timeout, self.tries = url, timeout, tries
        self.backoff, self.workers = backoff, workers

    def synthesize(self, text: str, out: Path, *, voice: str = "north", speed: float = 1.0) -> Path:
        """Write Google's MP3 of `text` to `out` with suffix .mp3; return that path."""
        lang = voice_name(self, voice)
        audio = self._fetch_all(self._parts(text, lang), lang, slow=speed < SLOW_BELOW)
        target = out.with_suffix(".mp3")
        with atomic_path(target) as temporary:
            temporary.write_bytes(audio)
        return target

    def _parts(self, text: str, lang: str) -> list[str]:
        """The parts of at most 100 characters that gTTS would send, in order."""
        if not text.strip():  # gTTS would fail an assertion
            raise EngineError("failed", "nothing to speak")
        parts: list[str] = _EndpointGTTS(text, None, lang=lang, lang_check=False)._tokenize(text)
        if not parts:
            raise EngineError("failed", "nothing to speak")
        return parts

    def _fetch_all(self, parts: list[str], lang: str, *, slow: bool) -> bytes:
        """Every part's MP3 fetched concurrently, joined in the parts' order."""
        giving_up = threading.Event()  # one part failed for good: the others stop retrying
        workers = min(self.workers, len(parts))
        with ThreadPoolExecutor(workers, thread_name_prefix="gtts") as pool:
            futures = [pool.submit(self._fetch, part, lang, slow, giving_up) for part in parts]
            try:
                for future in as_completed(futures):
                    future.result()  # the first failure, of whichever part, ends the whole text
            except BaseException:
                giving_up.set()
                pool.shutdown(cancel_futures=True)
                raise
        return b"".join(future.result() for future in futures)

    def _fetch(self, part: str, lang: str, slow: bool, giving_up: threading.Event) -> bytes:
        """One part's MP3, retried with exponential back-off while the failure may pass."""
        request = _EndpointGTTS(
            part,
            self.url,
            lang=lang,
            slow=slow,
            lang_check=False,
            pre_processor_funcs=[],  # the whole text was pre-processed when it was split
            timeout=self.timeout,  # gTTS hands it to requests for the connect and each read
        )
        for attempt in range(self.tries - 1):
            try:
                return _checked_mp3(_download(request))
            except EngineError as error:
                if error.kind not in RETRYABLE or giving_up.wait(self.backoff * 2**attempt):
                    raise
        return _checked_mp3(_download(request))


def _download(request: _EndpointGTTS) -> bytes:
    """The audio bytes of one gTTS request, or EngineError saying why there are none."""
    try:
        return b"".join(request.stream())
    except gTTSError as error:
        raise EngineError(_error_kind(error), str(error)) from error
    except (UnicodeDecodeError, binascii.Error) as error:  # gTTS decodes the reply itself
        raise EngineError("bad_audio", str(error)) from error


def _error_kind(error: gTTSError) -> str:
    """Our kind for a gTTS error, from the requests exception it was raised while handling."""
    cause = error.__context__
    if isinstance(cause, requests.Timeout) or _read_timeout(cause):
        return "timeout"
    if isinstance(cause, requests.ConnectionError):
        return "unreachable"
    if error.rsp is not None and error.rsp.status_code == 200:
        return "bad_audio"  # Google answered, but with no audio in the reply
    return "failed"


def _read_timeout(cause: BaseException | None) -> bool:
    """Whether requests wrapped a read timeout in the body as a ConnectionError."""
    # requests raises ConnectionError, not Timeout, when the body (not the headers) stalls.
    return isinstance(cause, requests.ConnectionError) and any(
        isinstance(arg, ReadTimeoutError) for arg in cause.args
    )


def _checked_mp3(audio: bytes) -> bytes:
    """`audio` itself, if ffmpeg decodes it as MP3 without a single error."""
    command = [_ffmpeg_exe(), "-v", "error", "-f", "mp3", "-i", "pipe:0"]
    # Decoding to small raw PCM proves there is sound, not just a stray frame header.
    command += ["-ac", "1", "-ar", "8000", "-f", "s16le", "pipe:1"]
    try:
        result = subprocess.run(
            command, input=audio, capture_output=True, timeout=FFMPEG_TIMEOUT, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise EngineError("failed", f"ffmpeg: {error}") from error
    if result.returncode or result.stderr.strip() or not result.stdout:
        detail = result.stderr.decode(errors="replace").strip()[-300:]
        raise EngineError("bad_audio", detail or "no audio decoded")
    return audio


def _ffmpeg_exe() -> str:
    """The ffmpeg on PATH, else the one bundled with imageio-ffmpeg."""
    found = shutil.which("ffmpeg")
    if found:
        return found
    try:
        # Looked up by name: imageio-ffmpeg is optional and ships no type information.
        bundled = importlib.import_module("imageio_ffmpeg")
    except ImportError as error:
        raise EngineError("failed", "no ffmpeg on PATH and no imageio-ffmpeg") from error
    return str(bundled.get_ffmpeg_exe())
