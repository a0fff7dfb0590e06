"""What the agent is told on its command line."""

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    server: str
    token: str
    folder: Path
    days: int = 3  # playlists held ahead, today included
    poll_seconds: float = 120
    emergency_seconds: float = 30  # today's playlist, where emergencies appear
    forward_seconds: float = 15
    retry_seconds: float = 30  # the first wait after a failure; it doubles up to 2 minutes
    player: str | None = None  # a command template; None: ffmpeg to the default output
    reserve_mb: int = 200  # disk left free for the system

    @property
    def audio(self) -> Path:
        return self.folder / "audio"

    @property
    def database(self) -> Path:
        return self.folder / "agent.db"
