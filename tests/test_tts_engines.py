"""The text-to-speech engines, for real: gTTS against a local fake of Google, espeak-ng
through both its binary and the espeakng-loader library. Audio is checked with ffprobe."""

import json
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from audio_library.tts.engines import EngineError, make_engines
from audio_library.tts.espeak_engine import EspeakEngine
from audio_library.tts.gtts_engine import GTTSEngine
from tests.fake_gtts import FakeGoogle, closed_port_url, tone_mp3

SHORT = "Xin chào bà con."
LONG = (
    "Thông báo của Ủy ban nhân dân xã về lịch tiêm phòng cho trâu bò trong tháng này. "
    "Bà con mang vật nuôi đến nhà văn hóa thôn vào sáng thứ bảy, từ bảy giờ đến mười giờ. "
    "Đề nghị các hộ chăn nuôi chuẩn bị sổ theo dõi và đến đúng giờ để cán bộ thú y làm việc. "
    "Mọi thắc mắc xin liên hệ trưởng thôn hoặc cán bộ thú y xã trong giờ hành chính."
)
VOICES = ("north", "central", "south")
needs_binary = pytest.mark.skipif(
    shutil.which("espeak-ng") is None, reason="Debian's espeak-ng is not installed"
)
BACKENDS = [pytest.param("binary", marks=needs_binary), "library"]


@pytest.fixture(scope="module")
def tones() -> list[bytes]:
    """Distinct short MP3s, so that each part's audio can be told apart in the result."""
    return [tone_mp3(frequency) for frequency in (330, 440, 550, 660, 770, 880)]


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """gTTS sends through the environment's proxies; the fake lives on 127.0.0.1."""
    for name in ("http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)


def probe(path: Path) -> tuple[str, float]:
    """(codec, duration in seconds) of an audio file, as ffprobe sees it."""
    command = ["ffprobe", "-v", "error", "-show_entries", "stream=codec_name:format=duration"]
    result = subprocess.run([*command, "-of", "json", str(path)], capture_output=True, check=True)
    info = json.loads(result.stdout)
    return info["streams"][0]["codec_name"], float(info["format"]["duration"])


def failure(engine: GTTSEngine, out: Path) -> tuple[str, float]:
    """(error kind, seconds taken) of a synthesis that must fail."""
    started = time.monotonic()
    with pytest.raises(EngineError) as caught:
        engine.synthesize(SHORT, out)
    return caught.value.kind, time.monotonic() - started


def test_gtts_writes_a_valid_mp3(tones: list[bytes], tmp_path: Path) -> None:
    with FakeGoogle(tones) as fake:
        written = GTTSEngine(url=fake.url, timeout=2).synthesize(SHORT, tmp_path / "hello")
    assert written == tmp_path / "hello.mp3"
    assert fake.requests == [(SHORT, "vi", None)]
    codec, seconds = probe(written)
    assert codec == "mp3" and seconds > 0.2
    assert [p.name for p in tmp_path.iterdir()] == ["hello.mp3"]  # no temporary left over


def test_gtts_asks_google_to_read_slowly_below_speed_0_8(
    tones: list[bytes], tmp_path: Path
) -> None:
    with FakeGoogle(tones) as fake:
        engine = GTTSEngine(url=fake.url, timeout=2)
        engine.synthesize(SHORT, tmp_path / "slow", voice="south", speed=0.7)
        engine.synthesize(SHORT, tmp_path / "normal", speed=1.3)
    assert [speed for _, _, speed in fake.requests] == [True, None]


def test_long_text_parts_are_fetched_concurrently_and_joined_in_order(
    tones: list[bytes], tmp_path: Path
) -> None:
    # The first request to arrive is answered last, so completion order differs from text order.
    with FakeGoogle(tones, delay=lambda arrival: 0.45 if arrival == 0 else 0.25) as fake:
        started = time.monotonic()
        written = GTTSEngine(url=fake.url, timeout=2).synthesize(LONG, tmp_path / "long")
        elapsed = time.monotonic() - started
    parts = fake.texts
    assert len(parts) >= 4 and all(len(part) <= 100 for part in parts)
    assert fake.max_in_flight >= 2 and elapsed < 0.25 * len(parts)
    in_text_order = sorted(parts, key=LONG.index)
    assert written.read_bytes() == b"".join(fake.served[part] for part in in_text_order)
    assert probe(written)[0] == "mp3"


def test_unreachable_host_fails_fast(tmp_path: Path) -> None:
    engine = GTTSEngine(url=closed_port_url(), timeout=2, tries=3, backoff=0.05)
    kind, seconds = failure(engine, tmp_path / "x")
    assert kind == "unreachable" and seconds < 1
    assert list(tmp_path.iterdir()) == []


def test_slow_server_times_out_after_every_retry(tones: list[bytes], tmp_path: Path) -> None:
    with FakeGoogle(tones, mode="slow") as fake:
        engine = GTTSEngine(url=fake.url, timeout=0.2, tries=3, backoff=0.05)
        kind, seconds = failure(engine, tmp_path / "x")
    assert kind == "timeout"
    assert fake.texts == [SHORT] * 3
    assert 0.6 <= seconds < 0.6 + 0.15 + 0.5  # three timeouts, two back-offs, some slack


def test_garbage_reply_is_bad_audio_and_not_retried(tones: list[bytes], tmp_path: Path) -> None:
    with FakeGoogle(tones, mode="garbage") as fake:
        kind, _ = failure(GTTSEngine(url=fake.url, timeout=2, backoff=0.05), tmp_path / "x")
    assert kind == "bad_audio" and len(fake.requests) == 1
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("voice", VOICES)
@pytest.mark.parametrize("backend", BACKENDS)
def test_espeak_writes_wav_that_grows_with_the_text(
    backend: str, voice: str, tmp_path: Path
) -> None:
    engine = EspeakEngine(backend=backend)  # type: ignore[arg-type]
    assert engine.backend == backend
    short = engine.synthesize(SHORT, tmp_path / "short", voice=voice)
    long = engine.synthesize(LONG, tmp_path / "long", voice=voice)
    assert short.suffix == long.suffix == ".wav"
    (short_codec, short_seconds), (long_codec, long_seconds) = probe(short), probe(long)
    assert short_codec == long_codec == "pcm_s16le"
    assert 0.5 < short_seconds < long_seconds / 5


@pytest.mark.parametrize("backend", BACKENDS)
def test_espeak_speed_shortens_the_audio(backend: str, tmp_path: Path) -> None:
    engine = EspeakEngine(backend=backend)  # type: ignore[arg-type]
    normal = probe(engine.synthesize(LONG, tmp_path / "normal", speed=1.0))[1]
    fast = probe(engine.synthesize(LONG, tmp_path / "fast", speed=1.5))[1]
    assert fast < normal * 0.8


def test_espeak_refuses_an_unknown_voice(tmp_path: Path) -> None:
    with pytest.raises(EngineError) as caught:
        EspeakEngine().synthesize(SHORT, tmp_path / "x", voice="west")
    assert caught.value.kind == "unsupported_voice"


def test_make_engines_keeps_the_configured_order() -> None:
    assert [e.name for e in make_engines("gtts,espeak")] == ["gtts", "espeak"]
    assert [e.name for e in make_engines(" espeak , gtts ")] == ["espeak", "gtts"]
    gtts = make_engines("gtts", gtts_url="http://127.0.0.1:9", timeout=3)[0]
    assert isinstance(gtts, GTTSEngine) and (gtts.url, gtts.timeout) == ("http://127.0.0.1:9", 3)
    assert set(gtts.voices) == set(EspeakEngine.voices) == set(VOICES)


def test_make_engines_rejects_an_unknown_name() -> None:
    with pytest.raises(ValueError, match="piper"):
        make_engines("gtts,piper")
    with pytest.raises(ValueError):
        make_engines(" , ")
