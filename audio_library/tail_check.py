"""Whether a file's last frame or page is cut off: the truncation ffmpeg decodes silently.

ffmpeg decodes a partial last MP3 frame and drops a partial last Ogg page without a word,
and neither container carries a trustworthy length (MP3 without a Xing/Info header; Ogg's
duration is read from the last complete page). Reading only the file's tail tells: an
intact file ends exactly where its last frame or page ends.

Each check returns True (cut), False (ends cleanly) or None (cannot tell: too short, tags
or junk after the audio); callers treat None as intact.
"""

from __future__ import annotations

import struct
from pathlib import Path

TAIL = 1 << 16

# kbit/s by [version is MPEG-1][layer] (layer 1..3), index 1..14
_BITRATES = {
    (True, 1): (32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448),
    (True, 2): (32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384),
    (True, 3): (32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    (False, 1): (32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256),
    (False, 2): (8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
    (False, 3): (8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}


def _tail(path: Path) -> tuple[bytes, int]:
    with path.open("rb") as f:
        size = f.seek(0, 2)
        start = max(0, size - TAIL)
        f.seek(start)
        return f.read(), start


def mp3_frame(buf: bytes, pos: int) -> tuple[tuple[int, int, int], int] | None:
    """(version, layer, sample rate) and length in bytes of the MPEG audio frame at pos."""
    if pos + 4 > len(buf) or buf[pos] != 0xFF or buf[pos + 1] & 0xE0 != 0xE0:
        return None
    b1, b2 = buf[pos + 1], buf[pos + 2]
    version, layer_bits = (b1 >> 3) & 3, (b1 >> 1) & 3
    rate_index, bitrate_index, padding = (b2 >> 2) & 3, b2 >> 4, (b2 >> 1) & 1
    if version == 1 or layer_bits == 0 or rate_index == 3 or bitrate_index in (0, 15):
        return None  # reserved values, or free format (no length in the header)
    layer = 4 - layer_bits
    mpeg1 = version == 3
    bitrate = _BITRATES[(mpeg1, layer)][bitrate_index - 1] * 1000
    rate = _RATES[version][rate_index]
    if layer == 1:
        length = (12 * bitrate // rate + padding) * 4
    elif layer == 3 and not mpeg1:
        length = 72 * bitrate // rate + padding
    else:
        length = 144 * bitrate // rate + padding
    return (version, layer, rate), length


def _mp3_audio_end(buf: bytes) -> int:
    """Where the frames end in buf, past trailing ID3v1 and APEv2 tags."""
    end = len(buf)
    for _ in range(2):
        if end >= 128 and buf[end - 128 : end - 125] == b"TAG":
            end -= 128
        if end >= 32 and buf[end - 32 : end - 24] == b"APETAGEX":
            size, flags = struct.unpack_from("<II", buf, end - 32 + 12)
            end -= size + (32 if flags & 0x80000000 else 0)
    return max(end, 0)


def mp3_cut(path: Path) -> bool | None:
    """Whether the last MPEG audio frame extends past the end of the file."""
    buf, _ = _tail(path)
    end = _mp3_audio_end(buf)
    for start in range(max(0, end - 8192), end - 3):
        first = mp3_frame(buf, start)
        if first is None:
            continue
        kind, length = first
        pos, frames = start + length, 1
        while pos + 4 <= end and (frame := mp3_frame(buf, pos)) and frame[0] == kind:
            pos += frame[1]
            frames += 1
        if frames < 3:
            continue  # a chance sync pattern inside frame data
        if pos == end:
            return False
        if pos > end or end - pos < 4:
            return True
        return None  # something other than frames follows (an unknown tag)
    return None


def ogg_cut(path: Path) -> bool | None:
    """Whether the last Ogg page extends past the end of the file."""
    buf, _ = _tail(path)
    at = buf.rfind(b"OggS")
    while at >= 0:
        if at + 27 > len(buf):
            return True  # the last page's header itself is cut
        if buf[at + 4] == 0:
            segments = buf[at + 26]
            table = buf[at + 27 : at + 27 + segments]
            if len(table) < segments:
                return True
            page_end = at + 27 + segments + sum(table)
            if page_end == len(buf):
                return False
            if page_end > len(buf):
                return True
            return None
        at = buf.rfind(b"OggS", 0, at)
    return None


# Recorders that stream a WAV before knowing its length write one of these as its size.
_UNKNOWN_WAV_SIZES = {0, 0xFFFFFFFF, 0x7FFFFFFF}


def wav_cut(path: Path) -> bool | None:
    """Whether a WAV's data chunk declares much more audio than the file holds.

    Such a header (a copy that stopped, or a forged size of hours) is not trusted; the
    sizes streaming recorders write for "unknown" are accepted.
    """
    with path.open("rb") as f:
        head = f.read(4096)
    if head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        return None
    pos = 12
    while pos + 8 <= len(head):
        chunk, size = head[pos : pos + 4], int.from_bytes(head[pos + 4 : pos + 8], "little")
        if chunk == b"data":
            if size in _UNKNOWN_WAV_SIZES:
                return None
            held = path.stat().st_size - (pos + 8)
            return size > held + max(65536, held // 33)
        pos += 8 + size + (size & 1)
    return None


def cut_off(path: Path, container: str) -> bool:
    if container == "wav":
        return wav_cut(path) is True
    if container == "mp3":
        return mp3_cut(path) is True
    if container == "ogg":
        return ogg_cut(path) is True
    return False
