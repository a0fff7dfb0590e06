"""A4 portrait PDFs in Noto Sans, for the printable sheet and the result report.

Noto Sans is embedded as a subset, so every Vietnamese diacritic prints on any printer
and copies back out of the file as text.
"""

from pathlib import Path
from typing import Any

from flask_babel import get_locale
from fpdf import FPDF

FONTS = Path(__file__).resolve().parent / "static" / "fonts"
FAMILY = "NotoSans"


class NotoA4(FPDF):
    def __init__(self, margin: float) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.set_margins(margin, margin, margin)
        self.add_font(FAMILY, "", FONTS / "NotoSans-Regular.ttf")
        self.add_font(FAMILY, "B", FONTS / "NotoSans-Bold.ttf")
        self.set_creator("Loa xã")
        self.set_lang(str(get_locale()))

    def signature_boxes(self, height: float, **table: Any) -> Any:
        """A two-column table of boxes to write and sign in, moved to a new page whole if it
        would not fit; its rows are the caller's."""
        self.ln(6)
        if self.will_page_break(height):
            self.add_page()
        self.set_font(FAMILY, "", 9)
        return self.table(
            col_widths=(1, 1), first_row_as_headings=False, v_align="TOP", padding=1.5, **table
        )
