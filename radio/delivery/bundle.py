"""What goes into a station's ZIP bundle, in the order it is streamed."""

from collections.abc import Callable, Sequence
from zoneinfo import ZoneInfo

from audio_library.ffmpeg import AudioError
from audio_library.store import AudioStore
from radio.delivery.m3u8 import file_name, numbered_items, playlist_m3u8
from radio.delivery.zip_stream import Entry
from radio.playlist_docs import ItemDoc, PlaylistDoc

README = "README.txt"
PLAYLIST = "danh-sach-phat.m3u8"
SHEET = "bang-phat-thanh.pdf"


def local_file(number: int, item: ItemDoc) -> str:
    """The item's file beside the M3U8; a relay's stream stays a URL."""
    return file_name(number, item) if item.item.segment_id is not None else item.item.url


def bundle_entries(
    docs: Sequence[PlaylistDoc],
    store: AudioStore,
    readme: str,
    sheet: Callable[[Sequence[PlaylistDoc]], bytes],
) -> list[Entry]:
    """README first, then a folder per day: its MP3s in airing order, M3U8, sheet.

    Everything but the audio bytes is made here, before the first byte is sent, so a
    missing file is an error answer rather than a cut-off download.
    """
    zone = ZoneInfo(docs[0].station.timezone)
    built = docs[0].playlist.built_at.astimezone(zone)
    entries = [Entry(README, built, data=readme.replace("\n", "\r\n").encode())]  # for Notepad
    for doc in docs:
        folder = doc.playlist.day.isoformat()
        modified = doc.playlist.built_at.astimezone(zone)
        for number, _session, item in numbered_items(doc):
            if item.item.segment_id is None:
                continue  # a relay airs live; the M3U8 and the sheet name its source
            path = store.find(item.item.audio_sha)
            if path is None:
                raise AudioError("empty", detail=f"missing audio {item.item.audio_sha}")
            entries.append(Entry(f"{folder}/{file_name(number, item)}", modified, path=path))
        m3u8 = playlist_m3u8(doc, local_file)
        entries.append(Entry(f"{folder}/{PLAYLIST}", modified, data=m3u8.encode()))
        entries.append(Entry(f"{folder}/{SHEET}", modified, data=sheet([doc])))
    return entries
