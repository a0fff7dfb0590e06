"""Session template pages: the week of a unit or station, the forms, overrides and limits."""

import json
from datetime import time

import pytest
from markupsafe import escape
from sqlalchemy import func, select

from audio_library.jobs import Job
from radio.db import get_session
from radio.schedule_messages import describe_error
from scheduler.build_job import KIND as BUILD_KIND
from scheduler.errors import ScheduleError
from scheduler.playlist_views import place_week
from scheduler.playlists import PlaylistSession
from scheduler.rules import UnitRules
from scheduler.templates import ItemKind, SessionTemplate
from scheduler.units import Station, units_by_code
from tests.conftest import (
    OPERATOR_STATION,
    OTHER_PROVINCE_STATION,
    SAME_DISTRICT_STATION,
    add_user,
    csrf_token,
)
from tests.test_playlist_pages import add_segment, build, this_monday

STATION_PAGE = f"/templates/stations/{OPERATOR_STATION}"
NEW_AT_STATION = f"/templates/stations/{OPERATOR_STATION}/new"


def unit_id(app, code: str) -> int:
    with app.app_context():
        (unit,) = units_by_code(get_session(), code)
        return unit.id


def template_id(app, label: str) -> int:
    with app.app_context():
        return get_session().scalar(
            select(SessionTemplate.id).where(SessionTemplate.label == label)
        )


def template_count(app) -> int:
    with app.app_context():
        return get_session().scalar(select(func.count()).select_from(SessionTemplate))


def topic_id(app, code: str) -> int:
    from audio_library.segments import Topic

    with app.app_context():
        return get_session().scalar(select(Topic.id).where(Topic.code == code))


def build_jobs(app) -> list[dict]:
    with app.app_context():
        jobs = get_session().scalars(select(Job).where(Job.kind == BUILD_KIND))
        return [json.loads(j.params) for j in jobs]


def station_ids(app, *codes: str) -> list[int]:
    with app.app_context():
        query = select(Station.id).where(Station.code.in_(codes)).order_by(Station.id)
        return list(get_session().scalars(query))


def form(app, token: str, **changes: object) -> dict[str, object]:
    """A filled template form: a weekday noon session taking notices."""
    data: dict[str, object] = {
        "csrf_token": token,
        "label": "Buổi trưa",
        "weekdays": ["1", "2", "3", "4", "5"],
        "starts_at": "11:00",
        "max_minutes": "20",
        "valid_from": "",
        "valid_until": "",
        "gap_seconds": "2",
        "opening_id": "0",
        "closing_id": "0",
        "fills-0": str(topic_id(app, "thong-bao")),
        "fills-1": "any",
    }
    for i in range(3):
        data.update({f"relays-{i}-title": "", f"relays-{i}-url": "", f"relays-{i}-minutes": ""})
    data.update(changes)
    return data


def shown(app, error: ScheduleError) -> str:
    """The error's wording as the (Vietnamese) page shows it."""
    with app.test_request_context():
        return str(escape(describe_error(error)))


def test_station_week_shows_inherited_sessions(client, as_user):
    as_user("operator")
    response = client.get(STATION_PAGE)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Lịch phát trong tuần tại đây" in page
    assert "Buổi sáng" in page and "06:00–06:30" in page
    assert "Buổi chiều" in page and "17:00–17:30" in page
    assert "kế thừa từ Tỉnh Đắk Nông" in page
    assert "Phòng, chống ma túy" in page  # a fill topic of the afternoon
    assert "21:00–06:00" in page  # the province's quiet hours
    assert "Thêm buổi phát" not in page  # operators only look
    assert "Đặt riêng tại đây" not in page


@pytest.mark.parametrize(
    ("user", "path", "status"),
    [
        ("operator", f"/templates/stations/{SAME_DISTRICT_STATION}", 403),
        ("operator", "/templates/units/{district}", 403),
        ("auditor", f"/templates/stations/{OTHER_PROVINCE_STATION}", 403),
        ("auditor", "/templates/units/{district}", 200),
        ("planner", "/templates/units/{tree99}", 403),
        ("auditor", "/templates/units/{district}/new", 403),
        ("auditor", NEW_AT_STATION, 403),
        ("operator", NEW_AT_STATION, 403),
        ("planner", f"/templates/stations/{OTHER_PROVINCE_STATION}/new", 403),
        ("auditor", "/templates/units/{district}/rules", 403),
    ],
)
def test_pages_check_role_and_scope(client, as_user, app, user, path, status):
    as_user(user)
    path = path.format(district=unit_id(app, "67:662"), tree99=unit_id(app, "99:99"))
    assert client.get(path).status_code == status


def test_planner_adds_a_station_session_and_a_rebuild_is_queued(client, as_user, app):
    as_user("planner")
    token = csrf_token(client, NEW_AT_STATION)
    response = client.post(NEW_AT_STATION, data=form(app, token))
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.headers["Location"].endswith(STATION_PAGE)
    page = client.get(STATION_PAGE).get_data(as_text=True)
    assert "Đã lưu buổi phát “Buổi trưa”." in page
    assert "11:00–11:20" in page and "đặt tại đây" in page
    with app.app_context():
        template = get_session().scalar(
            select(SessionTemplate).where(SessionTemplate.label == "Buổi trưa")
        )
        assert template.weekdays == "12345"
        assert template.starts_at == time(11, 0)
        assert [(i.kind, i.topic_id) for i in template.items] == [
            (ItemKind.FILL, topic_id(app, "thong-bao")),
            (ItemKind.FILL, None),
        ]
    assert build_jobs(app)[-1]["station_ids"] == station_ids(app, OPERATOR_STATION)


def test_unit_session_reaches_every_station_below(client, as_user, app):
    as_user("planner")
    district = unit_id(app, "67:662")
    path = f"/templates/units/{district}/new"
    response = client.post(path, data=form(app, csrf_token(client, path)))
    assert response.status_code == 302
    assert len(build_jobs(app)[-1]["station_ids"]) == 8  # the communes of Cư Jút
    page = client.get(STATION_PAGE).get_data(as_text=True)
    assert "kế thừa từ Huyện Cư Jút" in page


def test_items_relays_jingles_and_edit(client, as_user, app, tmp_path):
    jingle = add_segment(app, tmp_path, "Nhạc hiệu Đài Ea Pô", "nhac-hieu", 8, 880)
    as_user("planner")
    token = csrf_token(client, NEW_AT_STATION)
    page = client.get(NEW_AT_STATION).get_data(as_text=True)
    assert "Nhạc hiệu Đài Ea Pô (Nhạc hiệu, nhận diện đài)" in page
    data = form(
        app,
        token,
        opening_id=str(jingle),
        closing_id=str(jingle),
        **{
            "relays-0-title": "Thời sự VOV1",
            "relays-0-url": "https://stream.example.vn/vov1",
            "relays-0-minutes": "10",
        },
    )
    assert client.post(NEW_AT_STATION, data=data).status_code == 302
    saved = template_id(app, "Buổi trưa")
    edit = client.get(f"/templates/{saved}/edit").get_data(as_text=True)
    assert 'value="Thời sự VOV1"' in edit and 'value="11:00"' in edit
    # Air it: the playlist names the template items it came from.
    build(app, this_monday(), 7, [OPERATOR_STATION])
    data = form(app, token, label="Buổi trưa (sửa)", max_minutes="25", closing_id="0")
    response = client.post(f"/templates/{saved}/edit", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        template = get_session().get(SessionTemplate, saved)
        assert (template.label, template.max_minutes) == ("Buổi trưa (sửa)", 25)
        assert [i.kind for i in template.items] == [ItemKind.FILL, ItemKind.FILL]


@pytest.mark.parametrize(
    ("changes", "error", "field"),
    [
        (
            {"starts_at": "06:15"},
            ScheduleError(
                "overlap", station=OPERATOR_STATION, first="Buổi sáng", second="Buổi trưa"
            ),
            "starts_at",
        ),
        (
            {"max_minutes": "90", "starts_at": "08:00"},
            ScheduleError("session_too_long", station=OPERATOR_STATION, limit=60),
            "max_minutes",
        ),
        (
            {"starts_at": "21:30"},
            ScheduleError(
                "quiet_hours",
                station=OPERATOR_STATION,
                quiet_from="21:00",
                quiet_until="06:00",
            ),
            "starts_at",
        ),
        (
            {"starts_at": "05:50"},
            ScheduleError(
                "quiet_hours",
                station=OPERATOR_STATION,
                quiet_from="21:00",
                quiet_until="06:00",
            ),
            "starts_at",
        ),
        (
            {"valid_from": "2030-05-10", "valid_until": "2030-05-01"},
            ScheduleError("bad_period"),
            "valid_until",
        ),
        ({"weekdays": []}, ScheduleError("no_weekdays"), "weekdays"),
        (
            {"relays-0-title": "VOV1", "relays-0-url": "ftp://x", "relays-0-minutes": "5"},
            ScheduleError("bad_relay_url"),
            "relays",
        ),
    ],
)
def test_bad_session_is_refused_next_to_its_field(client, as_user, app, changes, error, field):
    as_user("planner")
    before = template_count(app)
    token = csrf_token(client, NEW_AT_STATION)
    response = client.post(NEW_AT_STATION, data=form(app, token, **changes))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'<p class="error">{shown(app, error)}</p>' in page
    assert template_count(app) == before
    assert build_jobs(app) == []


def test_editing_into_an_overlap_changes_nothing(client, as_user, app):
    as_user("planner")
    token = csrf_token(client, NEW_AT_STATION)
    client.post(NEW_AT_STATION, data=form(app, token))
    saved = template_id(app, "Buổi trưa")
    response = client.post(
        f"/templates/{saved}/edit", data=form(app, token, label="Trưa", starts_at="16:45")
    )
    assert response.status_code == 422
    with app.app_context():
        template = get_session().get(SessionTemplate, saved)
        assert (template.label, template.starts_at) == ("Buổi trưa", time(11, 0))
        assert len(template.items) == 2


@pytest.mark.parametrize("user", ["auditor", "operator", "editor"])
def test_only_planners_in_scope_change_templates(client, as_user, app, user):
    as_user(user)
    morning = template_id(app, "Buổi sáng")
    token = csrf_token(client, STATION_PAGE)
    before = template_count(app)
    assert client.get(f"/templates/{morning}/edit").status_code == 403
    edited = form(app, token, label="Đổi", starts_at="06:00", max_minutes="30")
    assert client.post(f"/templates/{morning}/edit", data=edited).status_code == 403
    assert (
        client.post(f"/templates/{morning}/delete", data={"csrf_token": token}).status_code == 403
    )
    assert client.post(NEW_AT_STATION, data=form(app, token)).status_code == 403
    assert template_count(app) == before
    assert template_id(app, "Buổi sáng") == morning


def test_planner_cannot_act_on_another_tree(client, as_user, app):
    as_user("planner")
    token = csrf_token(client, STATION_PAGE)
    before = template_count(app)
    other = f"/templates/stations/{OTHER_PROVINCE_STATION}/new"
    assert client.post(other, data=form(app, token)).status_code == 403
    tree99 = f"/templates/units/{unit_id(app, '99:99')}/new"
    assert client.post(tree99, data=form(app, token)).status_code == 403
    morning = template_id(app, "Buổi sáng")
    target = {"csrf_token": token, "station": OTHER_PROVINCE_STATION}
    assert client.post(f"/templates/{morning}/opt-out", data=target).status_code == 403
    assert template_count(app) == before


def test_district_planner_overrides_but_cannot_edit_the_province(client, as_user, app):
    add_user(app, "planner_cj", "planner", "67:662", "loaxa-demo")
    as_user("planner_cj")
    district = unit_id(app, "67:662")
    morning = template_id(app, "Buổi sáng")
    token = csrf_token(client, f"/templates/units/{district}")
    assert client.get(f"/templates/{morning}/edit").status_code == 403
    response = client.post(
        f"/templates/{morning}/override", data={"csrf_token": token, "unit": district}
    )
    assert response.status_code == 302
    with app.app_context():
        copy = get_session().scalar(
            select(SessionTemplate).where(SessionTemplate.replaces_id == morning)
        )
        assert (copy.unit_id, copy.label, copy.opt_out) == (district, "Buổi sáng", False)
        assert len(copy.items) == 3  # the fill topics came along
    assert response.headers["Location"].endswith(f"/templates/{copy.id}/edit")
    page = client.get(f"/templates/units/{district}").get_data(as_text=True)
    assert "thay cho “Buổi sáng”" in page
    # The province's morning no longer applies below the district; the copy does.
    with app.app_context():
        session = get_session()
        station = session.scalar(select(Station).where(Station.code == OPERATOR_STATION))
        assert [t.id for t in place_week(session, station).effective if t.label == "Buổi sáng"] == [
            copy.id
        ]


def test_station_opts_out_and_back_in(client, as_user, app):
    as_user("planner")
    afternoon = template_id(app, "Buổi chiều")
    token = csrf_token(client, STATION_PAGE)
    target = {"csrf_token": token, "station": OPERATOR_STATION}
    response = client.post(f"/templates/{afternoon}/opt-out", data=target, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "“Buổi chiều” sẽ không phát tại đây nữa." in page
    assert "Không phát tại đây: Buổi chiều" in page
    assert "17:00–17:30" not in page  # gone from this station's week
    with app.app_context():
        opt_out = get_session().scalar(
            select(SessionTemplate).where(SessionTemplate.opt_out.is_(True))
        )
        opt_out_id = opt_out.id
    assert build_jobs(app)[-1]["station_ids"] == station_ids(app, OPERATOR_STATION)
    # the same session again, or one not inherited here, is refused
    again = client.post(f"/templates/{afternoon}/opt-out", data=target)
    assert again.status_code == 400
    assert "Buổi phát này không được kế thừa tại đây." in again.get_data(as_text=True)
    assert client.get(f"/templates/{opt_out_id}/edit").status_code == 400
    client.post(f"/templates/{opt_out_id}/delete", data={"csrf_token": token})
    assert "17:00–17:30" in client.get(STATION_PAGE).get_data(as_text=True)


def test_delete_after_playlists_were_built(client, as_user, app):
    build(app, this_monday(), 2, [OPERATOR_STATION])
    as_user("planner")
    morning = template_id(app, "Buổi sáng")
    token = csrf_token(client, STATION_PAGE)
    client.post(
        f"/templates/{morning}/override", data={"csrf_token": token, "station": OPERATOR_STATION}
    )
    province = unit_id(app, "67:67")
    response = client.post(f"/templates/{morning}/delete", data={"csrf_token": token})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/templates/units/{province}")
    assert "Đã xóa buổi phát “Buổi sáng”." in client.get(f"/templates/units/{province}").get_data(
        as_text=True
    )
    with app.app_context():
        session = get_session()
        assert session.get(SessionTemplate, morning) is None
        assert session.scalar(select(func.count()).select_from(PlaylistSession)) == 4  # kept
        assert (
            session.scalar(
                select(func.count())
                .select_from(SessionTemplate)
                .where(SessionTemplate.replaces_id == morning)
            )
            == 0
        )  # the station's override went with it


def test_unit_limits_form(client, as_user, app):
    as_user("planner")
    district = unit_id(app, "67:662")
    path = f"/templates/units/{district}/rules"
    token = csrf_token(client, path)
    assert "Theo đơn vị cấp trên" in client.get(path).get_data(as_text=True)
    data = {
        "csrf_token": token,
        "quiet_from": "22:00",
        "quiet_until": "05:00",
        "max_session_minutes": "",
        "max_day_minutes": "100",
    }
    response = client.post(path, data=data, follow_redirects=True)
    assert "Đã lưu giới hạn phát sóng của Huyện Cư Jút." in response.get_data(as_text=True)
    with app.app_context():
        rules = get_session().get(UnitRules, district)
        assert (rules.quiet_from, rules.max_session_minutes, rules.max_day_minutes) == (
            time(22, 0),
            None,
            100,
        )
    assert len(build_jobs(app)[-1]["station_ids"]) == 8


def test_unit_limit_that_a_template_breaks_is_refused(client, as_user, app):
    as_user("planner")
    district = unit_id(app, "67:662")
    path = f"/templates/units/{district}/rules"
    token = csrf_token(client, path)
    data = {"csrf_token": token, "max_session_minutes": "20", "max_day_minutes": ""}
    response = client.post(path, data={**data, "quiet_from": "", "quiet_until": ""})
    assert response.status_code == 422
    with app.app_context():
        station = get_session().scalar(
            select(Station.code)
            .join(Station.unit)
            .where(Station.unit.has(parent_id=district))
            .order_by(Station.code)
        )
    expected = shown(app, ScheduleError("session_too_long", station=station, limit=20))
    assert f'<p class="error">{expected}</p>' in response.get_data(as_text=True)
    with app.app_context():
        assert get_session().get(UnitRules, district) is None
    assert build_jobs(app) == []
    # half of the quiet hours is refused too
    response = client.post(path, data={**data, "max_session_minutes": "", "quiet_from": "22:00"})
    assert response.status_code == 422
    with app.app_context():
        assert get_session().get(UnitRules, district) is None
