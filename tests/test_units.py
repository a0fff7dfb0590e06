"""The unit tree: CSV import (CLI and web), its bad inputs, and two-tier provinces."""

import unicodedata
from io import BytesIO
from pathlib import Path

import pytest
from sqlalchemy import func, select

from radio.db import get_session
from radio.messages import describe_problem
from scheduler.stations import save_station
from scheduler.unit_import import UnitImportError, import_units
from scheduler.units import Station, Unit, ancestors, units_by_code
from tests.conftest import add_user, csrf_token, login

DATA = Path(__file__).parent.parent / "radio" / "data" / "units"
HEADER = "code,name,tier,parent_code\n"


def unit_count(app) -> int:
    with app.app_context():
        return get_session().scalar(select(func.count()).select_from(Unit))


def test_demo_has_dak_nong_2021(app):
    with app.app_context():
        session = get_session()
        (province,) = units_by_code(session, "67")
        assert province.name == "Tỉnh Đắk Nông"
        assert len(province.children) == 8
        communes = session.scalar(
            select(func.count()).where(Unit.tree == "67", Unit.tier == "commune")
        )
        assert communes == 71
        (ea_po,) = units_by_code(session, "67:24646")
        assert [u.name for u in ancestors(session, ea_po)] == [
            "Tỉnh Đắk Nông",
            "Huyện Cư Jút",
            "Xã Ea Pô",
        ]


def test_two_tier_province_loads_with_one_command(runner, app):
    result = runner.invoke(args=["units", "import", str(DATA / "lam-dong-2025.csv")])
    assert result.exit_code == 0, result.output
    assert "125" in result.output
    with app.app_context():
        session = get_session()
        (province,) = units_by_code(session, "68")
        assert province.name == "Tỉnh Lâm Đồng"
        assert all(child.tier == "commune" for child in province.children)
        assert len(province.children) == 124
        # 24611 is a ward of Gia Nghĩa in 2021 and a different ward in 2025: both stay.
        assert {u.tree for u in units_by_code(session, "24611")} == {"67", "68"}


def test_import_is_idempotent(runner, app):
    before = unit_count(app)
    result = runner.invoke(args=["units", "import", str(DATA / "dak-nong-2021.csv")])
    assert result.exit_code == 0
    assert "80" in result.output
    assert unit_count(app) == before


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            HEADER + "70,Tỉnh Mới,province,\n70001,Xã Một,commune,70999\n",
            "Dòng 3",
        ),  # missing parent
        (
            HEADER + "70,Tỉnh Mới,province,\n70001,Xã Một,commune,70\n70001,Xã Hai,commune,70\n",
            "70001",
        ),  # duplicate code
        (HEADER + "70,Tỉnh Mới,state,\n", "state"),  # unknown tier
        ("ma,ten\n70,Tỉnh Mới\n", "tier"),  # wrong header
        (HEADER, ""),  # no rows
    ],
)
def test_bad_csv_is_refused_and_changes_nothing(runner, app, tmp_path, content, message):
    before = unit_count(app)
    path = tmp_path / "units.csv"
    path.write_text(content, encoding="utf-8")
    result = runner.invoke(args=["units", "import", str(path)])
    assert result.exit_code != 0
    assert message in result.output
    assert "Không có dữ liệu nào được nhập" in result.output
    assert unit_count(app) == before


def test_missing_parent_is_worded_in_vietnamese(app):
    data = (HEADER + "70,Tỉnh Mới,province,\n70001,Xã Một,commune,70999\n").encode()
    with app.app_context():
        session = get_session()
        with pytest.raises(UnitImportError) as caught:
            import_units(session, data)
        session.rollback()

        text = describe_problem(caught.value.problems[0])
    assert text.startswith("Dòng 3:")
    assert "70999" in text


def test_bad_encoding_is_refused(runner, app, tmp_path):
    before = unit_count(app)
    path = tmp_path / "units.csv"
    path.write_bytes((HEADER + "70,Xã Hòa,province,\n").encode("latin-1"))
    result = runner.invoke(args=["units", "import", str(path)])
    assert result.exit_code != 0
    assert "UTF-8" in result.output
    assert unit_count(app) == before


def test_nfd_text_is_stored_nfc(runner, app, tmp_path):
    name = unicodedata.normalize("NFD", "Tỉnh Đắk Lắk Thử")
    assert name != unicodedata.normalize("NFC", name)
    path = tmp_path / "units.csv"
    path.write_text(HEADER + f"71,{name},province,\n", encoding="utf-8")
    assert runner.invoke(args=["units", "import", str(path)]).exit_code == 0
    with app.app_context():
        (unit,) = units_by_code(get_session(), "71")
        assert unit.name == "Tỉnh Đắk Lắk Thử"
        assert unicodedata.is_normalized("NFC", unit.name)


def test_excel_bom_is_accepted(runner, app, tmp_path):
    path = tmp_path / "units.csv"
    path.write_bytes(b"\xef\xbb\xbf" + (HEADER + "72,Tỉnh Có BOM,province,\n").encode())
    assert runner.invoke(args=["units", "import", str(path)]).exit_code == 0


def test_parent_may_be_a_stored_unit(runner, app, tmp_path):
    path = tmp_path / "units.csv"
    path.write_text(HEADER + "99901,Xã Mới Lập,commune,662\n", encoding="utf-8")
    assert runner.invoke(args=["units", "import", str(path)]).exit_code == 0
    with app.app_context():
        (unit,) = units_by_code(get_session(), "99901")
        assert unit.parent.name == "Huyện Cư Jút"


def test_web_import_by_admin(client, as_user, app):
    as_user("admin")
    token = csrf_token(client, "/profile")
    before = unit_count(app)
    data = {
        "csrf_token": token,
        "file": (BytesIO((HEADER + "73,Tỉnh Web,province,\n").encode()), "u.csv"),
    }
    response = client.post("/units/import", data=data, content_type="multipart/form-data")
    assert response.status_code == 302
    assert unit_count(app) == before + 1


def test_web_import_errors_are_listed_and_nothing_changes(client, as_user, app):
    as_user("admin")
    token = csrf_token(client, "/profile")
    before = unit_count(app)
    bad = HEADER + "74,Tỉnh A,province,\n74001,Xã B,commune,74999\n"
    data = {"csrf_token": token, "file": (BytesIO(bad.encode()), "u.csv")}
    response = client.post("/units/import", data=data, content_type="multipart/form-data")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Dòng 3" in page and "74999" in page
    assert unit_count(app) == before


def test_scoped_admin_cannot_import_outside_scope(client, app, runner):
    add_user(app, "district-admin", "admin", "67:662", "district-pass")
    login(client, "district-admin", "district-pass")
    token = csrf_token(client, "/profile")
    before = unit_count(app)
    data = {
        "csrf_token": token,
        "file": (BytesIO((HEADER + "75,Tỉnh Khác,province,\n").encode()), "u.csv"),
    }
    response = client.post("/units/import", data=data, content_type="multipart/form-data")
    assert response.status_code == 403
    assert unit_count(app) == before


def test_add_child_unit_and_rename(client, as_user, app):
    as_user("admin")
    with app.app_context():
        (district,) = units_by_code(get_session(), "67:662")
        district_id = district.id
    token = csrf_token(client, f"/units/{district_id}")
    response = client.post(
        f"/units/{district_id}/children",
        data={"csrf_token": token, "code": "99902", "name": "Xã Tân Lập", "tier": "commune"},
    )
    assert response.status_code == 302
    client.post(
        f"/units/{district_id}/edit", data={"csrf_token": token, "name": "Huyện Cư Jút (mới)"}
    )
    with app.app_context():
        session = get_session()
        (new,) = units_by_code(session, "99902")
        assert new.parent_id == district_id
        assert session.get(Unit, district_id).name == "Huyện Cư Jút (mới)"


def test_unit_page_shows_children(client, as_user, app):
    as_user("auditor")
    response = client.get("/units")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Huyện Cư Jút" in page and "Xã Ea Pô" in page


def test_moving_a_unit_carries_its_subtree(runner, app, tmp_path):
    """Gia Nghĩa moved under a new region: its wards' paths follow."""
    path = tmp_path / "units.csv"
    path.write_text(
        HEADER + "6799,Vùng Thử,district,67\n660,Thành phố Gia Nghĩa,district,6799\n",
        encoding="utf-8",
    )
    result = runner.invoke(args=["units", "import", str(path)])
    assert result.exit_code == 0, result.output
    with app.app_context():
        session = get_session()
        (ward,) = units_by_code(session, "67:24611")
        assert [u.name for u in ancestors(session, ward)] == [
            "Tỉnh Đắk Nông",
            "Vùng Thử",
            "Thành phố Gia Nghĩa",
            "Phường Nghĩa Đức",
        ]


def test_a_unit_cannot_move_under_itself(runner, app, tmp_path):
    path = tmp_path / "units.csv"
    path.write_text(HEADER + "662,Huyện Cư Jút,district,24646\n", encoding="utf-8")
    before = unit_count(app)
    result = runner.invoke(args=["units", "import", str(path)])
    assert result.exit_code != 0
    assert "662" in result.output
    assert unit_count(app) == before


def test_two_tier_province_pages_and_scopes(runner, app, client):
    """Lâm Đồng (no districts): an auditor at the province sees its stations only."""
    assert runner.invoke(args=["units", "import", str(DATA / "lam-dong-2025.csv")]).exit_code == 0
    with app.app_context():
        session = get_session()
        (province,) = units_by_code(session, "68")
        (commune,) = units_by_code(session, "68:24611")
        save_station(
            session,
            Station(
                code="68-24611",
                name="Đài Phường Bắc Gia Nghĩa",
                timezone="Asia/Ho_Chi_Minh",
                kind="ip",
                clusters=2,
                active=True,
                contact="",
            ),
            commune,
        )
        session.commit()
        province_id = province.id
    add_user(app, "ld-auditor", "auditor", "68", "ld-auditor-pass")
    login(client, "ld-auditor", "ld-auditor-pass")
    codes = {s["code"] for s in client.get("/api/v1/stations").json}
    assert codes == {"68-24611"}
    station = client.get("/api/v1/stations/68-24611").json
    assert station["unit_path"] == "Tỉnh Lâm Đồng › Phường Bắc Gia Nghĩa"
    assert client.get("/stations/67-24611").status_code == 403  # same code, other tree
    page = client.get(f"/units/{province_id}").get_data(as_text=True)
    assert "Phường Bắc Gia Nghĩa" in page
