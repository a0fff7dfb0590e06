"""File names a cheap player, a FAT-formatted USB stick and Windows all accept."""

import re
import unicodedata
from datetime import datetime

MAX_SLUG = 60
_NOT_WORD = re.compile(r"[^a-z0-9]+")


def ascii_slug(text: str, fallback: str = "ban-tin") -> str:
    """ "Bản tin phòng chống ma túy" → "ban-tin-phong-chong-ma-tuy"."""
    # đ has no decomposition: it is a letter of its own, not d with a mark
    bare = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    ascii_text = bare.encode("ascii", "ignore").decode().lower()
    slug = _NOT_WORD.sub("-", ascii_text).strip("-")
    return slug[:MAX_SLUG].rstrip("-") or fallback


def item_file_name(number: int, start: datetime, title: str) -> str:
    """ "01_0600_ban-tin-phong-chong-ma-tuy.mp3": sorts in airing order."""
    return f"{number:02d}_{start:%H%M}_{ascii_slug(title)}.mp3"
