"""Pre-mixed session audio: one MP3 per session, rendered ahead by a background job.

Operators with a plain player press play once per session. The nightly build queues
the mixing of today's and tomorrow's sessions so the morning's downloads are ready;
anything else is mixed on first request (the cache is keyed by the item list, so
stations with the same session share one file).
"""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session, selectinload, sessionmaker

from audio_library.ffmpeg import AudioError, HouseFormat
from audio_library.jobs import Handler, Job, Report, enqueue
from audio_library.premix import Cue, Mix, MixCache
from audio_library.store import AudioStore
from scheduler.playlists import Playlist, PlaylistSession, current_playlists

KIND = "premix-sessions"
DAYS_AHEAD = 2  # today and tomorrow: what a station fetches before its morning session
KEEP_UNUSED = timedelta(days=3)  # mixes nobody asked for in this long are deleted


@dataclass(frozen=True)
class Mixer:
    store: AudioStore
    cache: MixCache
    house: HouseFormat

    def cues(self, session: PlaylistSession) -> list[Cue]:
        """Each item at its planned offset; a relay is silence (it airs live)."""
        cues = []
        for item in session.items:
            path = None
            if item.segment_id is not None:
                path = self.store.find(item.audio_sha)
                if path is None:
                    raise AudioError("empty", detail=f"missing audio {item.audio_sha}")
            offset = (item.planned_start - session.starts_at).total_seconds()
            cues.append(Cue(offset=offset, length=item.duration, path=path))
        return cues

    def mix(self, session: PlaylistSession) -> Mix:
        return self.cache.get(self.cues(session), self.house)


def request_premix(session: Session, first: date, days: int = DAYS_AHEAD) -> Job:
    return enqueue(session, KIND, {"first": first.isoformat(), "days": days}, None)


def make_handler(sessions: sessionmaker[Session], mixer: Mixer) -> Handler:
    def handle(params: dict[str, Any], report: Report) -> dict[str, Any]:
        first = date.fromisoformat(params["first"])
        last = first + timedelta(days=int(params.get("days", DAYS_AHEAD)) - 1)
        mixed = 0
        with sessions() as session:
            query = current_playlists(first, last).options(
                selectinload(Playlist.sessions).selectinload(PlaylistSession.items)
            )
            playlists = list(session.scalars(query))
            for done, playlist in enumerate(playlists, 1):
                for playlist_session in playlist.sessions:
                    if playlist_session.items:
                        mixer.mix(playlist_session)
                        mixed += 1
                report(done / len(playlists), "premix")
        pruned = mixer.cache.prune(KEEP_UNUSED)
        return {"sessions": mixed, "pruned": pruned}

    return handle
