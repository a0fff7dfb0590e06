"""Imports go one way, radio → scheduler → audio_library, and Flask stays in radio."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
FORBIDDEN = {
    "audio_library": {"flask", "flask_babel", "flask_login", "flask_wtf", "radio", "scheduler"},
    "scheduler": {"flask", "flask_babel", "flask_login", "flask_wtf", "radio"},
}


def imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_domain_packages_import_one_way(package):
    offenders = {
        str(path.relative_to(ROOT)): sorted(imported_roots(path) & FORBIDDEN[package])
        for path in (ROOT / package).rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_the_station_agent_uses_no_server_parts():
    """A commune PC runs the agent: it talks HTTP, never to the server's database or Flask."""
    server_parts = {"flask", "flask_babel", "flask_login", "flask_wtf", "sqlalchemy", "scheduler"}
    offenders = {}
    for path in (ROOT / "radio" / "agent").rglob("*.py"):
        tree = ast.parse(path.read_text(), str(path))
        modules = {
            node.module
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0
        }
        radio_parts = {
            m for m in modules if m.startswith("radio.") and not m.startswith("radio.agent")
        }
        bad = (imported_roots(path) & server_parts) | radio_parts
        if bad:
            offenders[path.name] = sorted(bad)
    assert offenders == {}
