"""The agent's messages, from the app's translation catalogs without Flask.

Vietnamese unless LOAXA_LANG (or --lang) says otherwise; msgids are English, so
`pybabel extract` collects these `_()` calls with the rest.
"""

import gettext
import os
from pathlib import Path

CATALOGS = Path(__file__).resolve().parent.parent / "translations"
_catalog: gettext.NullTranslations = gettext.NullTranslations()


def use_language(language: str | None = None) -> None:
    global _catalog
    language = language or os.environ.get("LOAXA_LANG") or "vi"
    _catalog = gettext.translation("messages", CATALOGS, languages=[language], fallback=True)


def _(message: str) -> str:
    return _catalog.gettext(message)


use_language()
