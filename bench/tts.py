"""Text-to-speech: espeak through our pipeline against espeak-ng alone, and a cached repeat.

Ratios: our real-time factor (seconds of speech per second of work, normalising, splitting
at sentences and joining included) against the espeak-ng binary speaking the same text in
one call; and a cached repeat's latency against the first synthesis.
"""

import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from audio_library.ffmpeg import media_info
from audio_library.tts.engines import make_engines
from audio_library.tts.synthesis import spoken_form, synthesize
from bench.common import best_of, report
from radio.demo_content import ANNOUNCEMENTS

TEXT = " ".join(text for *_rest, text in ANNOUNCEMENTS[:6])


def ours(cache: Path) -> Path:
    """TEXT spoken by our pipeline (espeak) into the cache folder."""
    return synthesize(TEXT, make_engines("espeak"), cache).path


def baseline(folder: Path) -> None:
    binary = shutil.which("espeak-ng")
    if binary is None:
        raise SystemExit("bench/tts.py needs the espeak-ng binary (apt-get install espeak-ng)")
    subprocess.run(
        [binary, "-v", "vi", "-w", str(folder / "plain.wav"), "--stdin"],
        input=spoken_form(TEXT).encode(),
        check=True,
        capture_output=True,
    )


def main() -> None:
    seconds_of_audio = media_info(ours(Path(tempfile.mkdtemp())))[0]
    first = best_of(3, lambda: Path(tempfile.mkdtemp()), ours)
    plain = best_of(3, lambda: Path(tempfile.mkdtemp()), baseline)
    warm = Path(tempfile.mkdtemp())
    ours(warm)
    start = time.perf_counter()
    ours(warm)
    repeat = time.perf_counter() - start
    report(
        "tts_espeak",
        {
            "ours_s": first,
            "espeak_alone_s": plain,
            "ours_rtf": seconds_of_audio / first,
            "espeak_alone_rtf": seconds_of_audio / plain,
            "audio_s": seconds_of_audio,
        },
        ("ours_s", "espeak_alone_s"),
    )
    report("tts_cached_repeat", {"repeat_s": repeat, "first_s": first}, ("repeat_s", "first_s"))
