"""Legal document numbers (145/KH-BCĐ, 06/2014/NĐ-CP): number, year, then what the code says."""

import re
from collections.abc import Mapping

from audio_library.tts.context import word_before
from audio_library.tts.lexicon import BUILTIN_ABBREVIATIONS, DOCUMENT_ISSUERS, DOCUMENT_TYPES
from audio_library.tts.numbers import read_integer, read_number
from audio_library.tts.spelling import spell

_PART = r"[A-ZĐ][A-Za-zĐđ]*\d{0,3}"
_DOCUMENT = re.compile(
    rf"(?<![\w/.-])(?:(\d{{1,5}})([a-z]?))?(?:/(\d{{4}}))?[/-]({_PART}(?:[-/&]{_PART})*)"
    r"(?![\w'])(?![-/]\w)"
)
_NUMBERED_PART = re.compile(r"([A-Za-zĐđ]+?)(\d+)")


def read_documents(text: str, lexicon: Mapping[str, str]) -> str:
    """Read document numbers; they are never dates or fractions."""
    return _DOCUMENT.sub(lambda m: _document(m, lexicon), text)


def _document(match: re.Match[str], lexicon: Mapping[str, str]) -> str:
    number, letter, year, code = match.groups()
    if sum(c.isupper() for c in code) < 2:
        return match[0]
    words = []
    if number:
        # "Nghị định số 06/2014/NĐ-CP" already says "số"; a bare number gets it
        if word_before(match) != "số":
            words.append("số")
        words.append(read_integer(number.lstrip("0") or "0"))
        if letter:
            words.append(spell(letter))
    if year:
        words += ["năm", read_number(int(year))]
    words.append(read_code(code, lexicon))
    return f" {' '.join(words)} "


def read_code(code: str, lexicon: Mapping[str, str]) -> str:
    """Expand a document code part by part: NĐ-CP → nghị định chính phủ."""
    words = []
    for index, part in enumerate(re.split(r"[-/]", code)):
        pieces = part.split("&")
        words.append(" và ".join(_part(piece, index == 0, lexicon) for piece in pieces))
    return " ".join(words)


def _part(part: str, first: bool, lexicon: Mapping[str, str]) -> str:
    said = _lookup(part, first, lexicon)
    if said is not None:
        return said
    numbered = _NUMBERED_PART.fullmatch(part)
    if numbered:
        # QH14: the 14th National Assembly
        prefix = _lookup(numbered[1], first, lexicon) or spell(numbered[1])
        return f"{prefix} {read_number(int(numbered[2]))}"
    return spell(part)


def _lookup(part: str, first: bool, lexicon: Mapping[str, str]) -> str | None:
    tables = [lexicon, DOCUMENT_TYPES] if first else [lexicon]
    for table in [*tables, DOCUMENT_ISSUERS, BUILTIN_ABBREVIATIONS]:
        if part in table:
            return table[part]
    return None
