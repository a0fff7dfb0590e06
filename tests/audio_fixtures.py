"""Test audio generated on the spot with ffmpeg (and espeak-ng when installed), and
independent checks of results with Debian's ffprobe and ffmpeg's ebur128 filter.

Nothing here reads audio files from the repository. AUDIO_FIXTURES_SYNTHETIC=1 replaces
espeak-ng's speech by the synthetic speech-like signal even when espeak-ng is installed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

FFMPEG = shutil.which("ffmpeg") or ""
FFPROBE = shutil.which("ffprobe") or ""
ESPEAK = "" if os.environ.get("AUDIO_FIXTURES_SYNTHETIC") else shutil.which("espeak-ng") or ""

SENTENCES = (
    "Thông báo của Ủy ban nhân dân xã về việc tiêm phòng cho gia súc, gia cầm. "
    "Đề nghị bà con đưa vật nuôi đến đúng giờ.",
    "Lịch cắt điện ngày mai từ bảy giờ sáng đến năm giờ chiều tại thôn hai và thôn ba.",
)

# name: (file extension, ffmpeg output options); AMR needs the imageio wheel's ffmpeg
# (Debian's has no AMR-NB encoder).
FORMATS: dict[str, tuple[str, list[str]]] = {
    "mp3": ("mp3", ["-c:a", "libmp3lame", "-b:a", "128k"]),
    "wav": ("wav", ["-c:a", "pcm_s16le"]),
    "opus": ("ogg", ["-c:a", "libopus", "-b:a", "48k"]),
    "vorbis": ("ogg", ["-c:a", "libvorbis", "-q:a", "4"]),
    "m4a": ("m4a", ["-c:a", "aac", "-b:a", "96k"]),
    "flac": ("flac", ["-c:a", "flac"]),
    "amr": ("amr", ["-ar", "8000", "-ac", "1", "-c:a", "libopencore_amrnb", "-b:a", "12.2k"]),
    "3gp": ("3gp", ["-ar", "8000", "-ac", "1", "-c:a", "libopencore_amrnb", "-b:a", "12.2k"]),
}
CODECS = {
    "mp3": "mp3",
    "wav": "pcm_s16le",
    "opus": "opus",
    "vorbis": "vorbis",
    "m4a": "aac",
    "flac": "flac",
    "amr": "amr_nb",
    "3gp": "amr_nb",
}


def wheel_ffmpeg() -> str:
    import imageio_ffmpeg

    return str(imageio_ffmpeg.get_ffmpeg_exe())


def ffmpeg(*args: str, exe: str = "") -> None:
    cmd = [exe or FFMPEG, "-hide_banner", "-nostdin", "-v", "error", "-y", *args]
    subprocess.run(cmd, check=True, capture_output=True)


def speech_like(dst: Path, variant: int = 0, *, lead: float = 1.0, tail: float = 1.5) -> Path:
    """A mono 22.05 kHz WAV of speech (or something like it) with silence around it.

    espeak-ng reads SENTENCES[variant] in Vietnamese; without it, pink noise shaped into
    syllables and words (rates depending on `variant`) over a voiced buzz stands in.
    """
    raw = dst.with_suffix(".raw.wav")
    if ESPEAK:
        text = SENTENCES[variant % len(SENTENCES)]
        subprocess.run([ESPEAK, "-v", "vi", "-w", str(raw), text], check=True, capture_output=True)
    else:
        syllables, words = 4.1 + 0.9 * variant, 0.55 + 0.2 * variant
        envelope = (
            f"volume='0.08+0.92*pow(abs(sin(2*PI*{syllables}*t)),2)"
            f"*gt(sin(2*PI*{words}*t+{variant}),-0.4)':eval=frame"
        )
        graph = (
            f"anoisesrc=c=pink:r=22050:a=0.5:d={5 + variant}:seed={11 + variant}[n];"
            f"sine=f={110 + 30 * variant}:r=22050:d={5 + variant},volume=0.3[v];"
            f"[n][v]amix=inputs=2:normalize=0,bandpass=f=900:w=1600:t=h,{envelope},volume=5"
        )
        ffmpeg("-filter_complex", graph, "-c:a", "pcm_s16le", str(raw))
    pad = (
        f"adelay={round(lead * 1000)}:all=1,apad=pad_dur={tail}" if lead else f"apad=pad_dur={tail}"
    )
    ffmpeg("-i", str(raw), "-af", pad, "-ar", "22050", "-ac", "1", "-c:a", "pcm_s16le", str(dst))
    raw.unlink()
    return dst


def tone(dst: Path, seconds: float, frequency: float = 440.0, volume: float = 0.5) -> Path:
    """A sine of peak amplitude `volume` (1 = full scale)."""
    source = f"aevalsrc={volume}*sin(2*PI*{frequency}*t):s=44100:d={seconds}"
    ffmpeg("-f", "lavfi", "-i", source, "-c:a", "pcm_s16le", str(dst))
    return dst


def silence(dst: Path, seconds: float) -> Path:
    ffmpeg("-f", "lavfi", "-i", f"anullsrc=r=44100:cl=mono:d={seconds}", str(dst))
    return dst


def encode(src: Path, folder: Path, name: str, extra: tuple[str, ...] = ()) -> Path:
    """src encoded in FORMATS[name] as folder/<src stem>.<name>.<extension>."""
    extension, options = FORMATS[name]
    dst = folder / f"{src.stem}.{name}.{extension}"
    exe = wheel_ffmpeg() if "libopencore_amrnb" in options else FFMPEG
    ffmpeg("-i", str(src), *extra, *options, str(dst), exe=exe)
    return dst


def probe(path: Path) -> dict[str, float | str]:
    """Duration, codec, sample rate, channels and bit rates as Debian's ffprobe reports them."""
    entries = "format=duration,bit_rate,format_name:stream=codec_name,sample_rate,channels,bit_rate"
    cmd = [FFPROBE, "-v", "error", "-select_streams", "a:0", "-show_entries", entries]
    out = subprocess.run(
        [*cmd, "-of", "json", str(path)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    data = json.loads(out)
    stream, fmt = data["streams"][0], data["format"]
    return {
        "duration": float(fmt["duration"]),
        "format": fmt["format_name"],
        "codec": stream["codec_name"],
        "sample_rate": int(stream["sample_rate"]),
        "channels": int(stream["channels"]),
        "bit_rate": int(stream.get("bit_rate") or fmt["bit_rate"]),
    }


def decoded_duration(path: Path) -> float:
    """Seconds that really decode (Debian's ffprobe counts an MP3's encoder delay and padding)."""
    cmd = [FFMPEG, "-hide_banner", "-nostdin", "-v", "error", "-progress", "pipe:1"]
    log = subprocess.run(
        [*cmd, "-i", str(path), "-f", "null", "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return int(re.findall(r"out_time_us=(\d+)", log)[-1]) / 1e6


def loudness(path: Path) -> tuple[float, float]:
    """(integrated loudness LUFS, true peak dBTP) by ffmpeg's ebur128=peak=true."""
    cmd = [FFMPEG, "-hide_banner", "-nostdin", "-nostats", "-i", str(path)]
    log = subprocess.run(
        [*cmd, "-af", "ebur128=peak=true", "-f", "null", "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stderr
    summary = log[log.rindex("Summary:") :]
    integrated = re.search(r"I:\s+(-?[\d.]+) LUFS", summary)
    peak = re.search(r"Peak:\s+(-?[\d.]+|-inf) dBFS", summary)
    assert integrated and peak, summary
    return float(integrated[1]), float(peak[1])


def lying_wav(dst: Path, seconds: float = 1.0, rate: int = 44100) -> Path:
    """A WAV whose RIFF and data sizes claim ~4 GiB (hours) but that holds `seconds` of tone."""
    import math
    import struct

    count = round(seconds * rate)
    samples = b"".join(
        struct.pack("<h", round(8000 * math.sin(2 * math.pi * 440 * k / rate)))
        for k in range(count)
    )
    fmt = struct.pack("<HHIIHH", 1, 1, rate, rate * 2, 2, 16)
    header = b"RIFF" + struct.pack("<I", 0xFFFFFFF0) + b"WAVE"
    header += b"fmt " + struct.pack("<I", len(fmt)) + fmt
    header += b"data" + struct.pack("<I", 0xFFFFFF00)
    dst.write_bytes(header + samples)
    return dst
