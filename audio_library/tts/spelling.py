"""Spelling what cannot be read as words: acronyms by letter names, e-mail and web addresses."""

import re
import unicodedata
from collections.abc import Mapping

from audio_library.tts.numbers import read_digits

LETTER_NAMES: Mapping[str, str] = {
    "a": "a", "ă": "á", "â": "ớ", "b": "bê", "c": "xê", "d": "dê", "đ": "đê", "e": "e",
    "ê": "ê", "f": "ép", "g": "giê", "h": "hát", "i": "i", "j": "gi", "k": "ca", "l": "lờ",
    "m": "em", "n": "en", "o": "o", "ô": "ô", "ơ": "ơ", "p": "pê", "q": "quy", "r": "rờ",
    "s": "ét", "t": "tê", "u": "u", "ư": "ư", "v": "vê", "w": "vê kép", "x": "ích",
    "y": "i dài", "z": "dét",
}  # fmt: skip

# How Vietnamese listeners hear the usual pieces of an address ("chấm gốp chấm vê en").
ADDRESS_WORDS: Mapping[str, str] = {
    "www": "vê kép vê kép vê kép", "gov": "gốp", "vn": "vê en", "com": "com", "net": "nét",
    "org": "o rờ giê", "edu": "e đu", "info": "in phô", "gmail": "gờ meo", "yahoo": "da hu",
    "facebook": "phây búc", "zalo": "da lô", "youtube": "diu túp",
}  # fmt: skip
_SYMBOLS = {".": "chấm", "@": "a còng", "-": "gạch ngang", "_": "gạch dưới", "/": "gạch chéo"}

_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}  # huyền sắc ngã hỏi nặng
_SYLLABLE = re.compile(
    r"(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdđghklmnprstvx])?"
    r"[aăâeêioôơuưy]{1,3}"
    r"(?P<final>ch|ng|nh|[cmnpt])?"
)
_LOOSE_SYLLABLE = re.compile(
    r"(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdghklmnprstvx])?[aeiouy]{1,3}(?:ch|ng|nh|[cmnptk])?"
)
_ADDRESS_PIECE = re.compile(r"[^\W\d_]+|\d+|.", re.DOTALL)


def _split_tone(word: str) -> tuple[str, str]:
    chars = unicodedata.normalize("NFD", word.lower())
    bare = unicodedata.normalize("NFC", "".join(c for c in chars if c not in _TONES))
    return bare, "".join(c for c in chars if c in _TONES)


def is_syllable(word: str) -> bool:
    """Tell whether a word is one well-formed Vietnamese syllable (HOẠCH yes, ANTT no)."""
    bare, tone = _split_tone(word)
    match = _SYLLABLE.fullmatch(bare)
    if match is None:
        return False
    # a syllable closed by p, t, c or ch only takes the sắc or nặng tone: CAT is an acronym
    return match["final"] not in {"c", "ch", "p", "t"} or tone in {"\u0301", "\u0323"}


def looks_vietnamese(word: str) -> bool:
    """Tell whether an upper-case word is a written word rather than an acronym."""
    bare, tone = _split_tone(word)
    return bool(tone) or any(c in "ăâêôơư" for c in bare) or is_syllable(word)


def spell(letters: str) -> str:
    """Name each letter in Vietnamese (UBND → u bê en đê); digits are read one by one."""
    names = []
    for char in letters.lower():
        if char.isdigit():
            names.append(read_digits(char))
        elif char in LETTER_NAMES:
            names.append(LETTER_NAMES[char])
        elif char.isalpha():
            names.append(LETTER_NAMES.get(_split_tone(char)[0], char))
    return " ".join(names)


def _read_address_word(word: str, lexicon: Mapping[str, str]) -> str:
    lower = word.lower()
    if lower in lexicon:
        return lexicon[lower]
    if lower in ADDRESS_WORDS:
        return ADDRESS_WORDS[lower]
    syllables = _syllables(lower)
    return " ".join(syllables) if syllables else spell(lower)


def _syllables(word: str, depth: int = 4) -> list[str] | None:
    # toneless pieces such as "dichvucong" are said syllable by syllable (at most four); a
    # consonant between two vowels opens the next syllable, so "eapo" is "ea po"
    if depth == 0 or not word.isascii():
        return None
    for cut in range(min(len(word), 7), 0, -1):
        head, rest = word[:cut], word[cut:]
        if not _LOOSE_SYLLABLE.fullmatch(head) or rest[:1] in set("aeiouy"):
            continue
        tail = _syllables(rest, depth - 1) if rest else []
        if tail is not None:
            return [head, *tail]
    return None


def spell_address(address: str, lexicon: Mapping[str, str]) -> str:
    """Say an e-mail or web address piece by piece (ubnd@eapo.gov.vn → u bê en đê a còng …)."""
    words = []
    for piece in _ADDRESS_PIECE.findall(address):
        if piece.isdigit():
            words.append(read_digits(piece))
        elif piece.isalpha():
            words.append(_read_address_word(piece, lexicon))
        elif piece in _SYMBOLS:
            words.append(_SYMBOLS[piece])
    return " ".join(words)
