"""One streaming decode of an upload: validation, silence trimming and loudness measurement.

ffmpeg decodes the first audio stream once, downmixed to mono (what the house version
airs), through silencedetect (where sound starts and ends) and ebur128 (momentary and
short-term loudness every 100 ms, true peak). Integrated loudness, its gate and the
loudness range are then computed here per ITU-R BS.1770 / EBU Tech 3342 from those
100 ms blocks, over the trimmed span only.
"""

from __future__ import annotations

import math
import re
from array import array
from dataclasses import dataclass, field
from pathlib import Path

from audio_library.ffmpeg_process import PROGRESS_TIME, AudioError, Header, input_args, stderr_lines
from audio_library.tail_check import cut_off

SILENCE_DB = -50.0  # below this (dBFS, sample peak) is silence
SILENCE_MIN = 0.02  # shortest silence silencedetect reports, seconds
ABSOLUTE_GATE = -70.0


@dataclass(frozen=True)
class Analysis:
    duration: float  # seconds of decoded audio (not the header's claim)
    codec: str  # ffmpeg's codec name: mp3, pcm_s16le, opus, aac, flac, amr_nb, vorbis, …
    container: str  # mp3, wav, ogg, flac, amr, m4a, mp4, 3gp, matroska, …
    sample_rate: int
    channels: int
    start: float  # where sound begins (leading silence trimmed), seconds
    end: float  # where sound ends (trailing silence trimmed)
    integrated_lufs: float  # BS.1770 integrated loudness of [start, end], mono downmix
    true_peak_dbtp: float
    loudness_range: float
    threshold: float  # the relative gate (integrated loudness of the abs-gated blocks - 10 LU)
    offset: float  # loudnorm's target offset; 0.0 (render_house corrects by measuring, see there)


_NUMBER = r"(-?[\d.]+|-?inf|nan)"
_FRAME = re.compile(
    rf"^\[Parsed_ebur128_\d+ @ [^]]+\] t: *([\d.]+) +TARGET:.*?M: *{_NUMBER} +S: *{_NUMBER}"
)
_PEAK = re.compile(r"^\s+Peak:\s+(-?[\d.]+|-?inf)")
_SILENCE_START = re.compile(r"^\[\S*silencedetect\S* @ [^]]+\] silence_start: (-?[\d.e+-]+)")
_SILENCE_END = re.compile(r"^\[\S*silencedetect\S* @ [^]]+\] silence_end: (-?[\d.e+-]+)")
_DECODE_ERROR = re.compile(
    r"Error while decoding stream|Error submitting packet to decoder|Decoding error"
    r"|decode_frame\(\) failed|corrupt input packet|partial file"
)


@dataclass
class _Pass:
    """Everything read from the analysis pass's log."""

    header: Header = field(default_factory=Header)
    times: array[float] = field(default_factory=lambda: array("d"))
    momentary: array[float] = field(default_factory=lambda: array("d"))
    short_term: array[float] = field(default_factory=lambda: array("d"))
    silences: list[list[float]] = field(default_factory=list)  # [start, end]; end = inf: open
    peak: float = -math.inf
    out_us: int = 0
    errors: list[float] = field(default_factory=list)  # decoded position of each error
    moov_missing: bool = False
    partial: bool = False
    summary: bool = False
    returncode: int = 0

    def feed(self, line: str) -> None:
        if match := _FRAME.search(line):
            self.times.append(float(match[1]))
            self.momentary.append(_db(match[2]))
            self.short_term.append(_db(match[3]))
        elif match := PROGRESS_TIME.match(line):
            self.out_us = int(match[1])
        elif match := _SILENCE_START.search(line):
            at = float(match[1])
            if not self.silences or self.silences[-1][0] != at:
                self.silences.append([max(at, 0.0), math.inf])
        elif match := _SILENCE_END.search(line):
            if self.silences:
                self.silences[-1][1] = float(match[1])
        elif self.summary and (match := _PEAK.match(line)):
            self.peak = _db(match[1])
        elif "] Summary:" in line:
            self.summary = True
        elif line.startswith("returncode="):
            self.returncode = int(line.split("=", 1)[1])
        else:
            self.header.feed(line)
            if _DECODE_ERROR.search(line):
                self.errors.append(self.times[-1] if self.times else 0.0)
                self.partial = self.partial or "partial file" in line
            if "filesize and duration do not match" in line:
                self.partial = True
            if "moov atom not found" in line:
                self.moov_missing = True


def _db(text: str) -> float:
    value = float(text)
    return -math.inf if math.isnan(value) or value < -120 else value


def analyse(src: Path, *, max_duration: float = 3600.0, min_duration: float = 0.5) -> Analysis:
    """Decode the whole file once (streaming, at most max_duration + 1 s) and validate it.

    Raises AudioError: "empty" (0 bytes), "not_audio" (nothing decodes as audio), "truncated"
    (see `_truncated`), "too_long" (more than max_duration seconds really decode), "silent"
    (no sound above -50 dBFS), "too_short" (less than min_duration between start and end).
    """
    src = Path(src)
    if src.stat().st_size == 0:
        raise AudioError("empty")
    chain = (
        "asetpts=N/SR/TB,aformat=channel_layouts=mono,"
        f"silencedetect=n={SILENCE_DB}dB:d={SILENCE_MIN},"
        "ebur128=peak=true:framelog=info"
    )
    args = [*input_args(src), "-map", "0:a:0", "-vn", "-sn", "-dn"]
    args += ["-af", chain, "-t", f"{max_duration + 1:.3f}", "-f", "null", "-"]
    result = _Pass()
    with stderr_lines(args) as lines:
        for line in lines:
            result.feed(line)
    header = result.header
    duration = result.out_us / 1e6

    if result.moov_missing:
        raise AudioError("truncated", detail="no index (moov) in the MP4 container")
    if not header.codec or duration <= 0:
        raise AudioError("not_audio")
    if result.returncode != 0 and not result.errors:
        raise AudioError("ffmpeg_failed", step="analyse", returncode=result.returncode)
    if duration > max_duration:
        raise AudioError("too_long", duration=duration, max_duration=max_duration)
    if len(result.errors) > 0 and duration < 0.5:
        raise AudioError("not_audio", errors=len(result.errors))
    if reason := _truncated(src, result, duration):
        raise AudioError(
            "truncated", duration=duration, promised=header.duration or duration, detail=reason
        )

    start, end = _sound_span(result.silences, duration)
    if end <= start:
        raise AudioError("silent", duration=duration)
    if end - start < min_duration:
        raise AudioError("too_short", duration=end - start, min_duration=min_duration)
    integrated, threshold = _integrated(result, start, end)
    if integrated == -math.inf:
        raise AudioError("silent", duration=duration)
    return Analysis(
        duration=duration,
        codec=header.codec,
        container=header.container_name,
        sample_rate=header.sample_rate,
        channels=header.channels,
        start=start,
        end=end,
        integrated_lufs=round(integrated, 2),
        true_peak_dbtp=result.peak,
        loudness_range=round(_loudness_range(result, start, end), 2),
        threshold=round(threshold, 2),
        offset=0.0,
    )


def _truncated(src: Path, result: _Pass, duration: float) -> str:
    """Why the file looks cut off, or "".

    - the demuxer says so: an MP4 whose sample table points past the end ("partial file"),
      an MP3 whose Xing/Info header counts more bytes than there are;
    - the container promised more than decodes: a duration it knows (MP3 Xing/Info frame
      count, MP4 index, FLAC STREAMINFO, Matroska) exceeds the decoded one by 3% / 0.5 s.
      Not for PCM, whose header is checked by reading it instead (streaming recorders
      write 0 or 4 GiB as "unknown", which is accepted), nor when ffmpeg only estimated
      the duration from the bitrate;
    - a decoding error within the last 1.5 s decoded (a partial last FLAC/AMR/AAC frame);
      errors earlier on are concealed by the decoder and tolerated;
    - the last MP3 frame or Ogg page runs past the end of the file (ffmpeg is silent then).
    """
    header = result.header
    if header.codec.startswith("pcm_"):
        return (
            "the WAV header declares more audio than the file holds"
            if cut_off(src, header.container_name)
            else ""
        )
    if result.partial:
        return "the container's index or header counts more data than the file holds"
    promised = header.duration
    if promised and not header.estimated and duration < promised - max(0.5, 0.03 * promised):
        return f"{duration:.2f} s decode of {promised:.2f} s promised"
    if any(at >= duration - 1.5 for at in result.errors):
        return "decoding fails at the end"
    if cut_off(src, header.container_name):
        return "the last frame is cut off"
    return ""


def _sound_span(silences: list[list[float]], duration: float) -> tuple[float, float]:
    start, end = 0.0, duration
    for begin, finish in silences:
        if begin <= 1e-3:
            start = max(start, min(finish, duration))
        if finish >= duration - 0.02:
            end = min(end, begin)
    return start, end


def _span(result: _Pass, start: float, end: float, window: float) -> list[float]:
    """Loudness values of the `window`-long blocks lying within [start, end]."""
    lo, hi = start + window - 0.05, end + 0.05
    values = result.momentary if window < 1 else result.short_term
    return [v for t, v in zip(result.times, values, strict=True) if lo <= t <= hi]


def _power_mean(values: list[float]) -> float:
    return 10 * math.log10(sum(10 ** ((v + 0.691) / 10) for v in values) / len(values)) - 0.691


def _integrated(result: _Pass, start: float, end: float) -> tuple[float, float]:
    """BS.1770-4 gated integrated loudness of [start, end] and its relative gate."""
    blocks = [v for v in _span(result, start, end, 0.4) if v > ABSOLUTE_GATE]
    if not blocks:  # sound shorter than a block: the blocks overlapping it
        blocks = [v for v in _span(result, start - 0.4, end + 0.4, 0.4) if v > ABSOLUTE_GATE]
    if not blocks:
        return -math.inf, ABSOLUTE_GATE
    gate = _power_mean(blocks) - 10
    gated = [v for v in blocks if v > gate]
    return _power_mean(gated), gate


def _loudness_range(result: _Pass, start: float, end: float) -> float:
    """EBU Tech 3342 loudness range from the 3 s short-term values within [start, end]."""
    values = [v for v in _span(result, start, end, 3.0) if v > ABSOLUTE_GATE]
    if len(values) < 2:
        return 0.0
    gate = _power_mean(values) - 20
    kept = sorted(v for v in values if v > gate)
    if len(kept) < 2:
        return 0.0
    return kept[round(0.95 * (len(kept) - 1))] - kept[round(0.10 * (len(kept) - 1))]
