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
