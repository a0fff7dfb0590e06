"""The compliance report: JSON, CSV, XLSX and the PDF result report, through the API and
`radio report`, after a day of confirmations really posted.

Yesterday's playlists of two Cư Jút stations (5 items each, 27 s, two sessions): the
operator's station reports four items aired and one not aired, one of the aired ones
through the device API after the grace (late); the other station reports nothing.
"""

import csv
import io
import subprocess
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import func, select

from radio.airings.chain import daily_anchor, stations_under
from radio.airings.intake import Actor, Entry, Rules, accept
from radio.airings.records import NotAiredReason, Source, Status
from radio.airings.tally import AiringDay, AiringTally
from radio.db import get_session
from scheduler.campaigns import Campaign
from scheduler.playlists import Playlist, PlaylistItem
from scheduler.units import Unit, units_by_code
from tests.conftest import OPERATOR_STATION, SAME_DISTRICT_STATION
from tests.playlist_fixtures import station, words
from tests.test_delivery_api import device

DISTRICT = "662"  # Huyện Cư Jút, the demo auditor's
OTHER_DISTRICT = "660"  # Thành phố Gia Nghĩa
CAMPAIGN = "dnong-2021-pctp"
URL = "/api/v1/reports/compliance"
COMMUNES = [
    "Thị trấn Ea T'Ling",
    "Xã Đắk Wil",
    "Xã Ea Pô",
    "Xã Nam Dong",
    "Xã Đắk DRông",
    "Xã Tâm Thắng",
    "Xã Cư Knia",
    "Xã Trúc Sơn",
]


@dataclass
class Day:
    day: date
    query: str  # ?unit=662&from=…&to=…


def items(app: Flask, code: str, day: date) -> list[PlaylistItem]:
    with app.app_context():
        query = (
            select(PlaylistItem)
            .join(Playlist, Playlist.id == PlaylistItem.playlist_id)
            .where(Playlist.station_id == station(code).id, Playlist.day == day)
            .order_by(PlaylistItem.planned_start)
        )
        found = list(get_session().scalars(query))
        get_session().expunge_all()
        return found


def end(item: PlaylistItem) -> datetime:
    return item.planned_start + timedelta(seconds=item.duration)


@pytest.fixture
def reported(app: Flask, client: FlaskClient, yesterday: date) -> Day:
    """Session 1 aired; session 2: aired, not aired (power cut), and aired but reported
    late through the device API."""
    first, second, third, fourth, fifth = items(app, OPERATOR_STATION, yesterday)
    assert (first.session_number, third.session_number) == (1, 2)
    sessions = [
        ([first, second], []),
        ([third], [Entry("k3", Status.NOT_AIRED, fourth.id, reason=NotAiredReason.POWER_CUT)]),
    ]
    with app.app_context():
        for key, (aired, others) in enumerate(sessions):
            entries = [
                Entry(f"k{key}-{i}", Status.AIRED, item.id, item.planned_start, end(item))
                for i, item in enumerate(aired)
            ]
            # Each session confirmed right after it ended, as an operator does.
            results = accept(
                get_session(),
                station(OPERATOR_STATION),
                entries + others,
                Actor(Source.DEVICE),
                Rules(grace=timedelta(hours=2)),
                now=end(fifth if key else second) + timedelta(minutes=5),
            )
            assert [r.outcome for r in results] == ["created"] * 2
    late = {
        "item_id": fifth.id,
        "client_key": "k4",
        "status": "aired",
        "started_at": fifth.planned_start.isoformat(),
        "ended_at": end(fifth).isoformat(),
    }
    answer = client.post(
        f"/api/v1/stations/{OPERATOR_STATION}/confirmations",
        json={"items": [late]},
        headers=device(app, OPERATOR_STATION),
    )
    assert answer.json["created"] == 1 and answer.json["items"][0]["late"]
    return Day(yesterday, f"?unit={DISTRICT}&from={yesterday}&to={yesterday}")


def tallies(app: Flask) -> tuple[int, int]:
    with app.app_context():
        session = get_session()
        return (
            session.scalar(select(func.count()).select_from(AiringTally)),
            session.scalar(select(func.count()).select_from(AiringDay)),
        )


def test_json_figures_are_what_was_posted(app, as_user, reported):
    client = as_user("auditor")
    answer = client.get(URL + reported.query)
    assert answer.status_code == 200, answer.json
    body = answer.json
    assert body["unit"]["code"] == DISTRICT and body["unit"]["name"] == "Huyện Cư Jút"
    assert body["unit"]["path"] == "Tỉnh Đắk Nông › Huyện Cư Jút"
    assert body["period"] == {"from": str(reported.day), "to": str(reported.day)}
    total = body["total"]
    assert total["planned_items"] == 10 and total["due_items"] == 10
    assert total["planned_minutes"] == pytest.approx(54 / 60)
    assert total["aired_items"] == 4 and total["aired_minutes"] == pytest.approx(24 / 60)
    assert (total["not_aired_items"], total["partly_items"]) == (1, 0)
    assert (total["unreported_items"], total["late_items"]) == (5, 1)
    assert total["rate"] == pytest.approx(0.4)
    assert body["sessions"]["sessions_unconfirmed"] == 2 and body["sessions"]["late_records"] == 1
    stations = {s["code"]: s for s in body["stations"]}
    assert len(stations) == len(COMMUNES)
    ours, silent = stations[OPERATOR_STATION], stations[SAME_DISTRICT_STATION]
    assert ours["figures"]["aired_items"] == 4 and ours["figures"]["late_items"] == 1
    assert ours["sessions"] == {
        "sessions_planned": 2,
        "sessions_due": 2,
        "sessions_unconfirmed": 0,
        "late_records": 1,
    }
    assert ours["unit_path"].endswith("Xã Ea Pô") and ours["last_contact"]
    assert silent["figures"]["unreported_items"] == 5 and silent["figures"]["rate"] == 0
    assert silent["sessions"]["sessions_unconfirmed"] == 2
    assert [d["day"] for d in body["days"]] == [str(reported.day)]
    topics = {t["topic"]["code"]: t["figures"] for t in body["topics"]}
    assert topics["an-ninh-to-quoc"]["aired_items"] == 2
    assert topics["an-ninh-to-quoc"]["planned_items"] == 4
    campaigns = {(c["campaign"] or {}).get("code"): c["figures"] for c in body["campaigns"]}
    assert campaigns[CAMPAIGN]["aired_items"] == 2 and campaigns[None]["aired_items"] == 2
    assert {q["kind"] for q in body["quotas"]} == {"segment_plays", "topic_minutes"}
    assert body["emergencies"] == []
    with app.app_context():
        session = get_session()
        (unit,) = units_by_code(session, DISTRICT)
        until = datetime.fromisoformat(body["anchor"]["until"])
        assert body["anchor"]["hash"] == daily_anchor(session, stations_under(session, unit), until)


def test_json_narrowed_to_a_campaign(as_user, reported):
    client = as_user("admin")
    body = client.get(f"{URL}{reported.query}&campaign={CAMPAIGN}").json
    assert body["campaign"]["code"] == CAMPAIGN
    total = body["total"]
    assert (total["planned_items"], total["aired_items"], total["unreported_items"]) == (4, 2, 2)
    assert total["planned_minutes"] == pytest.approx(20 / 60)
    assert [c["campaign"]["code"] for c in body["campaigns"]] == [CAMPAIGN]


def test_csv_by_station_with_total(app, as_user, reported):
    answer = as_user("auditor").get(f"{URL}.csv{reported.query}")
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    assert answer.data.startswith(b"\xef\xbb\xbf")
    name = f"bao-cao_huyen-cu-jut_{reported.day}_{reported.day}.csv"
    assert answer.headers["Content-Disposition"] == f'attachment; filename="{name}"'
    rows = list(csv.reader(io.StringIO(answer.data.decode("utf-8-sig"))))
    header = rows[0]
    assert header[:3] == [words(app, "Station code"), words(app, "Station"), words(app, "Unit")]
    assert words(app, "Items aired (%)") in header and words(app, "Last contact") in header
    by_code = {row[0]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    ours = by_code[OPERATOR_STATION]
    assert ours[words(app, "Items aired")] == "4"
    assert ours[words(app, "Minutes aired")] == "0.40"
    assert ours[words(app, "Items not aired")] == "1"
    assert ours[words(app, "Items aired (%)")] == "80.0"
    total = dict(zip(header, rows[-1], strict=True))
    assert rows[-1][0] == words(app, "Total") and len(rows) == len(COMMUNES) + 2
    assert total[words(app, "Items planned")] == "10"
    assert total[words(app, "Items aired (%)")] == "40.0"
    assert total[words(app, "Sessions not confirmed")] == "2"


def test_xlsx_sheets_formats_and_sums(app, as_user, reported):
    answer = as_user("auditor").get(f"{URL}.xlsx{reported.query}")
    assert answer.status_code == 200
    book = load_workbook(io.BytesIO(answer.data))
    names = ["Summary", "By station", "By day", "By topic", "By campaign", "Quotas", "Emergencies"]
    assert book.sheetnames == [words(app, name) for name in names]
    sheet = book[words(app, "By station")]
    header = [cell.value for cell in sheet[1]]
    assert header[0] == words(app, "Station code") and sheet["A1"].font.bold
    assert sheet.freeze_panes == "B2" and sheet.auto_filter.ref
    column = {name: i + 1 for i, name in enumerate(header)}
    rows = {sheet.cell(r, 1).value: r for r in range(2, sheet.max_row + 1)}
    ours = rows[OPERATOR_STATION]
    assert sheet.cell(ours, column[words(app, "Items aired")]).value == 4
    minutes = sheet.cell(ours, column[words(app, "Minutes aired")])
    assert minutes.value == pytest.approx(0.4) and minutes.number_format == "#,##0.0"
    rate = sheet.cell(ours, column[words(app, "Items aired (%)")])
    assert rate.value == pytest.approx(0.8) and rate.number_format == "0.0%"
    last = sheet.max_row
    assert sheet.cell(last, 1).value == words(app, "Total")
    letter = sheet.cell(1, column[words(app, "Items aired")]).column_letter
    assert sheet.cell(last, column[words(app, "Items aired")]).value == (
        f"=SUM({letter}2:{letter}{last - 1})"
    )
    assert str(sheet.cell(last, column[words(app, "Items aired (%)")]).value).startswith("=IF(")
    summary = book[words(app, "Summary")]
    texts = [str(c.value) for row in summary.iter_rows() for c in row if c.value is not None]
    assert "Tỉnh Đắk Nông › Huyện Cư Jút" in texts
    anchor = as_user("auditor").get(URL + reported.query).json["anchor"]["hash"]
    assert anchor in texts
    topics = book[words(app, "By topic")]
    assert "an-ninh-to-quoc" in [c.value for c in topics["A"]]


def pdf_text(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, check=True
    ).stdout.decode()


def check_pdf(app: Flask, path: Path) -> str:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, check=True).stdout.decode()
    assert "(A4)" in info
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, check=True)
    lines = [line for line in fonts.stdout.decode().splitlines() if "NotoSans" in line]
    assert lines and all(" yes " in line for line in lines), fonts.stdout
    text = " ".join(pdf_text(path).split())
    assert words(app, "RESULT REPORT") in text
    pages = int(next(line for line in info.splitlines() if line.startswith("Pages:")).split()[1])
    assert words(app, "Page %(page)s/%(pages)s", page=pages, pages=pages) in text
    return text


def test_cli_pdf_for_a_campaign(app, runner, reported, tmp_path, as_user):
    out = tmp_path / "bao-cao.pdf"
    args = ["report", "--unit", DISTRICT, "--from", str(reported.day), "--to", str(reported.day)]
    result = runner.invoke(args=[*args, "--format", "pdf", "-o", str(out), "--campaign", CAMPAIGN])
    assert result.exit_code == 0, result.output
    assert words(app, "Wrote %(path)s.", path=out) in result.output
    text = check_pdf(app, out)
    with app.app_context():
        campaign = get_session().scalar(select(Campaign).where(Campaign.code == CAMPAIGN))
        name, refs = campaign.name, campaign.legal_refs
    assert " ".join(name.split()) in text and "145/KH-BCĐ" in refs and "145/KH-BCĐ" in text
    assert "Huyện Cư Jút".upper() in text and "Tỉnh Đắk Nông › Huyện Cư Jút" in text
    for commune in COMMUNES:
        assert commune in text, commune
    anchor = as_user("auditor").get(URL + reported.query).json["anchor"]["hash"]
    assert anchor in text
    # The sentence under the hash says how to check it; doing so prints the same hash.
    check = ["audit", "anchor", "--unit", f"67:{DISTRICT}", "--date", str(reported.day)]
    assert f"radio {' '.join(check)}" in text
    assert runner.invoke(args=check).output.strip() == anchor


def test_api_pdf_of_the_province_has_a_line_per_district(app, as_user, reported, tmp_path):
    answer = as_user("admin").get(f"{URL}.pdf?unit=67&from={reported.day}&to={reported.day}")
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    (tmp_path / "r.pdf").write_bytes(answer.data)
    text = check_pdf(app, tmp_path / "r.pdf")
    with app.app_context():
        (province,) = units_by_code(get_session(), "67:67")
        districts = list(
            get_session().scalars(select(Unit.name).where(Unit.parent_id == province.id))
        )
    assert len(districts) == 8
    for district in districts:
        assert district in text, district


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_cli_writes_csv_and_xlsx(app, runner, reported, tmp_path, kind):
    folder = tmp_path / "out"
    folder.mkdir()
    out = folder / f"r.{kind}"
    args = ["report", "--unit", DISTRICT, "--from", str(reported.day), "--to", str(reported.day)]
    result = runner.invoke(args=[*args, "--format", kind, "-o", str(out)])
    assert result.exit_code == 0, result.output
    data = out.read_bytes()
    if kind == "csv":
        assert data.decode("utf-8-sig").startswith(words(app, "Station code"))
    else:
        assert load_workbook(io.BytesIO(data)).sheetnames[1] == words(app, "By station")
    assert list(folder.iterdir()) == [out]  # the temporary file is gone


def cli_refuses(app, runner, folder, unit, first, last, message, campaign=""):
    out = folder / "r.csv"
    args = ["report", "--unit", unit, "--from", first, "--to", last, "--format", "csv"]
    args += ["-o", str(out)] + (["--campaign", campaign] if campaign else [])
    before = tallies(app)
    result = runner.invoke(args=args)
    assert result.exit_code == 1 and message in result.output, result.output
    assert not out.exists() and list(folder.iterdir()) == []
    assert tallies(app) == before


def test_cli_refuses_bad_input(app, runner, reported, tmp_path):
    day, folder = str(reported.day), tmp_path / "out"
    folder.mkdir()
    missing = words(app, "No unit has the code %(code)s.", code="999999")
    cli_refuses(app, runner, folder, "999999", day, day, missing)
    bad = words(
        app,
        "The date “%(value)s” is not valid: write it as YYYY-MM-DD, for example %(example)s.",
        value="28/11/2026",
        example=date.today().isoformat(),
    )
    cli_refuses(app, runner, folder, DISTRICT, "28/11/2026", day, bad)
    never = words(app, "The date “%(value)s” does not exist.", value="2026-02-30")
    cli_refuses(app, runner, folder, DISTRICT, "2026-02-30", day, never)
    backwards = words(app, "The period ends before it starts.")
    cli_refuses(app, runner, folder, DISTRICT, day, "2020-01-01", backwards)
    campaign = words(app, "No campaign has the code %(code)s.", code="khong-co")
    cli_refuses(app, runner, folder, DISTRICT, day, day, campaign, campaign="khong-co")
    nowhere = folder / "none" / "r.csv"
    args = ["report", "--unit", DISTRICT, "--from", day, "--to", day, "--format", "csv"]
    result = runner.invoke(args=[*args, "-o", str(nowhere)])
    message = words(app, "The folder %(folder)s does not exist.", folder=folder / "none")
    assert result.exit_code == 1 and message in result.output


def refused(app, client, query, status, detail=None, headers=None, suffix=""):
    before = tallies(app)
    answer = client.get(f"{URL}{suffix}{query}", headers=headers or {})
    assert answer.status_code == status, answer.get_data(as_text=True)
    assert answer.mimetype == "application/problem+json"
    if detail is not None:
        assert answer.json["detail"] == detail
    assert tallies(app) == before  # nothing computed


def test_api_refuses_bad_periods_and_missing_parameters(app, as_user, reported):
    client, day = as_user("auditor"), reported.day
    missing = words(
        app,
        "Give %(names)s in the query, for example ?unit=662&from=2026-07-01&to=2026-07-31.",
        names="from, to",
    )
    refused(app, client, f"?unit={DISTRICT}", 400, missing)
    backwards = words(app, "The period ends before it starts.")
    refused(app, client, f"?unit={DISTRICT}&from={day}&to=2020-01-01", 400, backwards)
    too_long = words(app, "A report covers at most %(days)s days: split the period.", days=400)
    refused(
        app, client, f"?unit={DISTRICT}&from=2025-01-01&to={day}", 400, too_long, suffix=".xlsx"
    )
    never = words(app, "The date “%(value)s” does not exist.", value="2026-02-30")
    refused(app, client, f"?unit={DISTRICT}&from=2026-02-30&to={day}", 400, never, suffix=".csv")
    campaign = words(app, "No campaign has the code %(code)s.", code="x")
    refused(app, client, f"?unit={DISTRICT}&from={day}&to={day}&campaign=x", 400, campaign)


def test_api_refuses_whoever_may_not_see_the_unit(app, as_user, reported):
    day = reported.day
    query = f"?unit={OTHER_DISTRICT}&from={day}&to={day}"
    refused(app, as_user("auditor"), query, 403)
    refused(app, as_user("auditor"), f"?unit=67&from={day}&to={day}", 403, suffix=".pdf")
    refused(app, as_user("auditor"), f"?unit=999999&from={day}&to={day}", 403)
    for role in ("operator", "editor", "planner"):
        refused(app, as_user(role), f"?unit={DISTRICT}&from={day}&to={day}", 403, suffix=".csv")
    admin = as_user("admin")
    unknown = words(app, "No unit has the code %(code)s.", code="999999")
    refused(app, admin, f"?unit=999999&from={day}&to={day}", 400, unknown)
    token = device(app, OPERATOR_STATION)
    refused(app, admin, f"?unit={DISTRICT}&from={day}&to={day}", 403, headers=token)
    assert admin.get(f"{URL}?unit={OTHER_DISTRICT}&from={day}&to={day}").status_code == 200


def test_openapi_documents_the_report(client, as_user):
    spec = as_user("auditor").get("/api/v1/openapi.json").json
    path = spec["paths"]["/api/v1/reports/compliance"]["get"]
    assert {p["name"] for p in path["parameters"]} >= {"unit", "from", "to", "campaign"}
    schema = spec["components"]["schemas"]["Compliance"]
    assert {"total", "stations", "quotas", "emergencies", "anchor"} <= set(schema["properties"])
    for suffix in (".csv", ".xlsx", ".pdf"):
        assert f"/api/v1/reports/compliance{suffix}" in spec["paths"]
