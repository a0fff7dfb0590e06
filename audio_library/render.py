"""Writing audio: the house version of a segment, and TTS chunks joined with pauses.

Loudness: a fixed gain (target - measured integrated loudness) followed by a look-ahead
peak limiter, which keeps the true peak under the ceiling. loudnorm's second pass with
linear=true is not used: it only stays linear when gain + true peak fit under the ceiling,
which unprocessed speech at -16 LUFS / -1 dBTP almost never does (its peaks are 15-20 dB
above its loudness), and then silently falls back to its dynamic mode (a sliding 3 s gain
at 192 kHz, 3x slower than this whole render, and 1 LU short on our test speech). Limiting the
peaks lowers the loudness (0.5-3 LU on speech), so when the limiter will act, a quick
calibration pass measures the limited loudness at a few gains and interpolates the gain
that meets the target. Lossy encoders shift the level too (LAME at 128 kbit/s CBR: about
-0.4 dB on anything); that is measured once per process and house format on a reference
signal and made up after the limiter.
"""

from __future__ import annotations

import functools
import itertools
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from audio_library.analysis import Analysis
from audio_library.ffmpeg_process import AudioError, ffmpeg_exe, input_args, run, stderr_lines
from audio_library.store import atomic_path

ROOM = 0.15  # natural room kept before the first and after the last sound, seconds
FADE = 0.01  # de-click fades at the cut points
PEAK_MARGIN = 1.0  # dB between the limiter's ceiling and the house true-peak maximum
MAX_GAIN = 30.0  # dB; quieter uploads stay quieter than the target
CALIBRATION_SPAN = 120.0  # seconds measured whole; longer audio: as many seconds of excerpts
EXCERPTS, EXCERPT_LENGTH = 12, 10.0
EXTRA_GAINS = (0.0, 2.0, 4.0, 6.0)  # dB tried above the plain gain to make up for limiting
MUXERS = {"mp3": "mp3", "ogg": "ogg", "opus": "ogg", "m4a": "ipod", "wav": "wav", "flac": "flac"}


@dataclass(frozen=True)
class HouseFormat:
    codec: str = "libmp3lame"
    bitrate: str = "128k"
    sample_rate: int = 44100
    channels: int = 1
    target_lufs: float = -16.0
    true_peak: float = -1.0
    extension: str = "mp3"


def render_house(
    src: Path, dst: Path, analysis: Analysis, house: HouseFormat = HouseFormat()
) -> None:
    """Write the house version of src to dst (atomically).

    Trimmed to [start - 0.15 s, end + 0.15 s], loudness-normalised to house.target_lufs with
    the true peak under house.true_peak dBTP, in the house codec (default: mono 44.1 kHz
    128 kbit/s CBR MP3 with a LAME/Info header and no ID3 tags).
    """
    src, dst = Path(src), Path(dst)
    begin = max(0.0, analysis.start - ROOM)
    finish = min(analysis.duration, analysis.end + ROOM)
    length = finish - begin
    ceiling = house.true_peak - PEAK_MARGIN
    gain = min(MAX_GAIN, house.target_lufs - analysis.integrated_lufs)
    # analyse() measured the mono downmix: a stereo house version is measured anew
    if analysis.true_peak_dbtp + gain > ceiling or house.channels != 1:
        gain = _calibrated_gain(src, begin, finish, gain, ceiling, house)
    chain = ",".join(
        [
            _prepare(begin, finish, house),
            _level(gain, ceiling),
            f"volume={codec_makeup(ffmpeg_exe(), house):.3f}dB",
            f"afade=t=in:d={FADE}",
            f"afade=t=out:st={max(0.0, length - FADE):.6f}:d={FADE}",
        ]
    )
    muxer = MUXERS.get(house.extension, house.extension)
    args = [*input_args(src), "-map", "0:a:0", "-vn", "-sn", "-dn", "-af", chain]
    args += ["-map_metadata", "-1", "-c:a", house.codec, "-b:a", house.bitrate]
    args += ["-ar", str(house.sample_rate), "-ac", str(house.channels)]
    if muxer == "mp3":
        args += ["-id3v2_version", "0", "-write_xing", "1"]
    with atomic_path(dst) as tmp:
        run([*args, "-f", muxer, "-y", f"file:{tmp}"], "render_house")


def _prepare(begin: float, finish: float, house: HouseFormat) -> str:
    layout = "mono" if house.channels == 1 else "stereo"
    return (
        f"asetpts=N/SR/TB,atrim=start={begin:.6f}:end={finish:.6f},asetpts=N/SR/TB,"
        f"aresample={house.sample_rate},aformat=channel_layouts={layout}"
    )


def _level(gain: float, ceiling: float) -> str:
    limit = 10 ** (ceiling / 20)
    return (
        f"volume={gain:.3f}dB,"
        f"alimiter=limit={limit:.5f}:level=false:latency=true:attack=5:release=50"
    )


_SUMMARY = re.compile(r"^\[Parsed_ebur128_(\d+) @ [^]]+\] Summary:")
_INTEGRATED = re.compile(r"^\s+I:\s+(-?[\d.]+|-?inf) LUFS")


def _calibrated_gain(
    src: Path, begin: float, finish: float, gain: float, ceiling: float, house: HouseFormat
) -> float:
    """The gain whose limited output measures house.target_lufs.

    One decode feeds len(EXTRA_GAINS) branches (gain + extra → limiter → ebur128); the
    measured loudness rises monotonically with the gain, so the answer is interpolated
    between the two bracketing branches. Audio longer than CALIBRATION_SPAN is measured on
    EXCERPTS evenly spread excerpts, which is enough for a level that varies slowly.
    """
    length = finish - begin
    prepare = _prepare(begin, finish, house)
    if length > CALIBRATION_SPAN:
        step = (length - EXCERPT_LENGTH) / (EXCERPTS - 1)
        ranges = "+".join(
            f"between(t,{k * step:.3f},{k * step + EXCERPT_LENGTH:.3f})" for k in range(EXCERPTS)
        )
        prepare += f",aselect='{ranges}',asetpts=N/SR/TB"
    count = len(EXTRA_GAINS)
    labels = "".join(f"[b{k}]" for k in range(count))
    graph = [f"[0:a:0]{prepare},asplit={count}{labels}"]
    for k, extra in enumerate(EXTRA_GAINS):
        sink = "[out]" if k == count - 1 else ",anullsink"
        graph.append(f"[b{k}]{_level(gain + extra, ceiling)},ebur128=framelog=verbose{sink}")
    args = [*input_args(src), "-filter_complex", ";".join(graph), "-map", "[out]"]
    measured = _measure([*args, "-f", "null", "-"])
    if len(measured) != count:
        raise AudioError("ffmpeg_failed", step="calibrate loudness")
    points = [(gain + extra, level) for extra, level in zip(EXTRA_GAINS, measured, strict=True)]
    target = house.target_lufs
    if points[0][1] >= target:  # no limiting to make up for after all
        return points[0][0] - (points[0][1] - target)
    for (g0, l0), (g1, l1) in itertools.pairwise(points):
        if l0 <= target <= l1 and l1 > l0:
            return g0 + (g1 - g0) * (target - l0) / (l1 - l0)
    return points[-1][0]


@functools.lru_cache(maxsize=16)
def codec_makeup(exe: str, house: HouseFormat) -> float:
    """dB the house encoder loses on speech-like sound (pink noise at a syllable rate).

    Measured by encoding 4 s of it and measuring the decoded result; cached per process.
    `exe` is part of the cache key: another ffmpeg may carry another encoder version.
    """
    reference = "anoisesrc=c=pink:a=0.25:d=4:r=44100:seed=7"
    envelope = "volume='0.55+0.45*sin(2*PI*3.7*t)*sin(2*PI*0.9*t)':eval=frame"
    with tempfile.TemporaryDirectory(prefix="loaxa-makeup-") as folder:
        encoded = Path(folder) / f"reference.{house.extension}"
        muxer = MUXERS.get(house.extension, house.extension)
        graph = f"[0:a]{envelope},asplit[a][b];[b]ebur128=framelog=verbose,anullsink"
        args = ["-f", "lavfi", "-i", reference, "-filter_complex", graph, "-map", "[a]"]
        args += ["-c:a", house.codec, "-b:a", house.bitrate]
        args += ["-ar", str(house.sample_rate), "-ac", str(house.channels)]
        before = _measure([*args, "-f", muxer, "-y", str(encoded)], exe)
        check = ["-i", str(encoded), "-af", "ebur128=framelog=verbose", "-f", "null", "-"]
        after = _measure(check, exe)
    return max(-1.5, min(1.5, before[0] - after[0])) if before and after else 0.0


def _measure(args: Sequence[str], exe: str | None = None) -> list[float]:
    """Integrated loudness from each ebur128 filter's summary, in filter order."""
    measured: dict[int, float] = {}
    current: int | None = None
    with stderr_lines(args, exe) as lines:
        for line in lines:
            if match := _SUMMARY.match(line):
                current = int(match[1])
            elif current is not None and (match := _INTEGRATED.match(line)):
                measured[current] = float(match[1])
                current = None
    return [measured[k] for k in sorted(measured)]


def join_with_pauses(parts: Sequence[Path], dst: Path, pause: float = 0.45) -> None:
    """Concatenate decodable audio files, `pause` seconds of silence between them, into one
    mono 44.1 kHz s16 WAV at dst (streaming through ffmpeg's concat filter, atomic write)."""
    if not parts:
        raise ValueError("nothing to join")
    args: list[str] = []
    graph: list[str] = []
    for k, part in enumerate(parts):
        args += input_args(Path(part))
        pad = f",apad=pad_dur={pause:.6f}" if k < len(parts) - 1 and pause > 0 else ""
        graph.append(
            f"[{k}:a:0]asetpts=N/SR/TB,aresample=44100,"
            f"aformat=sample_fmts=s16:channel_layouts=mono{pad}[p{k}]"
        )
    inputs = "".join(f"[p{k}]" for k in range(len(parts)))
    graph.append(f"{inputs}concat=n={len(parts)}:v=0:a=1[out]")
    args += ["-filter_complex", ";".join(graph), "-map", "[out]", "-map_metadata", "-1"]
    args += ["-fflags", "+bitexact", "-c:a", "pcm_s16le", "-ar", "44100", "-ac", "1"]
    with atomic_path(Path(dst)) as tmp:
        run([*args, "-f", "wav", "-y", f"file:{tmp}"], "join_with_pauses")
