"""The day's items as an extended M3U playlist (M3U8: UTF-8).

It carries the HLS tags too (target duration, VOD, end list), which plain players
ignore and HLS players (ffmpeg, phones) need to accept it; each item is its own
file, so every one is marked as a discontinuity.
"""

import math
from collections.abc import Callable, Iterator

from flask_babel import gettext as _

from radio.delivery.names import item_file_name
from radio.playlist_docs import ItemDoc, PlaylistDoc, SessionDoc


def numbered_items(doc: PlaylistDoc) -> Iterator[tuple[int, SessionDoc, ItemDoc]]:
    """Items in airing order, numbered from 1 across the day."""
    number = 0
    for session in doc.sessions:
        for item in session.items:
            number += 1
            yield number, session, item


def file_name(number: int, item: ItemDoc) -> str:
    return item_file_name(number, item.planned_start, item.item.title)


def playlist_m3u8(doc: PlaylistDoc, url_of: Callable[[int, ItemDoc], str]) -> str:
    """url_of(number, item) is where a player fetches each item."""
    items = list(numbered_items(doc))
    longest = max((math.ceil(item.item.duration) for _n, _s, item in items), default=1)
    title = _("%(station)s, %(date)s", station=doc.station.name, date=doc.playlist.day.isoformat())
    lines = [
        "#EXTM3U",
        "#EXT-X-VERSION:3",
        f"#EXT-X-TARGETDURATION:{longest}",
        "#EXT-X-PLAYLIST-TYPE:VOD",
        f"#PLAYLIST:{_one_line(title)}",
    ]
    shown = None
    for number, session, item in items:
        if session is not shown:
            lines.append(f"# {_one_line(session.label)} {session.starts_at:%H:%M}")
            shown = session
        if number > 1:
            lines.append("#EXT-X-DISCONTINUITY")
        lines.append(f"#EXTINF:{item.item.duration:.3f},{_one_line(item.item.title)}")
        lines.append(url_of(number, item))
    lines.append("#EXT-X-ENDLIST")
    return "\n".join(lines) + "\n"


def _one_line(text: str) -> str:
    return " ".join(text.split())
