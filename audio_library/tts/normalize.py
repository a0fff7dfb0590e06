"""Written Vietnamese to its spoken form for text-to-speech, and spoken text to TTS chunks.

The passes run from the most specific writing to the most general: addresses and lexicon
words first, then document numbers (never dates), phone numbers, ranges, dates, times,
Roman numerals, units and finally any number left. Each pass writes lower-case words
without digits, so later passes cannot misread what an earlier one said.
"""

import re
import unicodedata
from collections.abc import Mapping

from audio_library.tts import layout
from audio_library.tts.abbreviations import (
    expand_lexicon,
    read_addresses,
    read_codes,
    read_roman_numerals,
    spell_acronyms,
)
from audio_library.tts.dates import dashed_dates_to_slashes, read_dates, read_times, read_weekdays
from audio_library.tts.documents import read_documents
from audio_library.tts.lexicon import BUILTIN_ABBREVIATIONS
from audio_library.tts.quantities import (
    read_numbers,
    read_phone_numbers,
    read_ranges,
    read_units,
)

__all__ = ["BUILTIN_ABBREVIATIONS", "normalize", "split_sentences"]

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def normalize(text: str, lexicon: Mapping[str, str] | None = None) -> str:
    """Return the spoken form of written Vietnamese text."""
    entries = _entries(lexicon or {})
    text = layout.join_lines(layout.prepare(text))
    text = read_addresses(text, entries)
    text = expand_lexicon(text, entries)
    text = read_weekdays(text)
    text = read_documents(text, entries)
    text = read_codes(text)
    text = read_phone_numbers(text)
    text = read_ranges(dashed_dates_to_slashes(text))
    text = read_times(read_dates(text))
    text = read_roman_numerals(text)
    text = read_numbers(read_units(text))
    return layout.tidy(spell_acronyms(text))


def _entries(lexicon: Mapping[str, str]) -> dict[str, str]:
    # editors may type decomposed (NFD) letters; keys are matched against NFC text
    nfc = {unicodedata.normalize("NFC", k).strip(): v for k, v in lexicon.items()}
    return {k: unicodedata.normalize("NFC", v).strip() for k, v in nfc.items() if k}


def split_sentences(spoken: str, max_chars: int = 400) -> list[str]:
    """Split spoken text at sentence ends into chunks of at most max_chars, never in a word."""
    if max_chars < 1:
        raise ValueError("max_chars must be positive")
    pieces: list[str] = []
    for sentence in _SENTENCE_END.split(" ".join(spoken.split())):
        pieces += _cut(sentence, max_chars)
    return _pack([piece for piece in pieces if piece], max_chars)


def _cut(sentence: str, limit: int) -> list[str]:
    # a sentence too long for one chunk is cut at its last comma or semicolon that fits,
    # else at its last space that fits
    pieces = []
    while len(sentence) > limit:
        window = sentence[: limit + 1]
        comma = max(window.rfind(", "), window.rfind("; "))
        if comma > 0:
            pieces.append(sentence[: comma + 1])
            sentence = sentence[comma + 2 :]
            continue
        space = window.rfind(" ")
        if space <= 0:
            # a single word longer than the limit stays whole
            space = sentence.find(" ", limit)
            if space < 0:
                break
        pieces.append(sentence[:space])
        sentence = sentence[space + 1 :]
    return [*pieces, sentence]


def _pack(pieces: list[str], limit: int) -> list[str]:
    chunks: list[str] = []
    for piece in pieces:
        if chunks and len(chunks[-1]) + 1 + len(piece) <= limit:
            chunks[-1] += " " + piece
        else:
            chunks.append(piece)
    return chunks
