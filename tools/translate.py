"""Fill Vietnamese translations into the catalog from a JSON object {msgid: msgstr}.

Development tool: `python tools/translate.py new.json`; prints what is still missing.
"""

import json
import sys
import unicodedata
from pathlib import Path

from babel.messages.pofile import read_po, write_po

CATALOG = Path(__file__).parent.parent / "radio/translations/vi/LC_MESSAGES/messages.po"


def main() -> None:
    with CATALOG.open("rb") as f:
        catalog = read_po(f)
    given = json.loads(Path(sys.argv[1]).read_text()) if len(sys.argv) > 1 else {}
    for message in catalog:
        key = message.id[0] if message.pluralizable else message.id
        if key in given:
            text = unicodedata.normalize("NFC", given[key])
            # Vietnamese has one plural form.
            message.string = (text,) if message.pluralizable else text
    with CATALOG.open("wb") as f:
        write_po(f, catalog, width=76, omit_header=False)
    for message in catalog:
        key = message.id[0] if message.pluralizable else message.id
        if key and not any(message.string if message.pluralizable else [message.string]):
            print(json.dumps(key, ensure_ascii=False))


if __name__ == "__main__":
    main()
