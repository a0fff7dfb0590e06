"""Each download format as one function of a station's day documents (one per day)."""

from collections.abc import Callable, Iterable
from typing import Any

from flask import render_template

from radio import audio
from radio.delivery.bundle import bundle_entries
from radio.delivery.calendar import sessions_calendar
from radio.delivery.links import player_urls
from radio.delivery.m3u8 import playlist_m3u8
from radio.delivery.sheet import playlist_sheet
from radio.delivery.zip_stream import stream_zip
from radio.downloads import Format
from radio.playlist_docs import PlaylistDoc

MIMETYPES = {
    Format.M3U8: "application/vnd.apple.mpegurl",
    Format.ZIP: "application/zip",
    Format.PDF: "application/pdf",
    Format.ICS: "text/calendar",
}
Writer = Callable[[list[PlaylistDoc]], Any]


def signed_m3u8(docs: list[PlaylistDoc]) -> str:
    return playlist_m3u8(docs[0], player_urls(docs[0]))


def zip_bundle(days: int) -> Writer:
    def write(docs: list[PlaylistDoc]) -> Iterable[bytes]:
        readme = render_template("delivery/readme.txt", docs=docs, days=days)
        # made before the first byte is sent: a missing file is an error, not a cut-off zip
        return stream_zip(bundle_entries(docs, audio.store(), readme, playlist_sheet))

    return write


def writer(format: Format, days: int) -> Writer:
    """What writes `format` for `days` days (the ZIP's README says how many were asked)."""
    writers: dict[Format, Writer] = {
        Format.M3U8: signed_m3u8,
        Format.ZIP: zip_bundle(days),
        Format.PDF: playlist_sheet,
        Format.ICS: sessions_calendar,
    }
    return writers[format]


def file_name(code: str, docs: list[PlaylistDoc], format: Format) -> str:
    several = f"_{len(docs)}-ngay" if len(docs) > 1 else ""
    return f"loa-xa_{code}_{docs[0].playlist.day.isoformat()}{several}.{format.value}"
