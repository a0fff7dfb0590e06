"""The Vietnamese catalog is complete, keeps its placeholders and is NFC."""

import re
import unicodedata
from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).parent.parent
TRANSLATIONS = ROOT / "radio" / "translations"
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|%s")


def catalog():  # type: ignore[no-untyped-def]
    with (TRANSLATIONS / "vi" / "LC_MESSAGES" / "messages.po").open("rb") as f:
        return read_po(f)


def test_every_message_in_the_code_is_in_the_catalog():
    """Extract afresh, so text added without `make messages` is caught here."""
    method_map = [("radio/**.py", "python"), ("templates/**.html", "jinja2")]
    keywords = {**DEFAULT_KEYWORDS, "_l": None}
    found = {
        msgid if isinstance(msgid, str) else msgid[0]
        for _file, _line, msgid, _comments, _context in extract_from_dir(
            ROOT, method_map, keywords=keywords
        )
    }
    translated = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog() if m.id}
    assert "Today's playlist" in found  # the extraction sees templates too
    assert found - translated == set()


def test_every_message_is_translated_with_its_placeholders():
    problems = []
    for message in catalog():
        if not message.id:
            continue
        source = message.id if isinstance(message.id, str) else message.id[0]
        text = message.string if isinstance(message.string, str) else message.string[0]
        if not text or message.fuzzy:
            problems.append(("untranslated", source))
        elif sorted(PLACEHOLDER.findall(source)) != sorted(PLACEHOLDER.findall(text)):
            problems.append(("placeholders", source))
        elif not unicodedata.is_normalized("NFC", text):
            problems.append(("not NFC", source))
    assert problems == []
