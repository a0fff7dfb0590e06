"""audio_library.premix: one MP3 per session, every item at its offset, silence between.

Items are tones of distinct frequencies, so where each one plays is read back from the
decoded mix (Debian's ffmpeg, honouring the LAME tag's delay and padding) by counting zero
crossings; lengths by full decodes and by Debian's ffprobe header.
"""

from __future__ import annotations

import itertools
import os
import subprocess
from array import array
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from audio_library.ffmpeg import AudioError, HouseFormat, analyse, render_house
from audio_library.mp3_frames import InfoTag, info_frame, iter_frames, read_head, read_info
from audio_library.premix import Cue, MixCache, mix_key, premix
from audio_library.store import AudioStore
from tests import audio_fixtures as fx

pytestmark = pytest.mark.skipif(
    not (fx.FFMPEG and fx.FFPROBE), reason="needs Debian's ffmpeg and ffprobe"
)
RATE = 44100
HOUSE = HouseFormat()
HOUSE_OPTIONS = ("-c:a", "libmp3lame", "-b:a", "128k", "-ar", "44100", "-ac", "1")
NO_TAGS = ("-id3v2_version", "0", "-write_xing", "1")


def house_tone(dst: Path, frequency: float, seconds: float, *options: str) -> Path:
    """A tone encoded straight to the house format (or to `options` instead)."""
    source = f"sine=f={frequency}:r={RATE}:d={seconds}"
    fx.ffmpeg("-f", "lavfi", "-i", source, *(options or (*HOUSE_OPTIONS, *NO_TAGS)), str(dst))
    return dst


def pcm(path: Path) -> array[int]:
    """The whole decoded mix, mono s16 at 44.1 kHz."""
    cmd = [fx.FFMPEG, "-v", "error", "-i", str(path), "-f", "s16le", "-ac", "1", "-ar", "44100"]
    samples = array("h")
    samples.frombytes(subprocess.run([*cmd, "-"], check=True, capture_output=True).stdout)
    return samples


def frequency(samples: array[int], start: float, end: float) -> float:
    window = samples[round(start * RATE) : round(end * RATE)]
    crossings = sum(1 for a, b in itertools.pairwise(window) if (a < 0) != (b < 0))
    return crossings / 2 / (end - start)


def peak(samples: array[int], start: float, end: float) -> int:
    return max((abs(x) for x in samples[round(start * RATE) : round(end * RATE)]), default=0)


def sound_span(samples: array[int], start: float, end: float) -> tuple[float, float] | None:
    """Where the sound is above -30 dBFS in [start, end): its first and last such sample."""
    first, last = max(0, round(start * RATE)), min(len(samples), round(end * RATE))
    loud = [k for k in range(first, last) if abs(samples[k]) > 1000]
    return (loud[0] / RATE, loud[-1] / RATE) if loud else None


def decode_errors(path: Path) -> str:
    cmd = [fx.FFMPEG, "-hide_banner", "-v", "error", "-i", str(path), "-f", "null", "-"]
    return subprocess.run(cmd, capture_output=True, text=True, check=True).stderr


def assert_plays_as_planned(path: Path, cues: list[Cue], tones: dict[Path, float]) -> None:
    """Right length (decoded and in the header), clean decode, each tone in its place."""
    planned = max(cue.offset + cue.length for cue in cues)
    assert fx.decoded_duration(path) == pytest.approx(planned, abs=0.1)
    info = fx.probe(path)
    assert (info["format"], info["codec"], info["channels"]) == ("mp3", "mp3", 1)
    assert (info["sample_rate"], info["bit_rate"]) == (44100, 128000)
    assert info["duration"] == pytest.approx(planned, abs=0.1)
    assert decode_errors(path) == ""
    samples = pcm(path)
    for cue in cues:
        inside = (cue.offset + 0.1, cue.offset + cue.length - 0.1)
        if cue.path is None:
            assert peak(samples, *inside) < 30, cue
        else:
            assert frequency(samples, *inside) == pytest.approx(tones[cue.path], rel=0.03), cue


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("premix")


@pytest.fixture(scope="module")
def store(folder: Path) -> AudioStore:
    return AudioStore(folder / "store")


@pytest.fixture(scope="module")
def tones(folder: Path, store: AudioStore) -> dict[Path, float]:
    """Four house files made by the upload pipeline (analyse + render_house), in a store."""
    made = {}
    for k, (hz, seconds) in enumerate(((330, 3.2), (550, 4.1), (770, 2.6), (1210, 3.7))):
        wav = fx.tone(folder / f"tone{k}.wav", seconds, hz, volume=0.3)
        rendered = folder / f"tone{k}.mp3"
        render_house(wav, rendered, analyse(wav))
        made[store.path(store.put(rendered, "mp3"), "mp3")] = float(hz)
    return made


def session(tones: dict[Path, float], gap: float = 2.0) -> list[Cue]:
    """The four tones `gap` apart, a 4 s relay after the second, and a 3 s relay at the end."""
    first, second, third, fourth = tones
    items = [(first, 0.0), (second, 0.0), (None, 4.0), (third, 0.0), (fourth, 0.0), (None, 3.0)]
    cues, at = [], 0.0
    for path, length in items:
        cues.append(Cue(at, fx.decoded_duration(path) if path else length, path))
        at += cues[-1].length + gap
    return cues


def test_a_session_with_gaps_is_stream_copied_and_plays_as_planned(
    tones: dict[Path, float], folder: Path
) -> None:
    cues = session(tones)
    mix = premix(cues, folder / "session.mp3")
    assert (mix.copied, mix.reencoded) == (4, 0)
    assert mix.seconds == pytest.approx(cues[-1].offset + cues[-1].length, abs=1e-4)
    assert_plays_as_planned(mix.path, cues, tones)
    assert not list(folder.glob(".*"))  # no temporary files left behind


def test_each_item_starts_and_ends_in_its_place(tones: dict[Path, float], folder: Path) -> None:
    cues = session(tones)
    samples = pcm(premix(cues, folder / "places.mp3").path)
    for cue in cues:
        if cue.path is not None:
            own = sound_span(pcm(cue.path), 0.0, cue.length)
            assert own is not None
            heard = sound_span(samples, cue.offset - 1.0, cue.offset + cue.length + 1.0)
            assert heard is not None
            start, end = (heard[0] - own[0] - cue.offset, heard[1] - own[1] - cue.offset)
            # frames are 1152 samples: an item lands within half a frame (13 ms), and whole
            assert abs(start) < 0.0135 and end == pytest.approx(start, abs=0.001), cue
    for cue, after in itertools.pairwise(cues):  # the gaps, and around the relays
        assert peak(samples, cue.offset + cue.length + 0.05, after.offset - 0.05) < 30, cue


def test_only_the_first_frame_is_an_info_frame(tones: dict[Path, float], folder: Path) -> None:
    """Each file's own Info frame is left out (a player without gapless support would play
    it as a glitch); the mix's Info frame counts its frames and bytes, and its delay and
    padding leave exactly the planned samples."""
    cues = session(tones)
    path = premix(cues, folder / "frames.mp3").path
    with path.open("rb") as f:
        (header, first), *frames = iter_frames(f)
    info = read_info(first, header)
    assert info is not None and info.frames is not None and info.padding is not None
    assert (info.cbr, info.frames, info.size) == (True, len(frames), path.stat().st_size)
    assert not [k for k, (h, frame) in enumerate(frames) if read_info(frame, h)]
    assert {h.stream for h, _ in frames} == {(1, 128000, 44100, 1)}
    planned = round((cues[-1].offset + cues[-1].length) * RATE)
    assert info.frames * 1152 - (info.delay or 0) - info.padding == planned


def test_files_not_in_the_house_format_are_reencoded(
    tones: dict[Path, float], folder: Path
) -> None:
    wide = house_tone(folder / "wide.mp3", 2000, 2.5, "-ar", "48000", "-ac", "2", "-b:a", "192k")
    thin = house_tone(folder / "thin.mp3", 150, 3.0, "-ar", "44100", "-ac", "1", "-b:a", "64k")
    wav = fx.tone(folder / "plain.wav", 2.0, 2600, volume=0.3)
    first = next(iter(tones))
    files = [first, wide, thin, wav]
    cues, at = [], 1.5
    for path in files:
        cues.append(Cue(at, fx.decoded_duration(path), path))
        at += cues[-1].length + 2.0
    mix = premix(cues, folder / "mixed-formats.mp3")
    assert (mix.copied, mix.reencoded) == (1, 3)
    known = {first: tones[first], wide: 2000.0, thin: 150.0, wav: 2600.0}
    assert_plays_as_planned(mix.path, [Cue(0.0, 1.5, None), *cues], known)


def test_back_to_back_files_still_play_in_order(tones: dict[Path, float], folder: Path) -> None:
    files = list(tones)[:2]
    cues = [Cue(0.0, fx.decoded_duration(files[0]), files[0])]
    cues.append(Cue(cues[0].length, fx.decoded_duration(files[1]), files[1]))
    mix = premix(cues, folder / "two.mp3")
    assert (mix.copied, mix.reencoded) == (2, 0)  # ~40 ms late at most: still a copy
    assert_plays_as_planned(mix.path, cues, tones)


def test_many_back_to_back_files_fall_back_to_one_encode(folder: Path) -> None:
    tones, cues, at = {}, [], 0.0
    for k in range(12):
        path = house_tone(folder / f"short{k}.mp3", 300 + 150 * k, 1.5)
        tones[path] = 300.0 + 150 * k
        cues.append(Cue(at, fx.decoded_duration(path), path))
        at += cues[-1].length
    mix = premix(cues, folder / "back-to-back.mp3")
    # each file's delay and padding (~40 ms) would add up to over 0.25 s
    assert (mix.copied, mix.reencoded) == (0, 12)
    assert_plays_as_planned(mix.path, cues, tones)


def test_another_house_format_is_copied_in_its_own_frames(folder: Path) -> None:
    house = HouseFormat(bitrate="96k", sample_rate=48000)
    options = ("-c:a", "libmp3lame", "-b:a", "96k", "-ar", "48000", "-ac", "1", *NO_TAGS)
    files = [
        house_tone(folder / f"at48k{k}.mp3", hz, 2.0, *options) for k, hz in enumerate((440, 990))
    ]
    cues = [Cue(0.5, 2.0, files[0]), Cue(4.0, 2.0, files[1])]
    mix = premix(cues, folder / "at48k.mp3", house)
    assert (mix.copied, mix.reencoded) == (2, 0)
    info = fx.probe(mix.path)
    assert (info["sample_rate"], info["bit_rate"]) == (48000, 96000)
    assert fx.decoded_duration(mix.path) == pytest.approx(6.0, abs=0.1)


def test_the_cache_renders_once_and_keys_by_content(tones: dict[Path, float], folder: Path) -> None:
    cache = MixCache(folder / "cache")
    cues = session(tones)
    first = cache.get(cues, HOUSE)
    assert first.path == cache.path(mix_key(cues, HOUSE))
    assert first.path.parent.name == first.path.stem[:2]
    inode = first.path.stat().st_ino
    again = cache.get(cues, HOUSE)
    assert again.path == first.path and again.path.stat().st_ino == inode
    assert (again.copied, again.reencoded) == (0, 0)  # nothing rendered
    assert again.seconds == first.seconds

    moved = [Cue(cue.offset + 1.0, cue.length, cue.path) for cue in cues]
    assert mix_key(moved, HOUSE) != mix_key(cues, HOUSE)
    assert mix_key(cues, HouseFormat(bitrate="96k")) != mix_key(cues, HOUSE)
    # the key names store files, not where the store is
    elsewhere = folder / "copy" / "of"
    elsewhere.mkdir(parents=True)
    copies = [Cue(c.offset, c.length, c.path and elsewhere / c.path.name) for c in cues]
    assert mix_key(copies, HOUSE) == mix_key(cues, HOUSE)


def test_prune_deletes_only_mixes_unused_for_long(tones: dict[Path, float], folder: Path) -> None:
    cache = MixCache(folder / "pruned")
    cues = session(tones)
    old = cache.get(cues, HOUSE).path
    new = cache.get(cues[:2], HOUSE).path
    week_ago = (datetime.now(UTC) - timedelta(days=7)).timestamp()
    os.utime(old, (week_ago, week_ago))
    os.utime(new, (week_ago, week_ago))
    cache.get(cues[:2], HOUSE)  # asked for again: used now
    assert cache.prune(timedelta(days=3)) == 1
    assert not old.exists() and new.exists()
    assert cache.prune(timedelta(days=3), now=datetime.now(UTC) + timedelta(days=4)) == 1
    assert not new.exists()


def test_two_renders_racing_leave_one_whole_mix(tones: dict[Path, float], folder: Path) -> None:
    cache = MixCache(folder / "race")
    cues = session(tones)
    with ThreadPoolExecutor(2) as pool:
        mixes = list(pool.map(lambda _: cache.get(cues, HOUSE), range(2)))
    assert mixes[0].path == mixes[1].path
    assert_plays_as_planned(mixes[0].path, cues, tones)
    assert [p.name for p in mixes[0].path.parent.iterdir()] == [mixes[0].path.name]


def broken(folder: Path, tones: dict[Path, float], how: str) -> Path:
    path = folder / f"broken-{how}.mp3"
    data = next(iter(tones)).read_bytes()
    content = {
        "empty": b"",
        "garbage": b"not audio at all\n" * 300,
        "cut": data[: len(data) // 2 + 100],
    }
    if how != "missing":
        path.write_bytes(content[how])
    return path


@pytest.mark.parametrize(
    ("how", "kind"),
    [("missing", "not_audio"), ("empty", "empty"), ("garbage", "not_audio"), ("cut", "truncated")],
)
def test_a_missing_or_broken_file_is_a_clear_error(
    tones: dict[Path, float], folder: Path, how: str, kind: str
) -> None:
    bad = broken(folder, tones, how)
    cues = [Cue(0.0, 2.0, next(iter(tones))), Cue(6.0, 3.0, bad)]
    dst = folder / f"never-{how}.mp3"
    with pytest.raises(AudioError) as caught:
        premix(cues, dst)
    assert caught.value.kind == kind
    assert str(bad) in str(caught.value)
    assert not dst.exists()


def test_frames_and_tags_of_a_house_file_are_read(tones: dict[Path, float]) -> None:
    path = next(iter(tones))
    head = read_head(path)
    assert head is not None and head.info is not None
    header, info = head.header, head.info
    assert (header.version, header.bitrate, header.sample_rate, header.channels) == (
        1,
        128000,
        44100,
        1,
    )
    assert header.samples == 1152 and header.length == 417
    assert info.cbr and info.size == path.stat().st_size and info.delay == 576
    assert info.frames is not None and info.padding is not None
    sound = info.frames * header.samples - info.delay - info.padding
    assert sound / RATE == pytest.approx(fx.decoded_duration(path), abs=1e-4)
    with path.open("rb") as f:
        f.seek(head.audio_start)
        frames = list(iter_frames(f))
    assert len(frames) == info.frames
    assert {len(frame) for _, frame in frames} <= {417, 418}
    made = info_frame(header, 1000, 418_000, 576, 1234)
    assert len(made) == 417
    assert read_info(made, header) == InfoTag(True, 1000, 418_000, 576, 1234)
