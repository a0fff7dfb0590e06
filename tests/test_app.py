"""The app factory, configuration, health, metrics, error pages and the API document."""

import threading

import pytest
from openapi_spec_validator import validate
from sqlalchemy import inspect

from radio import create_app, db
from tests.conftest import OPERATOR_STATION, make_test_app


def test_configuration_from_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("RADIO_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("RADIO_TIMEZONE", "Asia/Bangkok")
    monkeypatch.setenv("RADIO_TTS_ENGINES", "espeak")
    monkeypatch.setenv("RADIO_DEMO_PASSWORD", "12345678")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/3")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = create_app()
    assert app.instance_path == str(tmp_path / "data")
    assert app.config["DATABASE_URL"] == f"sqlite:///{tmp_path / 'data' / 'radio.db'}"
    assert app.config["TIMEZONE"] == "Asia/Bangkok"
    assert app.config["TTS_ENGINES"] == "espeak"
    assert str(app.config["DEMO_PASSWORD"]) == "12345678"
    assert app.config["REDIS_URL"] == "redis://127.0.0.1:6379/3"
    # A random secret is made once and kept, so sessions survive a restart.
    assert app.config["SECRET_KEY"] == create_app().config["SECRET_KEY"]


def test_config_toml_in_data_dir(monkeypatch, tmp_path):
    monkeypatch.delenv("RADIO_TIMEZONE", raising=False)
    (tmp_path / "config.toml").write_text('TIMEZONE = "Asia/Saigon"\nLOGIN_MAX_FAILURES = 3\n')
    app = create_app({"DATA_DIR": str(tmp_path)})
    assert app.config["TIMEZONE"] == "Asia/Saigon"
    assert app.config["LOGIN_MAX_FAILURES"] == 3


def test_factory_starts_nothing(tmp_path):
    """No scheduler, thread or migration in the factory: the database stays empty."""

    before = threading.active_count()
    app = make_test_app(f"sqlite:///{tmp_path / 'empty.db'}", tmp_path)
    assert threading.active_count() == before
    with app.app_context():
        assert inspect(db.engine()).get_table_names() == []
        db.engine().dispose()


def test_healthz_reports_database_failure(tmp_path):
    app = make_test_app("postgresql+psycopg://nobody@127.0.0.1:1/none", tmp_path)
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["database"] == "unreachable"


def test_metrics_count_requests(client):
    client.get("/healthz")
    body = client.get("/metrics").get_data(as_text=True)
    assert 'loaxa_http_requests_total{endpoint="health.healthz",method="GET",status="200"}' in body


def test_error_page_is_vietnamese(client, as_user):
    as_user("auditor")
    response = client.get("/no/such/page")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "Trang này không tồn tại" in page


def test_api_errors_are_problem_details(client):
    response = client.get("/api/v1/stations")
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.json["status"] == 401
    assert response.json["title"]
    assert client.get("/api/v1/nowhere").mimetype == "application/problem+json"


def test_api_validation_error_is_a_problem(client, as_user):
    as_user("admin")
    response = client.get("/api/v1/stations?limit=0")
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert "limit" in response.json["errors"]["query"]


def test_openapi_document_is_valid(client):
    spec = client.get("/api/v1/openapi.json").json
    validate(spec)
    assert "/api/v1/stations/{code}" in spec["paths"]
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


def test_api_docs_page_works_offline(client):
    page = client.get("/api/v1/docs").get_data(as_text=True)
    assert "/api/v1/stations/{code}" in page
    assert "https://" not in page  # nothing fetched from a CDN


@pytest.mark.parametrize("path", ["/login", "/static/style.css"])
def test_no_external_assets(client, path):
    with client.get(path) as response:
        assert "//cdn" not in response.get_data(as_text=True)


def test_api_station_for_person(client, as_user):
    as_user("operator")
    body = client.get(f"/api/v1/stations/{OPERATOR_STATION}").json
    assert body["name"] == "Đài truyền thanh Xã Ea Pô"
    assert body["kind"] == "wired"
