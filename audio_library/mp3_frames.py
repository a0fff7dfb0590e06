"""MPEG-1/2 Layer III frames, as far as the pre-mixer needs them.

Frame headers (length, samples, rate, channels, bitrate), the Xing/Info + LAME tag of a
file's first frame (frame count, encoder delay and end padding), the first audio frame's
main_data_begin (a frame that points back into the bit reservoir cannot start a copy), an
iterator over a file's frames that reads it in chunks, and a CBR Info frame for a new file.
"""

from __future__ import annotations

import functools
import itertools
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from audio_library.ffmpeg_process import AudioError

CHUNK = 1 << 16
_BITRATES = {  # kbit/s by bitrate index, Layer III
    1: (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    2: (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
_RATES = (44100, 48000, 32000)
_VERSIONS = {3: 1, 2: 2, 0: 25}  # header bits → MPEG-1, MPEG-2, MPEG-2.5
_RATE_DIVISORS = {1: 1, 2: 2, 25: 4}
_LAME_NAMES = (b"LAME", b"Lavf", b"Lavc")  # encoders whose tag carries delay and padding
TOC_FLAGS = 0x0F  # frames, bytes, TOC and quality present


@dataclass(frozen=True)
class FrameHeader:
    version: int  # 1, 2 or 25 (MPEG-2.5)
    bitrate: int  # bit/s
    sample_rate: int
    channels: int
    length: int  # bytes, header included
    crc: bool  # two bytes of CRC follow the header

    @property
    def samples(self) -> int:
        """Samples per channel one frame decodes to."""
        return 1152 if self.version == 1 else 576

    @property
    def side_info(self) -> int:
        """Bytes of side information (where a Xing tag starts, after the 4-byte header)."""
        if self.version == 1:
            return 17 if self.channels == 1 else 32
        return 9 if self.channels == 1 else 17

    @property
    def stream(self) -> tuple[int, int, int, int]:
        """What must stay the same from frame to frame for a plain copy."""
        return self.version, self.bitrate, self.sample_rate, self.channels


@functools.lru_cache(maxsize=256)
def decode_header(word: int) -> FrameHeader | None:
    """The Layer III frame header in a big-endian 32-bit word, or None."""
    if word >> 21 != 0x7FF or (word >> 17) & 3 != 1:
        return None
    version = _VERSIONS.get((word >> 19) & 3)
    index, rate_index = (word >> 12) & 15, (word >> 10) & 3
    if version is None or index in (0, 15) or rate_index == 3:
        return None
    bitrate = _BITRATES[min(version, 2)][index] * 1000
    rate = _RATES[rate_index] // _RATE_DIVISORS[version]
    factor = 144 if version == 1 else 72
    length = factor * bitrate // rate + ((word >> 9) & 1)
    channels = 1 if (word >> 6) & 3 == 3 else 2
    return FrameHeader(version, bitrate, rate, channels, length, crc=not (word >> 16) & 1)


def header_at(data: bytes, at: int = 0) -> FrameHeader | None:
    if len(data) < at + 4:
        return None
    return decode_header(struct.unpack_from(">I", data, at)[0])


def main_data_begin(frame: bytes, header: FrameHeader) -> int:
    """How many bytes back, before this frame, its audio data starts (0: self-contained)."""
    at = 4 + (2 if header.crc else 0)
    if header.version == 1:
        return (frame[at] << 1) | (frame[at + 1] >> 7)
    return frame[at]


@dataclass(frozen=True)
class InfoTag:
    cbr: bool  # "Info" (constant bitrate) rather than "Xing"
    frames: int | None  # audio frames after the tag's own frame
    size: int | None  # bytes of the whole file
    delay: int | None  # encoder delay, samples (LAME tag only)
    padding: int | None  # end padding, samples (LAME tag only)


def read_info(frame: bytes, header: FrameHeader) -> InfoTag | None:
    """The Xing/Info tag (and the LAME tag after it) of a file's first frame, if it has one."""
    at = 4 + header.side_info
    name = frame[at : at + 4]
    if name not in (b"Xing", b"Info") or len(frame) < at + 8:
        return None
    flags = struct.unpack_from(">I", frame, at + 4)[0]
    at += 8
    fields: dict[int, int] = {}
    for flag in (1, 2):
        if flags & flag:
            fields[flag] = struct.unpack_from(">I", frame, at)[0]
            at += 4
    at += (100 if flags & 4 else 0) + (4 if flags & 8 else 0)
    delay = padding = None
    if frame[at : at + 4] in _LAME_NAMES and len(frame) >= at + 24:
        packed = int.from_bytes(frame[at + 21 : at + 24], "big")
        delay, padding = packed >> 12, packed & 0xFFF
    return InfoTag(name == b"Info", fields.get(1), fields.get(2), delay, padding)


@dataclass(frozen=True)
class Mp3Head:
    """The start of an MP3 file: its first frame's header, its tag, where the audio begins."""

    header: FrameHeader
    info: InfoTag | None
    audio_start: int  # byte offset of the first audio frame
    first_main_data_begin: int  # of that frame


def read_head(path: Path) -> Mp3Head | None:
    """The head of an MP3 file (after its ID3v2 tag, if any), or None if no frame starts it."""
    with path.open("rb") as f:
        tag = f.read(10)
        skip = 0
        if len(tag) == 10 and tag[:3] == b"ID3":  # size: 4 bytes of 7 bits, +10 with a footer
            skip = 10 + sum(byte << (7 * (3 - k)) for k, byte in enumerate(tag[6:10]))
            skip += 10 if tag[5] & 0x10 else 0
        f.seek(skip)
        data = f.read(4 * 1441)  # 1441: the longest Layer III frame
    header = header_at(data)
    if header is None:
        return None
    info = read_info(data[: header.length], header)
    start = header.length if info else 0
    first = header_at(data, start)
    if first is None or len(data) < start + first.length:
        return None
    return Mp3Head(header, info, skip + start, main_data_begin(data[start:], first))


def iter_frames(f: BinaryIO, name: str = "") -> Iterator[tuple[FrameHeader, bytes]]:
    """Every frame from the file's position on, read CHUNK bytes at a time.

    Stops at the end of the file or at a 128-byte ID3v1 tag; AudioError("truncated") for a
    frame cut short, AudioError("not_audio") where the bytes are no frame.
    """
    data, at, offset = b"", 0, f.tell()
    while True:
        if len(data) - at < 1441:
            data, at = data[at:] + f.read(CHUNK), 0
        if at == len(data) or (data[at : at + 3] == b"TAG" and len(data) - at == 128):
            return
        header = header_at(data, at)
        if header is None:
            raise AudioError("not_audio", path=name, detail=f"no MP3 frame at byte {offset}")
        if len(data) - at < header.length:
            raise AudioError("truncated", path=name, detail=f"MP3 frame cut at byte {offset}")
        yield header, data[at : at + header.length]
        at += header.length
        offset += header.length


def copy_frames(f: BinaryIO, out: BinaryIO, count: int, like: FrameHeader, name: str = "") -> int:
    """Copy `count` frames of `like`'s stream from f's position to out; the bytes written."""
    stream, written, copied = like.stream, 0, 0
    for header, frame in itertools.islice(iter_frames(f, name), count):
        if header.stream != stream:
            raise AudioError("not_audio", path=name, detail="its MP3 frames change format")
        out.write(frame)
        written += len(frame)
        copied += 1
    if copied < count:
        raise AudioError("truncated", path=name, detail=f"{count} MP3 frames expected")
    return written


@dataclass(frozen=True)
class FrameRun:
    """A file's frames, kept whole in memory (a small one), written out by the count."""

    header: FrameHeader  # of the first frame
    frames: bytes
    ends: tuple[int, ...]  # byte offset after each frame

    @classmethod
    def read(cls, path: Path) -> FrameRun:
        """All frames of a file without Info frame, whose first frame is self-contained."""
        with path.open("rb") as f:
            frames = list(iter_frames(f, str(path)))
        if not frames or main_data_begin(frames[0][1], frames[0][0]) != 0:
            raise AudioError("not_audio", path=str(path), detail="no self-contained first frame")
        data = [frame for _, frame in frames]
        return cls(frames[0][0], b"".join(data), tuple(itertools.accumulate(map(len, data))))

    def write(self, out: BinaryIO, count: int) -> int:
        """Write `count` frames: whole runs, then the first frames; the bytes written.

        A prefix is as valid as the run when its first frame is self-contained
        (main_data_begin 0): no frame points forward into the bit reservoir.
        """
        whole, rest = divmod(count, len(self.ends))
        for _ in range(whole):
            out.write(self.frames)
        part = self.ends[rest - 1] if rest else 0
        out.write(self.frames[:part])
        return whole * len(self.frames) + part


def info_frame(header: FrameHeader, frames: int, size: int, delay: int, padding: int) -> bytes:
    """A CBR Info frame (with a LAME tag) heading `frames` frames of `header`'s stream.

    `size` is the whole file's byte count, this frame included; `delay` and `padding` are
    the samples a gapless decoder drops at the start and the end (12 bits each).
    """
    word = _header_word(header)
    length = decode_header(word)
    assert length is not None
    # constant bitrate: the byte at k % of the time is k % into the audio, in 1/256ths
    audio = max(0, size - length.length)
    toc = bytes(
        min(255, 256 * (length.length + audio * k // 100) // max(1, size)) for k in range(100)
    )
    body = b"Info" + struct.pack(">III", TOC_FLAGS, frames, size) + toc + bytes(4)
    # "LAME": the tag players know best (the frames are libmp3lame's); method 1: CBR; no
    # lowpass, replay gain or flags given; then the bitrate, delay and padding, music length
    lame = b"LAME3.100" + bytes([1, 0]) + bytes(8) + bytes([0, min(255, header.bitrate // 1000)])
    lame += ((delay << 12) | padding).to_bytes(3, "big") + bytes(4) + struct.pack(">I", size)
    tag = struct.pack(">I", word) + bytes(header.side_info) + body + lame + bytes(2)
    if max(len(tag) + 2, 190) > length.length:
        raise ValueError("frames too small for an Info tag")
    frame = bytearray(tag + bytes(length.length - len(tag)))
    # As ffmpeg's muxer: the CRC of the frame's first 190 bytes, its own two bytes zero.
    frame[len(tag) : len(tag) + 2] = struct.pack(">H", crc16(bytes(frame[:190])))
    return bytes(frame)


def _header_word(header: FrameHeader) -> int:
    """The 32-bit header of an unpadded frame of `header`'s stream without CRC."""
    version = {1: 3, 2: 2, 25: 0}[header.version]
    index = _BITRATES[min(header.version, 2)].index(header.bitrate // 1000)
    rate_index = _RATES.index(header.sample_rate * _RATE_DIVISORS[header.version])
    mode = 3 if header.channels == 1 else 1  # mono, else joint stereo
    return (
        (0x7FF << 21)
        | (version << 19)
        | (1 << 17)
        | (1 << 16)
        | (index << 12)
        | (rate_index << 10)
        | (mode << 6)
    )


def crc16(data: bytes) -> int:
    """CRC-16/ARC (polynomial 0x8005, reflected), as the LAME tag's own checksum."""
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc
