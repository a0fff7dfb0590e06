"""The agent's messages, from the app's translation catalogs without Flask.

Vietnamese unless LOAXA_LANG (or --lang) says otherwise; msgids are English, so
`pybabel extract` collects these `_()` calls with the rest.
"""

import gettext
import io
import os
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

CATALOGS = Path(__file__).resolve().parent.parent / "translations"
_catalog: gettext.NullTranslations = gettext.NullTranslations()


def use_language(language: str | None = None) -> None:
    global _catalog
    _catalog = _load(language or os.environ.get("LOAXA_LANG") or "vi")


def _load(language: str) -> gettext.NullTranslations:
    compiled = CATALOGS / language / "LC_MESSAGES" / "messages.mo"
    if compiled.exists():
        with compiled.open("rb") as file:
            return gettext.GNUTranslations(file)
    source = compiled.with_suffix(".po")
    if not source.exists():
        return gettext.NullTranslations()  # English: the msgids themselves
    # A pip install from the sources carries the catalog uncompiled (the .mo is built by make).
    with source.open("rb") as file:
        catalog = read_po(file)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=True)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def _(message: str) -> str:
    return _catalog.gettext(message)


use_language()
