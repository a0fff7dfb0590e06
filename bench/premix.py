"""Pre-mixing a 30-minute session of 30 segments (58 s each, 2 s gaps) into one MP3.

Against the floor, ffmpeg's concat demuxer with stream copy of the same files (no gaps:
it only copies frames), and a plain pydub load-join-export (decode each file, join with
silent gaps, encode). Figures are real-time factors (session seconds per second of work)
and peak memory. Each run is a fresh process: ours is timed around `premix` (cold: no mix
cache, its silence still to encode), its memory is the interpreter's own peak plus its
largest ffmpeg child's; the floor's time and memory are its ffmpeg process's.

Targets: ours / floor >= 0.5, ours' peak memory < 150 MB.
"""

import json
import subprocess
import sys
import tempfile
from pathlib import Path

from audio_library.ffmpeg import ffmpeg_exe, media_info
from bench.common import report

NAME = "premix"
SEGMENTS, SECONDS, GAP = 30, 58.0, 2.0
RUNS = 3
TARGET_RATIO, TARGET_MB = 0.5, 150.0

# VmHWM, not ru_maxrss, for the interpreter: Linux carries ru_maxrss over across fork+exec.
PEAK = """
def peaks():
    import resource
    status = open("/proc/self/status").read().split("\\n")
    own = next(int(line.split()[1]) for line in status if line.startswith("VmHWM")) / 1024
    return own, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
"""
OURS = (
    PEAK
    + """
import json, sys, time
from pathlib import Path
from audio_library.premix import Cue, premix
folder, seconds, gap = Path(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
files = sorted(folder.glob("seg*.mp3"))
cues = [Cue(k * (seconds + gap), seconds, path) for k, path in enumerate(files)]
start = time.perf_counter()
mix = premix(cues, folder / "ours.mp3")
took = time.perf_counter() - start
own, children = peaks()
print(json.dumps({"seconds": took, "self_mb": own, "children_mb": children}))
"""
)
PYDUB = (
    PEAK
    + """
import json, sys, time
from pathlib import Path
from pydub import AudioSegment
folder, gap = Path(sys.argv[1]), float(sys.argv[3])
start = time.perf_counter()
mix = AudioSegment.empty()
for k, path in enumerate(sorted(folder.glob("seg*.mp3"))):
    if k:
        mix += AudioSegment.silent(duration=gap * 1000, frame_rate=44100)
    mix += AudioSegment.from_mp3(path)
mix.export(folder / "pydub.mp3", format="mp3", bitrate="128k")
took = time.perf_counter() - start
own, children = peaks()
print(json.dumps({"seconds": took, "self_mb": own, "children_mb": children}))
"""
)
FLOOR = (
    PEAK
    + """
import json, subprocess, sys, time
start = time.perf_counter()
subprocess.run(sys.argv[1:], check=True)
took = time.perf_counter() - start
print(json.dumps({"seconds": took, "self_mb": 0.0, "children_mb": peaks()[1]}))
"""
)


def make_segments(folder: Path) -> list[Path]:
    """SEGMENTS house MP3s: a distinct tone over pink noise each, encoded two at a time."""
    files, running = [], []
    for k in range(SEGMENTS):
        path = folder / f"seg{k:02d}.mp3"
        tone = f"sine=f={220 + 23 * k}:r=44100:d={SECONDS}"
        noise = f"anoisesrc=c=pink:r=44100:a=0.05:d={SECONDS}:seed={k}"
        cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-v", "error", "-y"]
        cmd += ["-f", "lavfi", "-i", tone, "-f", "lavfi", "-i", noise]
        cmd += ["-filter_complex", "amix=inputs=2:normalize=0", "-c:a", "libmp3lame"]
        cmd += ["-b:a", "128k", "-ar", "44100", "-ac", "1", "-id3v2_version", "0", str(path)]
        running.append(subprocess.Popen(cmd))
        if len(running) == 2:
            for proc in running:
                assert proc.wait() == 0
            running = []
        files.append(path)
    for proc in running:
        assert proc.wait() == 0
    return files


def fresh(script: str, *args: str) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-c", script, *args], check=True, capture_output=True, text=True
    )
    result: dict[str, float] = json.loads(done.stdout)
    return result


def best(runs: int, script: str, *args: str) -> dict[str, float]:
    """The fastest of `runs` fresh runs, with the highest peak memory seen in any."""
    results = [fresh(script, *args) for _ in range(runs)]
    fastest = min(results, key=lambda r: r["seconds"])
    peak = max(results, key=lambda r: r["self_mb"] + r["children_mb"])
    return {
        "seconds": fastest["seconds"],
        "self_mb": peak["self_mb"],
        "children_mb": peak["children_mb"],
    }


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="loaxa-bench-premix-") as tmp:
        folder = Path(tmp)
        files = make_segments(folder)
        args = (str(folder), str(SECONDS), str(GAP))
        ours = best(RUNS, OURS, *args)
        session = SEGMENTS * (SECONDS + GAP) - GAP
        decoded = media_info(folder / "ours.mp3")[0]

        listing = folder / "list.txt"
        listing.write_text("".join(f"file '{path}'\n" for path in files))
        concat = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-v", "error", "-y", "-f", "concat"]
        concat += ["-safe", "0", "-i", str(listing), "-c", "copy", str(folder / "floor.mp3")]
        floor = best(RUNS, FLOOR, *concat)
        pydub = best(1, PYDUB, *args)

    ours_mb = ours["self_mb"] + ours["children_mb"]
    figures = {
        "session_s": session,
        "ours_length_error_s": abs(decoded - session),
        "ours_rtf": session / ours["seconds"],
        "floor_rtf": SEGMENTS * SECONDS / floor["seconds"],
        "pydub_rtf": session / pydub["seconds"],
        "ours_peak_mb": ours_mb,
        "ours_peak_python_mb": ours["self_mb"],
        "ours_peak_ffmpeg_mb": ours["children_mb"],
        "floor_peak_mb": floor["children_mb"],
        "pydub_peak_mb": pydub["self_mb"] + pydub["children_mb"],
        "target_ratio_to_floor": TARGET_RATIO,
        "target_peak_mb": TARGET_MB,
    }
    figures["ratio_ours_to_pydub"] = figures["ours_rtf"] / figures["pydub_rtf"]
    report(NAME, figures, ("ours_rtf", "floor_rtf"))


if __name__ == "__main__":
    main()
