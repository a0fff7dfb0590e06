"""Managing people: roles, scopes, operators bound to stations, personal tokens."""

import pytest
from sqlalchemy import func, select

from radio.db import get_session
from radio.people import User, find_user
from radio.tokens import AccessToken
from scheduler.units import Station, units_by_code
from tests.conftest import (
    OPERATOR_STATION,
    OTHER_DISTRICT_STATION,
    add_user,
    csrf_token,
    login,
    personal_token,
)


def user_count(app) -> int:
    with app.app_context():
        return get_session().scalar(select(func.count()).select_from(User))


def ids(app) -> dict[str, int]:
    with app.app_context():
        session = get_session()
        (district,) = units_by_code(session, "67:662")
        station = session.scalar(select(Station).where(Station.code == OPERATOR_STATION))
        return {"district": district.id, "station": station.id}


def test_admin_creates_an_operator_who_can_log_in(client, as_user, app):
    as_user("admin")
    token = csrf_token(client, "/users/new")
    response = client.post(
        "/users/new",
        data={
            "csrf_token": token,
            "username": "Nhanvien.EaPo",
            "full_name": "Y Bhin Niê",
            "role": "operator",
            "unit_id": ids(app)["district"],
            "station_id": ids(app)["station"],
            "password": "mat-khau-dai-xa",
            "active": "y",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        user = find_user(get_session(), "nhanvien.eapo")
        assert user.station.code == OPERATOR_STATION
        assert user.unit.name == "Xã Ea Pô"  # an operator's scope is its station's commune
    other = app.test_client()
    assert login(other, "nhanvien.eapo", "mat-khau-dai-xa").status_code == 302


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"role": "operator", "station_id": 0}, "phải được gắn với một đài"),
        ({"password": "short"}, "8"),
        ({"username": "auditor"}, "đã được sử dụng"),
        ({"role": "superuser"}, "Lựa chọn không hợp lệ"),
    ],
)
def test_bad_user_is_refused_and_nothing_stored(client, as_user, app, changes, message):
    as_user("admin")
    token = csrf_token(client, "/users/new")
    data = {
        "csrf_token": token,
        "username": "moi",
        "full_name": "",
        "role": "editor",
        "unit_id": ids(app)["district"],
        "station_id": 0,
        "password": "mat-khau-du-dai",
    }
    data.update(changes)
    before = user_count(app)
    response = client.post("/users/new", data=data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert user_count(app) == before


def test_scoped_admin_cannot_grant_the_whole_system(client, app):
    add_user(app, "huyen-admin", "admin", "67:662", "huyen-admin-pass")
    login(client, "huyen-admin", "huyen-admin-pass")
    token = csrf_token(client, "/users/new")
    before = user_count(app)
    response = client.post(
        "/users/new",
        data={
            "csrf_token": token,
            "username": "sieu",
            "role": "admin",
            "unit_id": 0,
            "station_id": 0,
            "password": "mat-khau-du-dai",
        },
    )
    assert response.status_code == 422
    assert user_count(app) == before
    page = client.get("/users").get_data(as_text=True)
    assert "auditor" in page and "planner" not in page  # only people of its district


def test_admin_cannot_lock_themselves_out(client, as_user, app):
    as_user("admin")
    with app.app_context():
        admin_id = find_user(get_session(), "admin").id
    token = csrf_token(client, f"/users/{admin_id}")
    client.post(
        f"/users/{admin_id}",
        data={
            "csrf_token": token,
            "username": "admin",
            "role": "admin",
            "unit_id": 0,
            "station_id": 0,
        },
    )
    with app.app_context():
        assert find_user(get_session(), "admin").active


def test_personal_token_acts_as_its_person(client, as_user, app):
    as_user("auditor")
    plain = personal_token(client, "báo cáo")
    script = app.test_client()
    headers = {"Authorization": f"Bearer {plain}"}
    me = script.get("/api/v1/me", headers=headers).json
    assert (me["kind"], me["username"], me["role"]) == ("person", "auditor", "auditor")
    assert script.get(f"/api/v1/stations/{OPERATOR_STATION}", headers=headers).status_code == 200
    assert (
        script.get(f"/api/v1/stations/{OTHER_DISTRICT_STATION}", headers=headers).status_code == 403
    )
    assert script.get_cookie("loaxa_session") is None  # a token never becomes a session
    assert script.get("/", headers=headers).status_code == 302  # and opens no web page


def test_district_admin_cannot_touch_what_is_outside(client, app, runner):
    add_user(app, "cujut-admin", "admin", "67:662", "cujut-admin-pass")
    plain = runner.invoke(args=["station-token", OTHER_DISTRICT_STATION]).output.strip()
    with app.app_context():
        session = get_session()
        planner_id = find_user(session, "planner").id
        other_token = session.scalar(select(AccessToken.id))
    login(client, "cujut-admin", "cujut-admin-pass")
    token = csrf_token(client, "/profile")
    assert client.get(f"/users/{planner_id}").status_code == 403
    assert (
        client.post(
            f"/users/{planner_id}", data={"csrf_token": token, "username": "x", "role": "admin"}
        ).status_code
        == 403
    )
    revoke = f"/stations/{OTHER_DISTRICT_STATION}/tokens/{other_token}/revoke"
    assert client.post(revoke, data={"csrf_token": token}).status_code == 403
    assert client.get(f"/stations/{OTHER_DISTRICT_STATION}/edit").status_code == 403
    with app.app_context():
        assert find_user(get_session(), "planner").role == "planner"
    still = app.test_client().get(
        f"/api/v1/stations/{OTHER_DISTRICT_STATION}", headers={"Authorization": f"Bearer {plain}"}
    )
    assert still.status_code == 200  # the token was not revoked
    assert client.get(f"/stations/{OPERATOR_STATION}/edit").status_code == 200
