"""The words around a regular-expression match, for rules that depend on context."""

import re

_WINDOW = 60
_WORD_BEFORE = re.compile(r"([^\W\d_]+)[\s:]*$")
_WORD_AFTER = re.compile(r"\s*([^\W\d_]+)")
UPPER = "".join(chr(c) for c in range(0x41, 0x1EFF) if chr(c).isupper() and chr(c).isalpha())


def word_before(match: re.Match[str]) -> str:
    """Return the word just before the match (lower case), across spaces and a colon only."""
    text = match.string[max(0, match.start() - _WINDOW) : match.start()]
    found = _WORD_BEFORE.search(text)
    return found[1].lower() if found else ""


def word_after(match: re.Match[str]) -> str:
    """Return the word just after the match (lower case), across spaces only."""
    found = _WORD_AFTER.match(match.string, match.end(), match.end() + _WINDOW)
    return found[1].lower() if found else ""


def clause_before(match: re.Match[str]) -> str:
    """Return the text of the same sentence before the match, at most a few words of it."""
    text = match.string[max(0, match.start() - _WINDOW) : match.start()]
    return re.split(r"[.!?;]", text)[-1]
