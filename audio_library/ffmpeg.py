"""The audio processing every upload, recording and TTS output goes through, all by ffmpeg.

Nothing here holds a program in memory: each step streams through one ffmpeg child process
(or a few), and the only samples Python sees are 8 kHz PCM chunks reduced on the fly.

- `analyse` decodes once, validates (empty, not audio, truncated, too long, silent, too
  short) and measures where the sound is and how loud it is;
- `render_house` writes the trimmed, loudness-normalised house MP3;
- `waveform_peaks`, `fingerprint` / `same_audio` for the library's display and duplicates;
- `join_with_pauses` joins TTS sentence chunks.

The implementation lives in the sibling modules; this is the interface to import from.
"""

from audio_library.analysis import Analysis, analyse
from audio_library.ffmpeg_process import AudioError, ffmpeg_exe, media_info
from audio_library.fingerprint import fingerprint, same_audio, similarity, waveform_peaks
from audio_library.render import HouseFormat, join_with_pauses, render_house

__all__ = [
    "Analysis",
    "AudioError",
    "HouseFormat",
    "analyse",
    "ffmpeg_exe",
    "fingerprint",
    "join_with_pauses",
    "media_info",
    "render_house",
    "same_audio",
    "similarity",
    "waveform_peaks",
]
