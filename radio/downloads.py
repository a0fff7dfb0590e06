"""Who fetched which version of a station's playlist, in which format, and when.

The operator page uses it to say when a newer version exists than the one the station
has; the audit uses it to show when each station last fetched its playlist.
"""

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, ForeignKey, Index, Select, String, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Mapped, Session, mapped_column

from audio_library.db import Base, utcnow
from radio.people import User
from radio.tokens import AccessToken
from scheduler.playlists import Playlist

FROM_CLI = "cli"  # where an export from the command line came from, in place of an address


class Format(enum.StrEnum):
    JSON = "json"
    M3U8 = "m3u8"
    ZIP = "zip"
    MP3 = "mp3"  # a pre-mixed session
    PDF = "pdf"
    ICS = "ics"


class Download(Base):
    __tablename__ = "download"
    __table_args__ = (Index("ix_download_station_day", "station_id", "day", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("station.id"))
    day: Mapped[date]
    playlist_id: Mapped[int] = mapped_column(ForeignKey("playlist.id"))
    version: Mapped[int]
    format: Mapped[Format] = mapped_column(String(8))
    session_number: Mapped[int | None]
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    token_id: Mapped[int | None] = mapped_column(ForeignKey("access_token.id"))
    remote_addr: Mapped[str] = mapped_column(String(45), default="")
    at: Mapped[datetime] = mapped_column(default=utcnow)


def record_download(
    session: Session,
    playlist: Playlist,
    format: Format,
    *,
    user: User | None = None,
    token: AccessToken | None = None,
    session_number: int | None = None,
    remote_addr: str = "",
) -> Download:
    download = Download(
        station_id=playlist.station_id,
        day=playlist.day,
        playlist_id=playlist.id,
        version=playlist.version,
        format=format,
        session_number=session_number,
        user_id=user.id if user else None,
        token_id=token.id if token else None,
        remote_addr=remote_addr[:45],
    )
    session.add(download)
    return download


def own_copies(station_id: InstrumentedAttribute[int] | int) -> ColumnElement[bool]:
    """Downloads that give the station a copy: by its devices or its operators, or exported
    for it from the command line; an auditor looking at its playlist gives it none.
    (Needs the download joined to its token and user, as `with_owners` does.)"""
    return or_(
        AccessToken.station_id == station_id,
        User.station_id == station_id,
        Download.remote_addr == FROM_CLI,
    )


def with_owners(query: Select[Any]) -> Select[Any]:
    return query.outerjoin(AccessToken, AccessToken.id == Download.token_id).outerjoin(
        User, User.id == Download.user_id
    )


def last_download(session: Session, station_id: int, day: date) -> Download | None:
    """The most recent copy of that day's playlist the station itself holds."""
    query = with_owners(select(Download)).where(
        Download.station_id == station_id, Download.day == day, own_copies(station_id)
    )
    return session.scalar(query.order_by(Download.at.desc(), Download.id.desc()).limit(1))


def last_downloads(session: Session, station_ids: list[int]) -> dict[int, datetime]:
    """When each station last took a copy of any of its playlists."""
    query = with_owners(select(Download.station_id, func.max(Download.at))).where(
        Download.station_id.in_(station_ids), own_copies(Download.station_id)
    )
    return {s: at for s, at in session.execute(query.group_by(Download.station_id))}
