"""Campaign pages: reading by scope, create and edit, quotas, and refusals that change nothing."""

from datetime import date, timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from audio_library.db import utcnow
from audio_library.jobs import Job
from audio_library.segments import Topic
from radio.db import get_session
from scheduler.build_job import today_in
from scheduler.builder import build_playlists
from scheduler.campaigns import Campaign, Quota, QuotaKind, save_campaign, set_pool
from scheduler.errors import ScheduleError
from scheduler.quotas import check_quotas, quota_progress
from scheduler.units import units_by_code
from tests.conftest import add_user, csrf_token, login
from tests.test_announcement_pages import count, make_segment, said, tr, unit_id

DEMO = "dnong-2021-pctp"
PROVINCE, DISTRICT, OTHER_TREE = "67:67", "67:662", "99:99"


def demo_id(app: Flask) -> int:
    with app.app_context():
        return get_session().scalar(select(Campaign.id).where(Campaign.code == DEMO))


def snapshot(app: Flask, campaign_id: int) -> tuple:
    """What a refused change must leave as it was."""
    with app.app_context():
        c = get_session().get(Campaign, campaign_id)
        return (
            c.code,
            c.name,
            c.starts_on,
            c.ends_on,
            c.unit_id,
            sorted(u.id for u in c.targets),
            sorted(t.id for t in c.topics),
            sorted(s.id for s in c.segments),
            sorted((q.kind, q.times_per_week, q.minutes_per_week) for q in c.quotas),
        )


def campaign_form(app: Flask, token: str, **fields: object) -> dict[str, object]:
    start = today_in("Asia/Ho_Chi_Minh")
    return {
        "csrf_token": token,
        "code": "pccc-2025",
        "name": "Tuyên truyền phòng cháy, chữa cháy mùa khô 2025",
        "starts_on": start.isoformat(),
        "ends_on": (start + timedelta(days=90)).isoformat(),
        "unit_id": unit_id(app, PROVINCE),
        "target_ids": [unit_id(app, DISTRICT)],
        "legal_refs": "Luật Phòng cháy và chữa cháy 2001; Nghị định 136/2020/NĐ-CP",
        **fields,
    }


def test_who_reads_campaigns(client, as_user, app):
    campaign = demo_id(app)
    for role in ("admin", "planner", "editor", "approver", "auditor"):
        as_user(role)
        assert "dnong-2021-pctp" in client.get("/campaigns").get_data(as_text=True), role
        assert client.get(f"/campaigns/{campaign}").status_code == 200, role
        client.post("/logout", data={"csrf_token": csrf_token(client, "/profile")})
    as_user("operator")
    assert client.get("/campaigns").status_code == 403
    assert client.get(f"/campaigns/{campaign}").status_code == 403


def test_planner_creates_a_campaign_with_targets_topics_and_pool(client, as_user, app, tmp_path):
    segment = make_segment(
        app, tmp_path, "Phòng cháy mùa khô", topic="phong-chay-chua-chay", level="normal"
    )
    as_user("planner")
    assert client.get("/campaigns/new").status_code == 200
    with app.app_context():
        topic = get_session().scalar(select(Topic.id).where(Topic.code == "phong-chay-chua-chay"))
    jobs = count(app, Job)
    token = csrf_token(client, "/campaigns/new")
    data = campaign_form(app, token, topic_ids=[topic], segment_ids=[segment])
    response = client.post("/campaigns/new", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        campaign = get_session().scalar(select(Campaign).where(Campaign.code == "pccc-2025"))
        assert [u.code for u in campaign.targets] == ["662"]
        assert [s.id for s in campaign.segments] == [segment]
        assert [t.id for t in campaign.topics] == [topic]
        new_id = campaign.id
    assert count(app, Job) == jobs + 1  # the targets' playlists are rebuilt later
    page = client.get(f"/campaigns/{new_id}").get_data(as_text=True)
    assert f'href="/library/{segment}"' in page
    assert "Nghị định 136/2020/NĐ-CP" in page


def test_a_period_that_ends_before_it_starts_is_refused(client, as_user, app):
    campaign = demo_id(app)
    before, campaigns = snapshot(app, campaign), count(app, Campaign)
    as_user("planner")
    token = csrf_token(client, "/campaigns/new")
    data = campaign_form(app, token, starts_on="2025-06-30", ends_on="2025-06-01")
    page = client.post("/campaigns/new", data=data)
    assert page.status_code == 422
    assert said(app, "bad_period") in page.get_data(as_text=True)
    assert count(app, Campaign) == campaigns

    data = campaign_form(app, token, code=DEMO, starts_on="2021-12-31", ends_on="2021-05-01")
    page = client.post(f"/campaigns/{campaign}/edit", data=data)
    assert page.status_code == 422
    assert said(app, "bad_period") in page.get_data(as_text=True)
    assert snapshot(app, campaign) == before


def test_a_quota_no_schedule_can_meet_is_refused(client, as_user, app, tmp_path):
    segment = make_segment(
        app, tmp_path, "Ma túy: hiểm họa", topic="phong-chong-ma-tuy", level="normal"
    )
    campaign = demo_id(app)
    with app.app_context():
        session = get_session()
        demo = session.get(Campaign, campaign)
        set_pool(session, demo, [segment])
        session.commit()
        # What the page must say: the domain's own refusal of 20 plays in 14 sessions.
        demo.quotas.append(Quota(kind=QuotaKind.SEGMENT_PLAYS, times_per_week=20))
        with pytest.raises(ScheduleError) as refused:
            check_quotas(session, demo, today_in("Asia/Ho_Chi_Minh"))
        session.rollback()
    assert refused.value.detail["available"] == 14
    before = snapshot(app, campaign)
    as_user("planner")
    token = csrf_token(client, f"/campaigns/{campaign}")
    data = {"csrf_token": token, "kind": "segment_plays", "times_per_week": 20}
    page = client.post(f"/campaigns/{campaign}/quotas", data=data)
    assert page.status_code == 422
    assert said(app, "quota_infeasible", **refused.value.detail) in page.get_data(as_text=True)
    assert snapshot(app, campaign) == before

    missing_topic = {"csrf_token": token, "kind": "topic_minutes", "minutes_per_week": 10}
    page = client.post(f"/campaigns/{campaign}/quotas", data=missing_topic)
    assert page.status_code == 422
    assert said(app, "quota_needs_topic") in page.get_data(as_text=True)
    assert snapshot(app, campaign) == before

    data["times_per_week"] = 5
    assert client.post(f"/campaigns/{campaign}/quotas", data=data).status_code == 302
    with app.app_context():
        quotas = get_session().get(Campaign, campaign).quotas
        assert [q.times_per_week for q in quotas] == [3, 0, 5]
        added = quotas[-1].id
    url = f"/campaigns/{campaign}/quotas/{added}/delete"
    assert client.post(url, data={"csrf_token": token}).status_code == 302
    assert snapshot(app, campaign) == before


def test_a_target_outside_the_planners_unit_is_refused(client, as_user, app):
    campaign = demo_id(app)
    before, campaigns = snapshot(app, campaign), count(app, Campaign)
    as_user("planner")
    token = csrf_token(client, "/campaigns/new")
    outside = campaign_form(app, token, target_ids=[unit_id(app, OTHER_TREE)])
    assert client.post("/campaigns/new", data=outside).status_code == 403
    owner_outside = campaign_form(app, token, unit_id=unit_id(app, OTHER_TREE), target_ids=[])
    assert client.post("/campaigns/new", data=owner_outside).status_code == 403
    edit = campaign_form(app, token, code=DEMO, target_ids=[unit_id(app, OTHER_TREE)])
    assert client.post(f"/campaigns/{campaign}/edit", data=edit).status_code == 403
    assert count(app, Campaign) == campaigns
    assert snapshot(app, campaign) == before


def test_a_planner_cannot_act_outside_their_unit(client, as_user, app):
    with app.app_context():
        session = get_session()
        (other,) = units_by_code(session, OTHER_TREE)
        foreign = Campaign(
            code="thu-nghiem",
            name="Kế hoạch của tỉnh khác",
            starts_on=date(2025, 1, 1),
            ends_on=date(2025, 12, 31),
            unit_id=other.id,
            quotas=[Quota(kind=QuotaKind.SEGMENT_PLAYS, times_per_week=2)],
        )
        save_campaign(session, foreign)
        session.commit()
        foreign_id, quota_id = foreign.id, foreign.quotas[0].id
    demo = demo_id(app)
    add_user(app, "planner-cujut", "planner", DISTRICT, "mat-khau-dai-1")
    before = snapshot(app, foreign_id), snapshot(app, demo)

    as_user("planner")
    token = csrf_token(client, "/campaigns")
    assert "thu-nghiem" not in client.get("/campaigns").get_data(as_text=True)
    assert client.get(f"/campaigns/{foreign_id}").status_code == 403
    assert client.get(f"/campaigns/{foreign_id}/edit").status_code == 403
    quota = {"csrf_token": token, "kind": "segment_plays", "times_per_week": 1}
    assert client.post(f"/campaigns/{foreign_id}/quotas", data=quota).status_code == 403
    delete = f"/campaigns/{foreign_id}/quotas/{quota_id}/delete"
    assert client.post(delete, data={"csrf_token": token}).status_code == 403
    client.post("/logout", data={"csrf_token": token})

    # A district planner reads the province's campaign but may not change it.
    assert login(client, "planner-cujut", "mat-khau-dai-1").status_code == 302
    token = csrf_token(client, "/campaigns")
    assert client.get(f"/campaigns/{demo}").status_code == 200
    assert client.get(f"/campaigns/{demo}/edit").status_code == 403
    assert (
        client.post(f"/campaigns/{demo}/quotas", data={**quota, "csrf_token": token}).status_code
        == 403
    )
    assert (snapshot(app, foreign_id), snapshot(app, demo)) == before


def test_quota_progress_for_a_chosen_week(client, as_user, app, tmp_path):
    segment = make_segment(
        app, tmp_path, "An ninh Tổ quốc", topic="an-ninh-to-quoc", level="normal"
    )
    campaign = demo_id(app)
    today = today_in("Asia/Ho_Chi_Minh")
    monday = today - timedelta(days=today.weekday())
    with app.app_context():
        session = get_session()
        demo = session.get(Campaign, campaign)
        set_pool(session, demo, [segment])
        build_playlists(session, monday, 7, now=utcnow())
        session.commit()
        progress = quota_progress(session, demo, monday)
        (district,) = units_by_code(session, DISTRICT)
        plays = [p for p in progress if p.quota.kind == QuotaKind.SEGMENT_PLAYS]
        met = sum(p.met for p in plays)
        in_district = [p for p in plays if district.contains(p.station.unit)]
        met_district = sum(p.met for p in in_district)
    assert met > 0

    as_user("planner")
    page = client.get(f"/campaigns/{campaign}?week={today.isoformat()}").get_data(as_text=True)
    assert tr(app, "%(met)s of %(total)s stations meet it", met=met, total=len(plays)) in page
    client.post("/logout", data={"csrf_token": csrf_token(client, "/profile")})

    as_user("auditor")  # only the district's stations
    page = client.get(f"/campaigns/{campaign}?week={monday.isoformat()}").get_data(as_text=True)
    summary = tr(
        app, "%(met)s of %(total)s stations meet it", met=met_district, total=len(in_district)
    )
    assert summary in page
    bad = client.get(f"/campaigns/{campaign}?week=31-12-2025")
    assert bad.status_code == 400
    assert said(app, "bad_date") in bad.get_data(as_text=True)
