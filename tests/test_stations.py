"""Stations: pages, create and edit, device tokens from the web, the CLI and the API."""

import json
import unicodedata

import pytest
from sqlalchemy import func, select

from radio.db import get_session
from radio.tokens import AccessToken
from scheduler.stations import StationError, save_station
from scheduler.units import Station, units_by_code
from tests.conftest import OPERATOR_STATION, OTHER_DISTRICT_STATION, csrf_token


def station_count(app) -> int:
    with app.app_context():
        return get_session().scalar(select(func.count()).select_from(Station))


def commune_id(app, code: str) -> int:
    with app.app_context():
        (unit,) = units_by_code(get_session(), code)
        return unit.id


def form(app, token: str, **changes: object) -> dict[str, object]:
    data = {
        "csrf_token": token,
        "code": "CJ-MOI",
        "name": "Đài truyền thanh Cụm Mới",
        "unit_id": commune_id(app, "67:24646"),
        "timezone": "Asia/Ho_Chi_Minh",
        "kind": "ip",
        "clusters": 4,
        "contact": "Anh Y Bhin, 0912 345 678",
        "active": "y",
    }
    data.update(changes)
    return data


def test_operator_page_shows_station_in_vietnamese(client, as_user):
    as_user("operator")
    page = client.get(f"/stations/{OPERATOR_STATION}").get_data(as_text=True)
    assert "Đài truyền thanh Xã Ea Pô" in page
    assert "Tỉnh Đắk Nông › Huyện Cư Jút › Xã Ea Pô" in page
    assert "Mã truy cập thiết bị" not in page  # operators do not manage device tokens


def test_admin_creates_and_edits_a_station(client, as_user, app):
    as_user("admin")
    token = csrf_token(client, "/stations/new")
    response = client.post("/stations/new", data=form(app, token))
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/stations/CJ-MOI")
    response = client.post(
        "/stations/CJ-MOI/edit", data=form(app, token, clusters=6, name="Đài Cụm Mới")
    )
    assert response.status_code == 302
    with app.app_context():
        station = get_session().scalar(select(Station).where(Station.code == "CJ-MOI"))
        assert (station.clusters, station.name, station.kind) == (6, "Đài Cụm Mới", "ip")
        assert station.unit.name == "Xã Ea Pô"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"unit_id": 999999}, "Lựa chọn không hợp lệ"),
        ({"code": "../etc"}, "mã đài"),
        ({"code": OPERATOR_STATION}, "đã được sử dụng"),
        ({"timezone": "Mars/Olympus"}, "Múi giờ"),
        ({"clusters": 0}, ""),
        ({"kind": "satellite"}, ""),
    ],
)
def test_bad_station_is_refused_and_nothing_stored(client, as_user, app, changes, message):
    as_user("admin")
    token = csrf_token(client, "/stations/new")
    before = station_count(app)
    response = client.post("/stations/new", data=form(app, token, **changes))
    assert response.status_code == 422
    assert message.lower() in response.get_data(as_text=True).lower()
    assert station_count(app) == before


def test_station_in_unknown_unit_is_refused_by_the_domain(app):

    with app.app_context(), pytest.raises(StationError) as caught:
        save_station(
            get_session(),
            Station(code="X-1", name="X", timezone="Asia/Ho_Chi_Minh", kind="fm", clusters=1),
            None,
        )
    assert caught.value.kind == "unknown_unit"


def test_nfd_station_name_is_stored_nfc(client, as_user, app):

    as_user("admin")
    token = csrf_token(client, "/stations/new")
    nfd = unicodedata.normalize("NFD", "Đài Hòa Bình Lương")
    client.post("/stations/new", data=form(app, token, name=nfd))
    with app.app_context():
        station = get_session().scalar(select(Station).where(Station.code == "CJ-MOI"))
        assert station.name == unicodedata.normalize("NFC", nfd)


def issue_from_web(client, code: str) -> str:
    token = csrf_token(client, f"/stations/{code}")
    page = client.post(
        f"/stations/{code}/tokens", data={"csrf_token": token, "label": "Máy tính đài"}
    ).get_data(as_text=True)
    start = page.index("lxs_")
    return page[start : page.index("<", start)]


def test_device_token_is_shown_once_and_stored_hashed(client, as_user, app):
    as_user("admin")
    plain = issue_from_web(client, OPERATOR_STATION)
    assert plain not in client.get(f"/stations/{OPERATOR_STATION}").get_data(as_text=True)
    with app.app_context():
        stored = get_session().scalars(select(AccessToken)).all()
        assert all(plain not in (t.digest, t.hint) for t in stored)


def test_device_token_reaches_only_its_station(client, as_user, app):
    as_user("admin")
    plain = issue_from_web(client, OPERATOR_STATION)
    device = app.test_client()
    headers = {"Authorization": f"Bearer {plain}"}
    own = device.get(f"/api/v1/stations/{OPERATOR_STATION}", headers=headers)
    assert own.status_code == 200
    assert own.json["unit_path"] == "Tỉnh Đắk Nông › Huyện Cư Jút › Xã Ea Pô"
    other = device.get(f"/api/v1/stations/{OTHER_DISTRICT_STATION}", headers=headers)
    assert other.status_code == 403
    assert other.mimetype == "application/problem+json"
    assert device.get("/api/v1/stations", headers=headers).status_code == 403
    assert device.get("/api/v1/me", headers=headers).json["station_code"] == OPERATOR_STATION


def test_revoked_and_wrong_tokens_are_refused(client, as_user, app):
    as_user("admin")
    plain = issue_from_web(client, OPERATOR_STATION)
    with app.app_context():
        token_id = get_session().scalar(
            select(AccessToken.id).where(AccessToken.label == "Máy tính đài")
        )
    csrf = csrf_token(client, f"/stations/{OPERATOR_STATION}")
    client.post(f"/stations/{OPERATOR_STATION}/tokens/{token_id}/revoke", data={"csrf_token": csrf})
    device = app.test_client()
    for bad in (plain, plain[:-1] + "x", "lxs_guess", ""):
        response = device.get(
            f"/api/v1/stations/{OPERATOR_STATION}", headers={"Authorization": f"Bearer {bad}"}
        )
        assert response.status_code == 401, bad
        assert response.json["status"] == 401
        assert "mã truy cập" in response.json["detail"].lower()


def test_station_token_cli(runner, app):
    result = runner.invoke(args=["station-token", OPERATOR_STATION, "--label", "loa IP"])
    assert result.exit_code == 0
    plain = result.output.strip()
    assert plain.startswith("lxs_")
    response = app.test_client().get(
        f"/api/v1/stations/{OPERATOR_STATION}", headers={"Authorization": f"Bearer {plain}"}
    )
    assert response.status_code == 200


def test_station_token_cli_unknown_station(runner):
    result = runner.invoke(args=["station-token", "NO-SUCH"])
    assert result.exit_code != 0
    assert "NO-SUCH" in result.output


def test_stations_cli_lists_code_name_path(runner):

    result = runner.invoke(args=["stations", "--json"])
    rows = {r["code"]: r for r in json.loads(result.output)}
    assert rows[OPERATOR_STATION]["unit_path"] == "Tỉnh Đắk Nông › Huyện Cư Jút › Xã Ea Pô"
    plain = runner.invoke(args=["stations"]).output
    assert f"{OPERATOR_STATION}\tĐài truyền thanh Xã Ea Pô\t" in plain


def test_station_search(client, as_user):
    as_user("auditor")
    page = client.get("/stations?q=Ea Pô").get_data(as_text=True)
    assert OPERATOR_STATION in page
    assert "67-24640" not in page


def test_token_use_is_recorded_to_the_minute(runner, app):
    plain = runner.invoke(args=["station-token", OPERATOR_STATION]).output.strip()
    device = app.test_client()
    headers = {"Authorization": f"Bearer {plain}"}

    def last_used():  # type: ignore[no-untyped-def]
        with app.app_context():
            return get_session().scalar(select(AccessToken.last_used_at))

    device.get(f"/api/v1/stations/{OPERATOR_STATION}", headers=headers)
    first = last_used()
    assert first is not None  # auditors see when a device last called
    device.get(f"/api/v1/stations/{OPERATOR_STATION}", headers=headers)
    assert last_used() == first  # no write on every poll
