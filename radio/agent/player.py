"""Putting one item on the loudspeakers through a command, and taking it off for an emergency.

The command is a template: `{file}` is the audio file (or a relay's stream URL) and
`{seconds}` its planned length. The default is ffmpeg writing to the default ALSA output
of the PC wired to the amplifier; `--player` replaces it (mpv, aplay, a controller's CLI).
"""

import shlex
import subprocess
import sys
import threading
from dataclasses import dataclass

from audio_library.ffmpeg_process import ffmpeg_exe

POLL_SECONDS = 0.1
ERROR_CHARS = 300


@dataclass(frozen=True)
class Played:
    ok: bool
    interrupted: bool = False
    missing: bool = False  # the file was not there to play
    error: str = ""


def default_command() -> list[str]:
    output = ["-f", "alsa", "default"] if sys.platform.startswith("linux") else ["-f", "sdl", "-"]
    quiet = ["-nostdin", "-hide_banner", "-loglevel", "error"]
    return [ffmpeg_exe(), *quiet, "-t", "{seconds}", "-i", "{file}", *output]


class CommandPlayer:
    def __init__(self, template: str | None = None) -> None:
        self.template = shlex.split(template) if template else default_command()

    def argv(self, source: str, seconds: float) -> list[str]:
        values = {"file": source, "seconds": f"{max(seconds, 1):.0f}"}
        return [part.format(**values) for part in self.template]

    def play(self, source: str, seconds: float, stop: threading.Event) -> Played:
        """Play to the end, or until `stop` is set (then the process is ended at once)."""
        try:
            process = subprocess.Popen(
                self.argv(source, seconds),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
        except OSError as exc:
            return Played(ok=False, error=str(exc)[:ERROR_CHARS])
        while process.poll() is None:
            if stop.wait(POLL_SECONDS):
                process.terminate()
                try:
                    process.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
                _close(process)
                return Played(ok=False, interrupted=True)
        error = process.stderr.read().decode(errors="replace") if process.stderr else ""
        _close(process)
        if process.returncode != 0:
            detail = error.strip().splitlines()[-1] if error.strip() else ""
            return Played(ok=False, error=f"exit {process.returncode}: {detail}"[:ERROR_CHARS])
        return Played(ok=True)


def _close(process: subprocess.Popen[bytes]) -> None:
    if process.stderr:
        process.stderr.close()
