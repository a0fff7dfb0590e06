"""The shape of the text: lines and list markers, brackets, quotes, dashes, symbols, pauses."""

import re
import unicodedata

from audio_library.tts.context import UPPER
from audio_library.tts.numbers import read_number, roman_value

_INVISIBLE = re.compile("[\u00ad\u200b-\u200d\u2060\ufeff]")
_SPACES = re.compile(r"[^\S\n]+")
_INNER_APOSTROPHE = re.compile(r"(?<=[^\W\d_])[’‘`´ʼ](?=[^\W\d_])")
_BULLET = re.compile(r"^[-–—•●▪◦·*+>✓➢➤■□]+(?=\s|[^\W\d_])\s*")
_ROMAN_HEAD = re.compile(r"^([IVX]+)[.)]\s+")
_NUMBER_HEAD = re.compile(r"^(\d{1,2}(?:\.\d{1,2})*)[.)]\s+")
_LETTER_HEAD = re.compile(r"^([a-zđ])[.)]\s+")

_CLOSERS, _STOPS = ' "“”’»)]', set(".,;:!?")

_QUOTES = re.compile(r"[\"“”„‟«»]|(?<![^\W\d_])['‘’`´]|['‘’`´](?![^\W\d_])")
_BRACKET = re.compile(r"\s*[()\[\]{}]\s*")
_SPACED_DASH = re.compile(r"(?:^|\s)[-–—―]+(?=\s|$)")
# "…" ends a list ("vân vân"): a stop before a new sentence, else a short pause
_FINAL_ELLIPSIS = re.compile(rf"(?<![.\s])\s?\.{{3,}}+(?=\s?$|\s[{UPPER}])")
_ELLIPSIS = re.compile(r"(?<![.\s])\s?\.{3,}+")
_WORD_SLASH = re.compile(r"(?<=\w)\s*/\s*(?=\w)")
_SYMBOLS = {
    "&": " và ", "+": " cộng ", "=": " bằng ", "~": " khoảng ", "≈": " khoảng ",
    "≥": " lớn hơn hoặc bằng ", "≤": " nhỏ hơn hoặc bằng ", ">": " lớn hơn ", "<": " nhỏ hơn ",
    "%": " phần trăm ", "°": " độ ", "@": " a còng ", "|": ", ", "×": " nhân ",
}  # fmt: skip
_SYMBOL = re.compile("|".join(re.escape(s) for s in _SYMBOLS))
_OTHER = re.compile(r"[^\w\s.,;:!?']|_")
_PUNCTUATION_RUN = re.compile(r"\s*([.,;:!?](?:\s*[.,;:!?])*)\s*")
_STRENGTH = "?!.;:,"  # of several marks in a row, the strongest pause is kept


def prepare(text: str) -> str:
    """NFC, no invisible characters, plain spaces, one apostrophe inside names (M'Nông)."""
    text = unicodedata.normalize("NFC", text)
    text = _INVISIBLE.sub("", text).replace("\r\n", "\n").replace("\r", "\n")
    text = _SPACES.sub(" ", text).replace("…", "...")
    return _INNER_APOSTROPHE.sub("'", text)


def join_lines(text: str) -> str:
    """Make one line; a line break is a pause, so a line without a stop of its own gets one."""
    raw = [line.strip() for line in text.split("\n")]
    raw = [line for line in raw if line]
    if not raw:
        return ""
    lines = [_heading(line) for line in raw]
    return " ".join(
        line + ("." if _needs_stop(line, after) else "")
        for line, after in zip(lines, [*raw[1:], ""], strict=True)
    )


def _needs_stop(line: str, next_line: str) -> bool:
    # a next line starting in lower case continues the sentence (a PDF wrapped it there)
    if not line or not next_line or next_line[0].islower():
        return False
    return line.rstrip(_CLOSERS)[-1:] not in _STOPS


def _heading(line: str) -> str:
    line = _BULLET.sub("", line)
    roman = _ROMAN_HEAD.match(line)
    value = roman_value(roman[1]) if roman else None
    if roman and value is not None:
        return f"{read_number(value)}, {line[roman.end() :]}"
    number = _NUMBER_HEAD.match(line)
    if number:
        said = " chấm ".join(read_number(int(part)) for part in number[1].split("."))
        return f"{said}, {line[number.end() :]}"
    return _LETTER_HEAD.sub(r"\1, ", line)


def tidy(text: str) -> str:
    """Turn brackets, dashes and slashes into pauses, say symbols, and tidy punctuation."""
    text = _QUOTES.sub("", " ".join(text.split()))
    text = _BRACKET.sub(", ", text)
    text = _SPACED_DASH.sub(",", text).replace("―", " ")
    text = re.sub(r"[-–—]+", " ", text)
    text = _ELLIPSIS.sub(",", _FINAL_ELLIPSIS.sub(".", text))
    text = _WORD_SLASH.sub(", ", text).replace("/", " ")
    text = _SYMBOL.sub(lambda m: _SYMBOLS[m[0]], text)
    text = _OTHER.sub(" ", text)
    text = _PUNCTUATION_RUN.sub(lambda m: _strongest(m[1]) + " ", text)
    text = re.sub(r"^[\s.,;:!?]+", "", " ".join(text.split()))
    return text.rstrip(" ,") if any(c.isalnum() for c in text) else ""


def _strongest(marks: str) -> str:
    return min((m for m in marks if m in _STRENGTH), key=_STRENGTH.index)
