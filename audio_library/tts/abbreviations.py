"""Words that are not written as said: lexicon entries, Roman numerals, codes and acronyms."""

import re
import unicodedata
from collections.abc import Mapping
from functools import lru_cache

from audio_library.tts.context import UPPER, word_before
from audio_library.tts.lexicon import BUILTIN_ABBREVIATIONS
from audio_library.tts.numbers import read_integer, read_number, read_ordinal, roman_value
from audio_library.tts.spelling import looks_vietnamese, spell, spell_address

Table = tuple[dict[str, str], dict[str, str]]  # (exact, lower-cased) keys

# A lexicon key is a whole word: not glued to letters, digits or to a code by - / . &
_BEFORE = r"(?<![\w'/&.-])"
_AFTER = r"(?![\w'])(?![-/.&]\w)"

_ROMAN = re.compile(
    r"(?i:\b(khóa|khoá|đại hội|quý|thứ|mục|phần|chương|thế kỷ|thế kỉ|kỳ|kì|tập|hạng|loại"
    r"|cấp độ|cấp|quân khu|vùng|khu vực|đợt|giai đoạn|phụ lục|điều|bậc|nhóm))"
    r"\s+([IVX]+)(?:/(\d{4}))?(?![\w'])"
)
_CODE = re.compile(r"(?<![\w'/-])([A-ZĐ]+)(\d+)((?:[A-ZĐ]+\d+)*[A-ZĐ]*)(?![\w'])(?![-/]\w)")
_CODE_PREFIXES = {
    "QL": "quốc lộ",
    "ĐT": "đường tỉnh",
    "TL": "tỉnh lộ",
    "QH": "quốc hội khóa",
    "BĐ": "báo động",  # flood alert levels BĐ1 to BĐ3
}
_WORD = re.compile(r"(?<![\w'])[^\W\d_]{2,}(?![\w'])")
# each pattern may start only where its first run starts, so a long run is scanned once
_EMAIL = re.compile(r"(?<![\w.@+-])[\w.+-]++@[\w-]+(?:\.[\w-]+)+")
_WEB = re.compile(
    r"(?:https?://|(?<![\w@.-])(?=www\.|[a-z\d-]+(?:\.[a-z\d-]+)*\.(?:vn|com|net|org)\b))"
    r"[\w-]+(?:\.[\w-]+)+(?:/[\w./?=&%-]*)?"
)


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text).strip()


@lru_cache(maxsize=64)
def _compiled(user: tuple[tuple[str, str], ...]) -> tuple[re.Pattern[str], Table, Table]:
    tables = _table(dict(user)), _table(BUILTIN_ABBREVIATIONS)
    exact = tables[0][0].keys() | tables[1][0].keys()
    keys = exact | tables[0][1].keys() | tables[1][1].keys()
    firsts = {c for key in keys for c in (key[0], key[0].lower(), key[0].upper())}
    options = [_option(key, key in exact) for key in sorted(keys, key=lambda k: (-len(k), k))]
    alternatives = "|".join(options) or r"(?!)"
    first = "".join(re.escape(c) for c in sorted(firsts)) or "\x00"
    return re.compile(rf"{_BEFORE}(?=[{first}])(?:{alternatives}){_AFTER}"), tables[0], tables[1]


def _option(key: str, case_sensitive: bool) -> str:
    body = re.escape(key) if case_sensitive else f"(?i:{re.escape(key)})"
    # "TP." swallows its dot only before a name ("TP. Gia Nghĩa"), never at a sentence end
    return body + (rf"(?=\s*[{UPPER}])" if key.endswith(".") else "")


def _table(entries: Mapping[str, str]) -> Table:
    exact: dict[str, str] = {}
    folded: dict[str, str] = {}
    for key, value in entries.items():
        key = _nfc(key)
        if key:
            # all-capital abbreviations are case-sensitive: "KH" is not "Kh"
            target = exact if key.isupper() else folded
            target[key if key.isupper() else key.lower()] = _nfc(value)
    return exact, folded


def expand_lexicon(text: str, lexicon: Mapping[str, str]) -> str:
    """Replace whole words of the editors' lexicon, then of the built-in abbreviations."""
    pattern, user, builtin = _compiled(tuple(sorted(lexicon.items())))

    def replace(match: re.Match[str]) -> str:
        word = match[0]
        for exact, folded in (user, builtin):
            value = exact.get(word) or folded.get(word.lower())
            if value is not None:
                return _without_repeat(value, word_before(match))
        return word

    return pattern.sub(replace, text)


def _without_repeat(value: str, before: str) -> str:
    # "Hội LHPN" is "Hội liên hiệp phụ nữ", not "Hội hội liên hiệp phụ nữ"
    first, _, rest = value.partition(" ")
    return rest if rest and before and first.lower() == before else value


def _roman(match: re.Match[str]) -> str:
    value = roman_value(match[2])
    if value is None:
        return match[0]
    said = read_ordinal(value) if match[1].lower() == "thứ" else read_number(value)
    year = f" năm {read_number(int(match[3]))}" if match[3] else ""
    return f"{match[1]} {said}{year}"


def read_roman_numerals(text: str) -> str:
    """Read Roman numerals where the word before calls for a number (khóa XI, quý II)."""
    return _ROMAN.sub(_roman, text)


def _code(match: re.Match[str]) -> str:
    prefix, digits, rest = match.groups()
    if prefix in _CODE_PREFIXES and not rest:
        return f"{_CODE_PREFIXES[prefix]} {read_integer(digits)}"
    return spell(match[0])


def read_codes(text: str) -> str:
    """Read letter-and-digit codes: QL14 → quốc lộ mười bốn, H5N1 → hát năm en một."""
    return _CODE.sub(_code, text)


def _acronym(match: re.Match[str]) -> str:
    word = match[0]
    return spell(word) if word.isupper() and not looks_vietnamese(word) else word


def spell_acronyms(text: str) -> str:
    """Spell the capitalised tokens that are no Vietnamese word (unknown acronyms)."""
    return _WORD.sub(_acronym, text)


def read_addresses(text: str, lexicon: Mapping[str, str]) -> str:
    """Say e-mail and web addresses piece by piece."""
    folded = {_nfc(k).lower(): _nfc(v) for k, v in lexicon.items()}
    text = _EMAIL.sub(lambda m: f" {spell_address(m[0], folded)} ", text)
    return _WEB.sub(lambda m: f" {_say_web(m[0], folded)} ", text)


def _say_web(address: str, lexicon: Mapping[str, str]) -> str:
    # the scheme is never said; a trailing dot ends the sentence, it is no part of the address
    address = re.sub(r"^https?://", "", address)
    stripped = address.rstrip("./")
    tail = address[len(stripped) :][:1] if address.endswith(".") else ""
    return spell_address(stripped, lexicon) + tail
