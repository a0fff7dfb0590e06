"""`radio demo`: the demo users, units and stations, loaded idempotently."""

from datetime import timedelta

from sqlalchemy import func, select

from audio_library.db import utcnow
from audio_library.segments import Segment
from radio.airings.chain import verify_station
from radio.airings.compliance import compliance
from radio.airings.records import Confirmation
from radio.db import get_session
from radio.people import User, find_user
from scheduler.build_job import today_in
from scheduler.campaigns import Campaign, campaign_segment
from scheduler.units import Station, Unit, units_by_code
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


def test_demo_library_campaign_and_last_weeks_airings(runner, app):
    """One full demo (with audio) checked for everything it adds, then loaded again."""
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
        reported = session.scalar(select(func.count()).select_from(Confirmation))
        assert reported > 1000
        (district,) = units_by_code(session, "67:662")
        today = today_in("Asia/Ho_Chi_Minh")
        report = compliance(
            session,
            district,
            today - timedelta(days=7),
            today - timedelta(days=1),
            now=utcnow(),
            grace=timedelta(hours=2),
            zone="Asia/Ho_Chi_Minh",
        )
        figures = report.total
        # Mostly aired, with the power cuts, faults, silent days and late reports a
        # district really shows.
        assert 0.6 < figures.rate < 1
        assert figures.not_aired_items and figures.partly_items and figures.late_items
        assert figures.unreported_items
        assert all(verify_station(session, s)[1] is None for s in session.scalars(select(Station)))
    again = runner.invoke(args=["demo"])
    assert again.exit_code == 0
    with app.app_context():
        session = get_session()
        assert session.scalar(select(func.count()).select_from(Segment)) >= 20
        assert session.scalar(select(func.count()).select_from(Confirmation)) == reported
