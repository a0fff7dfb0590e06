"""Sample-level views of audio read as 8 kHz mono PCM, chunk by chunk: waveform and fingerprint.

Neither keeps the PCM: each 64 KiB chunk is reduced to a few numbers and dropped.
"""

from __future__ import annotations

import base64
import math
import sys
from array import array
from collections.abc import Iterator
from operator import mul
from pathlib import Path

from audio_library.ffmpeg_process import pcm_chunks

RATE = 8000
FULL_SCALE = 32768.0


def _samples(path: Path) -> Iterator[array[int]]:
    with pcm_chunks(Path(path), RATE) as chunks:
        for chunk in chunks:
            samples = array("h", chunk)
            if sys.byteorder == "big":
                samples.byteswap()
            yield samples


def waveform_peaks(path: Path, points: int = 400) -> list[float]:
    """Peak amplitude (0..1) in each of `points` equal time slices of the audio.

    The peaks are first gathered per bin of `width` samples; whenever there are 16 × points
    bins, neighbours are merged and the width doubles, so memory stays bounded whatever the
    length. Each slice then takes the highest peak of the bins overlapping it.
    """
    if points < 1:
        raise ValueError("points must be positive")
    bins: list[int] = []
    width, filled, current, total = 1, 0, 0, 0
    for samples in _samples(path):
        total += len(samples)
        at = 0
        while at < len(samples):
            take = min(width - filled, len(samples) - at)
            part = samples[at : at + take]
            current = max(current, max(part), -min(part))
            filled += take
            at += take
            if filled == width:
                bins.append(current)
                filled, current = 0, 0
                if len(bins) >= 16 * points:
                    bins = [max(bins[k], bins[k + 1]) for k in range(0, len(bins) - 1, 2)]
                    width *= 2
    if filled:
        bins.append(current)
    peaks = [0.0] * points
    for index, peak in enumerate(bins):
        first = index * width * points // total
        end = min(total, (index + 1) * width)
        last = min(points - 1, (end * points + total - 1) // total - 1)
        for slot in range(first, last + 1):
            peaks[slot] = max(peaks[slot], min(1.0, peak / FULL_SCALE))
    return peaks


# Fingerprint: per 100 ms frame from the first sound on, the energy of the whole band and of
# the part above 1 kHz (so equal envelopes of different timbre, e.g. two tones, differ).
FRAME = RATE // 10
ONSET = 10 ** (-45 / 20) * FULL_SCALE  # the first sample above -45 dBFS starts the print
FLOOR_DB = -100.0
VERSION = "e2:"
TAIL_DB = 45.0  # frames this far below the loudest frame end a print (trailing silence)
ACTIVE_DB = 30.0  # frames compared: those within this of the loudest
LEVEL_TOLERANCE = 4.0  # dB a frame's level may deviate (after removing the gain difference)
TILT_TOLERANCE = 6.0  # dB its share above 1 kHz may deviate (no gain removed: timbre)
MAX_LAG = 5  # frames tried either side (±0.5 s)
SAME = 0.85  # share of compared windows that must agree


def _bands(path: Path) -> Iterator[array[int]]:
    """Interleaved 8 kHz s16 pairs: (whole signal, the signal high-passed at 1 kHz)."""
    split = "asplit[a][b];[b]highpass=f=1000,highpass=f=1000[h];[a][h]join=inputs=2"
    with pcm_chunks(Path(path), RATE, split=split, channels=2) as chunks:
        for chunk in chunks:
            samples = array("h", chunk)
            if sys.byteorder == "big":
                samples.byteswap()
            yield samples


def _db_byte(energy: int) -> int:
    db = 10 * math.log10(energy / FRAME / FULL_SCALE**2 + 1e-12)
    return max(0, min(255, round((db - FLOOR_DB) * 2)))


def fingerprint(path: Path) -> str:
    """A compact content fingerprint: energy envelopes of 100 ms frames at 8 kHz mono.

    Frames start at the first sample above -45 dBFS, so leading silence and codec delays
    don't shift them. Per frame, two bytes: the energy of the whole band and of the band
    above 1 kHz, in dB at 0.5 dB steps; base64, ~27 characters per second of audio.
    """
    levels = bytearray()
    started = False
    whole = high = filled = 0
    for pairs in _bands(path):
        at = 0
        if not started:
            onset = next((k for k in range(0, len(pairs), 2) if abs(pairs[k]) > ONSET), None)
            if onset is None:
                continue
            started, at = True, onset
        while at < len(pairs):
            take = min(2 * (FRAME - filled), len(pairs) - at)
            part = pairs[at : at + take]
            a, b = part[0::2], part[1::2]
            whole += sum(map(mul, a, a))
            high += sum(map(mul, b, b))
            filled += take // 2
            at += take
            if filled == FRAME:
                levels += bytes((_db_byte(whole), _db_byte(high)))
                whole = high = filled = 0
    return VERSION + base64.b64encode(bytes(levels)).decode("ascii")


def _frames(print_: str) -> tuple[list[float], list[float]]:
    """(whole-band dB, above-1-kHz dB) per frame, trailing quiet frames dropped."""
    if not print_.startswith(VERSION):
        raise ValueError("not a fingerprint of this version")
    raw = base64.b64decode(print_[len(VERSION) :])
    whole = [b / 2 + FLOOR_DB for b in raw[0::2]]
    high = [b / 2 + FLOOR_DB for b in raw[1::2]]
    if whole:
        floor = max(whole) - TAIL_DB
        while whole and whole[-1] < floor:
            whole.pop()
        del high[len(whole) :]
    return whole, high


def _windows(whole: list[float], high: list[float]) -> tuple[list[float], list[float]]:
    """(level dB, share above 1 kHz in dB) over 200 ms windows with a 100 ms hop.

    A window barely moves when the prints are offset by a fraction of a frame.
    """
    power = [10 ** (v / 10) for v in whole]
    power_high = [10 ** (v / 10) for v in high]
    level, share = [], []
    for k in range(max(1, len(whole) - 1)):
        both = sum(power[k : k + 2]) / 2
        level.append(10 * math.log10(both))
        share.append(10 * math.log10(sum(power_high[k : k + 2]) / 2) - level[-1])
    return level, share


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[len(ordered) // 2]


def similarity(a: str, b: str) -> float:
    """Share (0..1) of sounding windows that agree, at the best alignment of the two prints.

    Compared over 200 ms windows: a window agrees when its level is within LEVEL_TOLERANCE
    of the other print's after removing the median difference (a gain change), and its
    high-band share within TILT_TOLERANCE. Lags of up to ±MAX_LAG frames are tried; windows
    where both prints are more than ACTIVE_DB below the loudest don't count. The share is
    scaled by the overlap; prints whose sounding lengths differ by more than a frame score 0.
    """
    x, y = _frames(a), _frames(b)
    if not x[0] or not y[0]:
        return 0.0  # nothing above -45 dBFS: nothing to recognise
    if abs(len(x[0]) - len(y[0])) > 1:
        return 0.0
    (xw, xt), (yw, yt) = _windows(*x), _windows(*y)
    loud = max(max(xw), max(yw)) - ACTIVE_DB
    best = 0.0
    for lag in range(-MAX_LAG, MAX_LAG + 1):
        pairs = [k for k in range(len(xw)) if 0 <= k + lag < len(yw)]
        active = [k for k in pairs if max(xw[k], yw[k + lag]) > loud]
        if not active:
            continue
        level = [yw[k + lag] - xw[k] for k in active]
        gain = _median(level)
        agree = sum(
            1
            for k, dl in zip(active, level, strict=True)
            if abs(dl - gain) <= LEVEL_TOLERANCE and abs(yt[k + lag] - xt[k]) <= TILT_TOLERANCE
        )
        best = max(best, agree / len(active) * len(pairs) / max(len(xw), len(yw)))
    return best


def same_audio(a: str, b: str) -> bool:
    """Whether two fingerprints are of the same audio (codec, bitrate and level aside)."""
    return similarity(a, b) >= SAME
