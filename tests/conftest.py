"""Fixtures: an app from the factory on a fresh copy of a migrated, demo-loaded database.

SQLite by default; PostgreSQL when DATABASE_URL is set (each test gets its own database,
cloned from a template, so tests never see each other's rows).
"""

import os
import re
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, make_url, text

from audio_library.db import database_url
from radio import create_app, db
from radio.demo import load_demo
from radio.people import Role, User, save_user
from scheduler.stations import save_station
from scheduler.unit_import import import_units
from scheduler.units import Station, units_by_code

DEMO_PASSWORD = "loaxa-demo"
OPERATOR_STATION = "67-24646"  # Xã Ea Pô, Huyện Cư Jút
SAME_DISTRICT_STATION = "67-24640"  # Thị trấn Ea T'Ling, Huyện Cư Jút
OTHER_DISTRICT_STATION = "67-24611"  # Phường Nghĩa Đức, Thành phố Gia Nghĩa
OTHER_PROVINCE_STATION = "99-99001"  # a second, made-up province
EXTRA_TREE_CSV = (
    "code,name,tier,parent_code\n99,Tỉnh Thử Nghiệm,province,\n99001,Xã Thử,commune,99\n"
)

PG_URL = os.environ.get("DATABASE_URL", "")

pytest_plugins = ["tests.browser_fixtures", "tests.playlist_fixtures", "tests.agent_fixtures"]


def _pg_admin(url: str):  # type: ignore[no-untyped-def]
    return create_engine(database_url(url), isolation_level="AUTOCOMMIT")


def _pg_create(name: str, template: str | None = None) -> str:
    engine = _pg_admin(PG_URL)
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        clause = f' TEMPLATE "{template}"' if template else ""
        conn.execute(text(f'CREATE DATABASE "{name}"{clause}'))
    engine.dispose()
    return make_url(database_url(PG_URL)).set(database=name).render_as_string(hide_password=False)


def pg_drop(name: str) -> None:
    engine = _pg_admin(PG_URL)
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def make_test_app(url: str, data_dir: Path, **overrides: object) -> Flask:
    config = {
        "TESTING": True,
        "DATABASE_URL": url,
        "DATA_DIR": str(data_dir),
        "SECRET_KEY": "test-secret",
        "DEMO_PASSWORD": DEMO_PASSWORD,
        **overrides,
    }
    return create_app(config)


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database migrated to head with the demo and a second small tree loaded."""
    folder = tmp_path_factory.mktemp("template")
    name = f"loaxa_tpl_{uuid.uuid4().hex[:8]}"
    url = _pg_create(name) if PG_URL else f"sqlite:///{folder / 'template.db'}"
    app = make_test_app(url, folder)
    with app.app_context():
        db.upgrade()

        session = db.get_session()
        load_demo(session, password=DEMO_PASSWORD, timezone="Asia/Ho_Chi_Minh")
        extra = import_units(session, EXTRA_TREE_CSV.encode())
        commune = extra.units[-1]
        save_station(
            session,
            Station(
                code=OTHER_PROVINCE_STATION,
                name="Đài Xã Thử",
                timezone="Asia/Ho_Chi_Minh",
                kind="wired",
                clusters=1,
                active=True,
                contact="",
            ),
            commune,
        )
        session.commit()
        db.engine().dispose()
    yield name if PG_URL else url
    if PG_URL:
        pg_drop(name)


def copy_database(template: str, name: str, folder: Path) -> str:
    """A fresh database cloned from a template: its URL (`name` on PostgreSQL)."""
    if PG_URL:
        return _pg_create(name, template=template)
    target = folder / f"{name}.db"
    shutil.copy(make_url(template).database or "", target)
    return f"sqlite:///{target}"


@pytest.fixture
def app(request: pytest.FixtureRequest, template_db: str, tmp_path: Path) -> Iterator[Flask]:
    template = template_db
    if "fills" in request.fixturenames:  # start from the template that already has them
        filled = request.getfixturevalue("filled_template")
        template = filled.database
        shutil.copytree(filled.folder / "audio", tmp_path / "audio")
    name = f"loaxa_t_{uuid.uuid4().hex[:10]}"
    url = copy_database(template, name if PG_URL else "radio", tmp_path)
    application = make_test_app(url, tmp_path)
    yield application
    with application.app_context():
        db.engine().dispose()
    if PG_URL:
        pg_drop(name)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask):  # type: ignore[no-untyped-def]
    return app.test_cli_runner()


CSRF_RE = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"'
)


def csrf_token(client: FlaskClient, path: str = "/login") -> str:
    """The CSRF token the server put in the form at path for this client's session."""
    page = client.get(path).get_data(as_text=True)
    match = CSRF_RE.search(page)
    assert match, f"no CSRF token in {path}"
    return match.group(1) or match.group(2)


def login(client: FlaskClient, username: str, password: str = DEMO_PASSWORD):  # type: ignore[no-untyped-def]
    token = csrf_token(client)
    return client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token}
    )


def personal_token(client: FlaskClient, label: str = "test") -> str:
    """Create a personal API token through the account page, as its owner would."""
    token = csrf_token(client, "/profile")
    page = client.post("/profile/tokens", data={"csrf_token": token, "label": label})
    text = page.get_data(as_text=True)
    start = text.index("lxp_")
    return text[start : text.index("<", start)]


def add_user(app: Flask, username: str, role: str, unit_code: str, password: str) -> None:
    """Store one more person, scoped at the unit with this code ("TREE:CODE" allowed)."""
    with app.app_context():
        session = db.get_session()
        (unit,) = units_by_code(session, unit_code)
        user = User(username=username, password_hash="")
        save_user(session, user, role=Role(role), unit=unit, station=None, password=password)
        session.commit()


@pytest.fixture
def as_user(client: FlaskClient):  # type: ignore[no-untyped-def]
    """Log the test client in as a demo user: `as_user("auditor")`."""

    def _login(username: str) -> FlaskClient:
        client.delete_cookie("loaxa_session")  # whoever was logged in before
        response = login(client, username)
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return _login
