"""The printable sheet of a station's playlist: what to air, ticked and signed by the operator.

A4 portrait, black on white only (commune offices print on cheap laser printers), Noto
Sans embedded as a subset so every Vietnamese diacritic prints and copies back as text.
Each day starts on a new page and ends with the boxes the district checks when it files
the sheet against the as-run log.
"""

from collections.abc import Sequence
from datetime import timedelta
from zoneinfo import ZoneInfo

from flask_babel import format_date
from flask_babel import gettext as _
from fpdf import FontFace
from fpdf.enums import XPos, YPos
from fpdf.table import Row

from audio_library.segments import Level
from radio.messages import LEVEL_LABELS
from radio.pdf import FAMILY, NotoA4
from radio.playlist_docs import ItemDoc, PlaylistDoc, SessionDoc
from radio.schedule_messages import minutes_seconds
from scheduler.playlists import SessionKind

MARGIN = 12  # mm; leaves 186 mm of width on A4
# No., start, title, length, level, why, aired (mm)
COLUMNS = (8, 15, 66, 19, 24, 40, 14)
TABLE_FONT = 8.5  # pt; the longest level and reason words fit their columns
LINE = 4.2  # mm per line of table text
BOLD = FontFace(emphasis="BOLD")
# The heading of a session, its table header and first row stay on one page.
KEEP_WITH_SESSION = 28
SIGNATURE_HEIGHT = 70


class Sheet(NotoA4):
    """A4 portrait pages whose footer says which station-day and page it is."""

    def __init__(self) -> None:
        super().__init__(MARGIN)
        self.set_auto_page_break(True, margin=16)
        self.day_line = ""  # station and date of the page, for a loose page

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FAMILY, "", 8)
        self.cell(self.epw / 2, 5, self.day_line)
        page = _("Page %(page)s/%(pages)s", page=self.page_no(), pages=self.str_alias_nb_pages)
        self.cell(self.epw / 2, 5, page, align="R")


def long_date(doc: PlaylistDoc) -> str:
    """E.g. "Thứ Bảy, 28/11/2026"."""
    return format_date(doc.playlist.day, "EEEE, dd/MM/yyyy")


def playlist_sheet(docs: Sequence[PlaylistDoc]) -> bytes:
    """The sheet of one or more days of a station's playlist (one doc a day, in order)."""
    if not docs:
        raise ValueError("a sheet needs at least one playlist")
    pdf = Sheet()
    pdf.set_title(f"{docs[0].station.name} · {long_date(docs[0])}")
    # The sheet's bytes depend only on what it shows: the same version prints the same file.
    pdf.set_creation_date(max(doc.playlist.built_at for doc in docs))
    for doc in docs:
        write_day(pdf, doc)
    return bytes(pdf.output())


def write_day(pdf: Sheet, doc: PlaylistDoc) -> None:
    pdf.add_page()
    pdf.day_line = f"{doc.station.code} · {long_date(doc)}"
    write_heading(pdf, doc)
    for session in doc.sessions:
        write_session(pdf, session)
    if not doc.sessions:
        text_line(pdf, _("No sessions air on this day."))
    write_signatures(pdf)


def text_line(pdf: Sheet, text: str, size: float = 9, style: str = "") -> None:
    pdf.set_font(FAMILY, style, size)
    pdf.multi_cell(0, size * 0.5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def write_heading(pdf: Sheet, doc: PlaylistDoc) -> None:
    zone = ZoneInfo(doc.station.timezone)
    built = doc.playlist.built_at.astimezone(zone).strftime("%d/%m/%Y %H:%M")
    text_line(pdf, _("Broadcast sheet"), 10)
    text_line(pdf, doc.station.name, 15, "B")
    text_line(pdf, _("Station code %(code)s", code=doc.station.code))
    text_line(pdf, doc.place)
    pdf.ln(2)
    text_line(pdf, long_date(doc), 13, "B")
    version = _("Version %(n)s, built %(at)s", n=doc.playlist.version, at=built)
    zone_note = _("times in %(zone)s", zone=doc.station.timezone)
    text_line(pdf, f"{version} · {zone_note}", 8)
    text_line(pdf, _("Tick “Aired” for each item once it has gone out."), 8)


def write_session(pdf: Sheet, session: SessionDoc) -> None:
    pdf.ln(4)
    if pdf.will_page_break(KEEP_WITH_SESSION):
        pdf.add_page()
    start = session.starts_at
    end = start + timedelta(seconds=session.session.planned_seconds)
    # To the second, like the items: an operator starts a session by the clock.
    heading = f"{session.label} · {start:%H:%M:%S}" + (f"–{end:%H:%M:%S}" if session.items else "")
    emergency = session.session.kind == SessionKind.EMERGENCY
    if emergency:
        heading = _("EMERGENCY") + f" · {heading}"
    pdf.set_font(FAMILY, "B", 11)
    # A heavy frame marks an emergency on any printer; colour would be lost in grey.
    pdf.set_line_width(0.8 if emergency else 0.2)
    pdf.multi_cell(
        0,
        7,
        heading,
        border=1 if emergency else 0,
        padding=(0, 2),
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.set_line_width(0.2)
    if not session.items:
        text_line(pdf, _("Nothing to air in this session."))
        return
    write_items(pdf, session.items)


def write_items(pdf: Sheet, items: list[ItemDoc]) -> None:
    headings = (_("No."), _("Start"), _("Title"), _("Length"), _("Level"), _("Why"), _("Aired"))
    pdf.set_font(FAMILY, "", TABLE_FONT)
    with pdf.table(
        col_widths=COLUMNS,
        width=sum(COLUMNS),
        align="LEFT",
        text_align="LEFT",
        line_height=LINE,
        padding=1,
        headings_style=BOLD,
    ) as table:
        table.row(headings)
        for number, item in enumerate(items, 1):
            write_item(table.row(style=None if item.item.level == "normal" else BOLD), number, item)


def write_item(row: Row, number: int, item: ItemDoc) -> None:
    title = item.item.title
    if item.item.kind == "relay":
        title += "\n" + _("Source: %(url)s", url=item.item.url)
    row.cell(str(number), align="RIGHT")
    row.cell(f"{item.planned_start:%H:%M:%S}")
    row.cell(title)
    row.cell(minutes_seconds(item.item.duration), align="RIGHT")
    row.cell(str(LEVEL_LABELS[Level(item.item.level)]))
    reason = item.reason_label
    if item.campaign is not None:
        reason += f": {item.campaign.name}"
    row.cell(reason)
    row.cell("")  # the operator's tick


def write_signatures(pdf: Sheet) -> None:
    """Boxes for when it aired, notes, and the two signatures the district asks for."""
    with pdf.signature_boxes(
        SIGNATURE_HEIGHT, width=sum(COLUMNS), align="LEFT", text_align="LEFT", line_height=LINE
    ) as table:
        table.row(min_height=12).cell(_("Aired on (date, from – to):"), colspan=2)
        table.row(min_height=18).cell(_("Notes:"), colspan=2)
        signatures = table.row(min_height=34)
        signatures.cell(_("Broadcaster (signature and full name)"), align="CENTER")
        leader = _("Confirmed by the commune leader (signature and full name)")
        signatures.cell(leader, align="CENTER")
