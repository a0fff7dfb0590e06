"""Upload processing (analyse + render_house) against a plain ffmpeg transcode of the same files.

Speed: a few minutes of speech in five formats; figures are real-time factors (seconds of
audio per second of processing), so the ratio ours / baseline is below 1 by the cost of
analysing, calibrating the loudness and limiting. Memory: a 60-minute MP3 processed in a
fresh interpreter, whose own peak RSS and its largest ffmpeg child's are reported (target:
both together under 200 MB).
"""

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from audio_library.ffmpeg import analyse, ffmpeg_exe, media_info, render_house
from bench.common import best_of, report

SENTENCES = (
    "Thông báo của Ủy ban nhân dân xã về việc tiêm phòng cho gia súc, gia cầm.",
    "Đề nghị bà con đưa vật nuôi đến điểm tiêm đúng giờ.",
    "Lịch cắt điện ngày mai từ bảy giờ sáng đến năm giờ chiều tại thôn hai và thôn ba.",
    "Ban chỉ huy quân sự xã thông báo lịch khám tuyển nghĩa vụ quân sự năm nay.",
)
# (name, seconds, ffmpeg output options)
FILES = (
    ("notice.mp3", 45, ["-ac", "2", "-ar", "44100", "-c:a", "libmp3lame", "-b:a", "128k"]),
    ("phone.m4a", 60, ["-ac", "1", "-ar", "44100", "-c:a", "aac", "-b:a", "96k"]),
    ("voice.ogg", 40, ["-ac", "1", "-ar", "48000", "-c:a", "libopus", "-b:a", "32k"]),
    ("studio.wav", 50, ["-ac", "2", "-ar", "48000", "-c:a", "pcm_s16le"]),
    ("archive.flac", 35, ["-ac", "1", "-ar", "22050", "-c:a", "flac"]),
)
HOUR = 3600

MEASURE_HOUR = """
import json, resource, sys, time
from pathlib import Path
from audio_library.ffmpeg import analyse, render_house
src, dst = Path(sys.argv[1]), Path(sys.argv[2])
start = time.perf_counter()
render_house(src, dst, analyse(src, max_duration=4000))
print(json.dumps({
    "seconds": time.perf_counter() - start,
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the parent across fork+exec.
    "self_mb": int(next(line.split()[1] for line in open("/proc/self/status")
                        if line.startswith("VmHWM"))) / 1024,
    "children_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
}))
"""
MEASURE_BASELINE = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
subprocess.run(sys.argv[1:], check=True)
print(json.dumps({
    "seconds": time.perf_counter() - start,
    "children_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
}))
"""


def ffmpeg(*args: str) -> None:
    subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-nostdin", "-v", "error", "-y", *args], check=True
    )


def speech(folder: Path) -> Path:
    """About 25 s of speech with pauses: espeak-ng's, or speech-like shaped noise without it."""
    out = folder / "speech.wav"
    espeak = shutil.which("espeak-ng")
    if espeak:
        parts = []
        for k, text in enumerate(SENTENCES):
            part = folder / f"sentence{k}.wav"
            subprocess.run([espeak, "-v", "vi", "-w", str(part), text], check=True)
            parts.append(part)
        inputs = [arg for part in parts for arg in ("-i", str(part))]
        pads = "".join(f"[{k}]apad=pad_dur=0.8[p{k}];" for k in range(len(parts)))
        joined = "".join(f"[p{k}]" for k in range(len(parts)))
        graph = f"{pads}{joined}concat=n={len(parts)}:v=0:a=1"
        ffmpeg(*inputs, "-filter_complex", graph, "-ar", "22050", "-ac", "1", str(out))
    else:
        envelope = (
            "volume='0.08+0.92*pow(abs(sin(2*PI*4.1*t)),2)*gt(sin(2*PI*0.55*t),-0.4)':eval=frame"
        )
        graph = (
            "anoisesrc=c=pink:r=22050:a=0.5:d=25:seed=11[n];sine=f=120:r=22050:d=25,volume=0.3[v];"
            f"[n][v]amix=inputs=2:normalize=0,bandpass=f=900:w=1600:t=h,{envelope},volume=5"
        )
        ffmpeg("-filter_complex", graph, str(out))
    return out


def make_files(folder: Path) -> tuple[list[Path], Path]:
    source = speech(folder)
    files = []
    for name, seconds, options in FILES:
        dst = folder / name
        loop = ["-stream_loop", "-1", "-i", str(source)]
        shape = f"adelay=700:all=1,apad=pad_dur=1.2,atrim=0:{seconds}"
        ffmpeg(*loop, "-af", shape, *options, str(dst))
        files.append(dst)
    hour = folder / "hour.mp3"
    options = ["-ac", "1", "-ar", "44100", "-c:a", "libmp3lame", "-b:a", "64k"]
    ffmpeg("-stream_loop", "-1", "-i", str(source), "-t", str(HOUR), *options, str(hour))
    return files, hour


def ours(files: list[Path], out: Path) -> None:
    for src in files:
        render_house(src, out / f"{src.stem}.mp3", analyse(src))


def baseline(files: list[Path], out: Path) -> None:
    for src in files:
        ffmpeg(
            "-i", str(src), "-ac", "1", "-ar", "44100", "-b:a", "128k", str(out / f"{src.stem}.mp3")
        )


def in_fresh_process(script: str, *args: str) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-c", script, *args], check=True, capture_output=True, text=True
    )
    result: dict[str, float] = json.loads(done.stdout)
    return result


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="loaxa-bench-audio-") as tmp:
        folder = Path(tmp)
        files, hour = make_files(folder)
        audio = sum(media_info(f)[0] for f in files)
        out = folder / "out"
        out.mkdir()
        ours(files[:1], out)  # warm-up: the encoder's level offset is measured once per process
        ours_s = best_of(3, lambda: files, lambda fs: ours(fs, out))
        baseline_s = best_of(3, lambda: files, lambda fs: baseline(fs, out))

        mine = in_fresh_process(MEASURE_HOUR, str(hour), str(out / "hour-house.mp3"))
        plain_cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-v", "error", "-y", "-i"]
        plain_cmd += [str(hour), "-ac", "1", "-ar", "44100", "-b:a", "128k"]
        plain = in_fresh_process(MEASURE_BASELINE, *plain_cmd, str(out / "hour-plain.mp3"))

    figures = {
        "audio_s": round(audio, 1),
        "ours_rtf": audio / ours_s,
        "plain_ffmpeg_rtf": audio / baseline_s,
        "hour_ours_rtf": HOUR / mine["seconds"],
        "hour_plain_ffmpeg_rtf": HOUR / plain["seconds"],
        "hour_peak_rss_python_mb": mine["self_mb"],
        "hour_peak_rss_ffmpeg_mb": mine["children_mb"],
        "hour_peak_rss_total_mb": mine["self_mb"] + mine["children_mb"],
        "hour_peak_rss_plain_ffmpeg_mb": plain["children_mb"],
        "peak_rss_target_mb": 200.0,
    }
    report("upload_processing", figures, ("ours_rtf", "plain_ffmpeg_rtf"))


if __name__ == "__main__":
    main()
