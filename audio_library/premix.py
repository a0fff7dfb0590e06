"""One MP3 per broadcast session: every item at its planned offset, silence in the gaps.

Stream copy: house files' MP3 frames are written one after the other (each file's Info
frame left out), runs of pre-encoded silent frames fill the gaps, and one Info frame with
a LAME tag heads the result. A decoder outputs 1152 samples per frame; each file's frames
hold its encoder delay (576) at the start and padding at the end besides its sound, and
decoders add 529 samples of their own delay, so item k's sound plays at
  frame_k * 1152 + delay_k - DELAY
where frame_k is its first frame's index and DELAY the delay written in the result's tag
(which gapless decoders drop with their own). Each silence run is chosen so that this
lands on the cue's offset (to half a frame, 13 ms): errors never add up. Only trailing
frames are ever dropped (a file's pure padding, or what runs past the planned end): a
frame's audio data may start in the frames before it (the bit reservoir), never after.

Back-to-back items (no gap to absorb each file's ~40 ms of delay and padding) start late
by that much, cumulatively; past MAX_LATE the session is instead re-encoded whole by one
ffmpeg run that trims or pads every item to its slot. Files not in the house format are
re-encoded alone first.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import itertools
import json
import math
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from audio_library.ffmpeg_process import AudioError, ffmpeg_exe, input_args, run
from audio_library.mp3_frames import FrameRun, copy_frames, info_frame, read_head
from audio_library.render import HouseFormat
from audio_library.store import atomic_path

VERSION = "premix-1"  # part of every mix key: a change of method renders anew
DELAY = 576  # encoder delay written in the result's LAME tag
DECODER_DELAY = 529
MAX_LATE = 0.25  # seconds an item may start late before the whole session is re-encoded
SILENCE_SECONDS = 10  # silence encoded once per house format, repeated as needed
WRITE_BUFFER = 1 << 20
HOUSE = HouseFormat()


@dataclass(frozen=True)
class Cue:
    offset: float  # seconds from the session start where this item must begin
    length: float  # its planned length, seconds
    path: Path | None  # a house MP3; None = silence of `length` (a live relay)


@dataclass(frozen=True)
class Mix:
    path: Path
    seconds: float  # planned length, which the file decodes to
    copied: int  # files whose frames were copied as they are
    reencoded: int  # files that had to be re-encoded (all of them when the session was)


@dataclass(frozen=True)
class _Source:
    path: Path
    audio_start: int  # byte offset of its first audio frame
    frames: int
    delay: int
    sound: int  # samples of sound between delay and padding


@dataclass(frozen=True)
class _Place:
    source: _Source
    frame: int  # index of its first frame in the result (the Info frame not counted)
    keep: int  # frames copied
    late: float  # seconds its sound starts after its cue's offset


def mix_key(cues: Sequence[Cue], house: HouseFormat) -> str:
    """sha256 of the house format and the item list (store file names, offsets, lengths)."""
    items = [
        (c.path.name if c.path else "silence", round(c.offset * 1e3), round(c.length * 1e3))
        for c in sorted(cues, key=lambda cue: cue.offset)
    ]
    text = json.dumps([VERSION, dataclasses.asdict(house), items], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def premix(cues: Sequence[Cue], dst: Path, house: HouseFormat = HOUSE) -> Mix:
    """Write the session's MP3 to dst, atomically (dst's folder must exist).

    Raises AudioError (with the file's path) for a missing, empty or undecodable cue file,
    ValueError for overlapping cues or a house format that is not MP3.
    """
    cues = _checked(cues, house)
    rate = house.sample_rate
    total = round(max(cue.offset + cue.length for cue in cues) * rate)
    dst = Path(dst)
    with tempfile.TemporaryDirectory(dir=dst.parent, prefix=".premix-") as work:
        sources, reencoded = _sources(cues, Path(work), house)
        silence = _silence(ffmpeg_exe(), house)
        places = _plan(cues, sources, total, rate, silence.header.samples)
        whole = max((place.late for place in places), default=0.0) > MAX_LATE
        with atomic_path(dst) as tmp:
            if whole:
                _render_whole(cues, total, tmp, house)
            else:
                _write(places, total, tmp, silence)
    if whole:
        return Mix(dst, total / rate, 0, len(places))
    return Mix(dst, total / rate, len(places) - reencoded, reencoded)


def _checked(cues: Sequence[Cue], house: HouseFormat) -> list[Cue]:
    if house.codec != "libmp3lame":
        raise ValueError("pre-mixing needs an MP3 house format")
    ordered = sorted(cues, key=lambda cue: cue.offset)
    if not ordered or ordered[0].offset < 0 or any(cue.length < 0 for cue in ordered):
        raise ValueError("a session needs cues at offsets and lengths of 0 or more")
    for before, after in itertools.pairwise(ordered):
        if before.offset + before.length > after.offset + 1e-3:
            raise ValueError(f"cues overlap at {after.offset:.3f} s")
    return ordered


def _sources(
    cues: Sequence[Cue], work: Path, house: HouseFormat
) -> tuple[list[_Source | None], int]:
    """Each cue's frames (None for silence); files not in the house format re-encoded."""
    sources: list[_Source | None] = []
    reencoded = 0
    for k, cue in enumerate(cues):
        if cue.path is None:
            sources.append(None)
            continue
        source = _house_source(Path(cue.path), house)
        if source is None:
            source = _house_source(_reencode(Path(cue.path), work / f"{k}.mp3", house), house)
            reencoded += 1
        assert source is not None  # the house encoder's own output
        sources.append(source)
    return sources, reencoded


def _house_source(path: Path, house: HouseFormat) -> _Source | None:
    """The file as frames to copy, or None if it is not a house MP3 with a LAME tag."""
    if not path.is_file():
        raise AudioError("not_audio", path=str(path), detail="no such file")
    if path.stat().st_size == 0:
        raise AudioError("empty", path=str(path))
    head = read_head(path)
    if head is None or head.info is None:
        return None
    header, info = head.header, head.info
    stream = (header.sample_rate, header.channels, header.bitrate)
    if stream != (house.sample_rate, house.channels, _bits(house.bitrate)):
        return None
    if not info.cbr or info.frames is None or info.delay is None or info.padding is None:
        return None
    sound = info.frames * header.samples - info.delay - info.padding
    if head.first_main_data_begin != 0 or sound <= 0:
        return None
    return _Source(path, head.audio_start, info.frames, info.delay, sound)


def _bits(bitrate: str) -> int:
    return round(float(bitrate.lower().removesuffix("k")) * 1000)


def _reencode(src: Path, dst: Path, house: HouseFormat) -> Path:
    args = [*input_args(src), "-map", "0:a:0", "-vn", "-sn", "-dn", "-map_metadata", "-1"]
    try:
        run([*args, *_encoder(house), "-y", f"file:{dst}"], "premix re-encode")
    except AudioError as error:
        raise AudioError("not_audio", path=str(src), detail=error.details.get("detail")) from None
    return dst


def _encoder(house: HouseFormat, xing: bool = True) -> list[str]:
    return [
        *("-c:a", house.codec, "-b:a", house.bitrate),
        *("-ar", str(house.sample_rate), "-ac", str(house.channels)),
        *("-id3v2_version", "0", "-write_xing", "1" if xing else "0", "-f", "mp3"),
    ]


def _plan(
    cues: Sequence[Cue], sources: Sequence[_Source | None], total: int, rate: int, spf: int
) -> list[_Place]:
    """Where each file's frames go: on its offset, or right after the one before."""
    end = math.ceil((total + DELAY + DECODER_DELAY) / spf)  # the result's frame count
    places: list[_Place] = []
    current = 0
    for cue, source in zip(cues, sources, strict=True):
        if source is None:
            continue
        start = round(cue.offset * rate)
        frame = max(current, round((start - source.delay + DELAY) / spf))
        needed = math.ceil((source.delay + DECODER_DELAY + source.sound) / spf)
        keep = max(0, min(source.frames, needed, end - frame))
        late = (frame * spf + source.delay - DELAY - start) / rate
        places.append(_Place(source, frame, keep, late))
        current = frame + keep
    return places


@functools.lru_cache(maxsize=8)
def _silence(exe: str, house: HouseFormat) -> FrameRun:
    """Digital silence in the house format, encoded once per process (`exe` keys the cache).

    No Info frame (-write_xing 0): the first frame is audio and, being first, self-contained.
    """
    layout = "mono" if house.channels == 1 else "stereo"
    source = ["-f", "lavfi", "-i", f"anullsrc=r={house.sample_rate}:cl={layout}"]
    with tempfile.TemporaryDirectory(prefix="loaxa-silence-") as folder:
        path = Path(folder) / "silence.mp3"
        encode = [*source, "-t", str(SILENCE_SECONDS), *_encoder(house, xing=False)]
        run([*encode, str(path)], "premix silence")
        return FrameRun.read(path)


def _write(places: Sequence[_Place], total: int, dst: Path, silence: FrameRun) -> None:
    """The frames of `places`, silence between them and up to the end, under an Info frame."""
    spf = silence.header.samples
    count = math.ceil((total + DELAY + DECODER_DELAY) / spf)
    head = info_frame(silence.header, count, 0, 0, 0)
    size = len(head)
    with dst.open("wb", buffering=WRITE_BUFFER) as out:
        out.write(head)
        current = 0
        for place in places:
            size += silence.write(out, place.frame - current)
            with place.source.path.open("rb") as f:
                f.seek(place.source.audio_start)
                size += copy_frames(f, out, place.keep, silence.header, str(place.source.path))
            current = place.frame + place.keep
        size += silence.write(out, count - current)
        out.seek(0)
        out.write(info_frame(silence.header, count, size, DELAY, count * spf - DELAY - total))


def _render_whole(cues: Sequence[Cue], total: int, dst: Path, house: HouseFormat) -> None:
    """The session by one ffmpeg encode: silence, then each item trimmed or padded to its slot
    (up to the next cue's offset), joined by the concat filter (streaming)."""
    rate = house.sample_rate
    layout = "mono" if house.channels == 1 else "stereo"
    form = f"aresample={rate},aformat=sample_fmts=fltp:channel_layouts={layout},asetpts=N/SR/TB"
    bounds = [round(cue.offset * rate) for cue in cues] + [total]
    # the lead-in, then each cue up to the next one's offset: (file or None = silence, samples)
    slots: list[tuple[Path | None, int]] = [(None, bounds[0])]
    slots += [(cue.path, bounds[k + 1] - bounds[k]) for k, cue in enumerate(cues)]
    inputs: list[Path] = []
    graph: list[str] = []
    for path, length in slots:
        if length > 0:
            source = f"anullsrc=r={rate}:cl={layout}," if path is None else f"[{len(inputs)}:a:0]"
            inputs += [path] if path else []
            fit = f"atrim=end_sample={length},apad=whole_len={length}"
            graph.append(f"{source}{form},{fit}[p{len(graph)}]")
    labels = "".join(f"[p{k}]" for k in range(len(graph)))
    graph.append(f"{labels}concat=n={len(graph)}:v=0:a=1[out]")
    args = [arg for path in inputs for arg in input_args(path)]
    args += ["-filter_complex", ";".join(graph), "-map", "[out]", "-map_metadata", "-1"]
    run([*args, *_encoder(house), "-y", f"file:{dst}"], "premix whole session")


class MixCache:
    """Mixes under root/<key[:2]>/<key>.mp3; a file's mtime says when it was last asked for."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.mp3"

    def get(self, cues: Sequence[Cue], house: HouseFormat) -> Mix:
        """The session's mix, rendered if missing (two processes racing both write a temporary
        file and rename it into place: readers see one whole mix or the other)."""
        target = self.path(mix_key(cues, house))
        with contextlib.suppress(FileNotFoundError):  # else (never made, or pruned) render it
            os.utime(target)  # marks it used, for prune
            total = round(max(cue.offset + cue.length for cue in cues) * house.sample_rate)
            return Mix(target, total / house.sample_rate, 0, 0)
        target.parent.mkdir(parents=True, exist_ok=True)
        return premix(cues, target, house)

    def prune(self, unused_for: timedelta, now: datetime | None = None) -> int:
        """Delete the mixes not asked for in `unused_for`; how many were deleted."""
        limit = (now or datetime.now(UTC)).timestamp() - unused_for.total_seconds()
        deleted = 0
        for path in self.root.glob("*/*.mp3"):
            with contextlib.suppress(FileNotFoundError):
                if path.stat().st_mtime < limit:
                    path.unlink()
                    deleted += 1
        return deleted
