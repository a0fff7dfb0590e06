"""`radio demo`: the demo users, units and stations, loaded idempotently."""

from sqlalchemy import func, select

from radio.db import get_session
from radio.people import User, find_user
from scheduler.units import Station, Unit
from tests.conftest import login


def counts(app) -> tuple[int, int, int]:
    with app.app_context():
        session = get_session()
        return tuple(
            session.scalar(select(func.count()).select_from(m)) for m in (Unit, Station, User)
        )


def test_demo_is_idempotent_and_says_how_to_log_in(runner, app):
    before = counts(app)
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "admin" in result.output and "loaxa-demo" in result.output
    assert counts(app) == before


def test_demo_has_every_role_and_a_station_per_commune(app):
    with app.app_context():
        session = get_session()
        roles = {u.username: u.role for u in session.scalars(select(User))}
        names = ("admin", "planner", "editor", "approver", "auditor", "operator")
        assert {name: roles[name] for name in names} == {name: name for name in names}
        communes = session.scalar(
            select(func.count()).where(Unit.tree == "67", Unit.tier == "commune")
        )
        stations = session.scalar(
            select(func.count()).select_from(Station).join(Station.unit).where(Unit.tree == "67")
        )
        assert communes == stations == 71
        assert find_user(session, "auditor").unit.name == "Huyện Cư Jút"
        assert find_user(session, "admin").unit is None


def test_demo_password_from_configuration(app, runner, client):
    app.config["DEMO_PASSWORD"] = "mat-khau-demo-moi"
    assert runner.invoke(args=["demo"]).exit_code == 0
    assert login(client, "planner", "mat-khau-demo-moi").status_code == 302


def test_demo_library_has_segments_in_several_states_and_a_campaign(runner, app):
    from audio_library.segments import Segment
    from scheduler.campaigns import Campaign, campaign_segment

    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        session = get_session()
        states = set(session.scalars(select(Segment.state)))
        assert {"draft", "submitted", "approved", "rejected"} <= states
        assert session.scalar(select(func.count()).select_from(Segment)) >= 20
        campaign = session.scalar(select(Campaign))
        assert "145/KH-BCĐ" in campaign.legal_refs
        linked = session.scalar(select(func.count()).select_from(campaign_segment))
        assert linked >= 10
    again = runner.invoke(args=["demo"])
    assert again.exit_code == 0
    with app.app_context():
        assert get_session().scalar(select(func.count()).select_from(Segment)) >= 20
