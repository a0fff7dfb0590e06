"""Timing and reporting shared by the benchmarks."""

import contextlib
import json
import os
import platform
import signal
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, make_url, text

from audio_library.db import database_url

RESULTS = Path(__file__).parent / "results"


def best_of(runs: int, setup: Callable[[], Any], work: Callable[[Any], None]) -> float:
    """The fastest of `runs` timings of work(setup()), setup not counted."""
    times = []
    for _ in range(runs):
        state = setup()
        start = time.perf_counter()
        work(state)
        times.append(time.perf_counter() - start)
    return min(times)


def report(name: str, figures: dict[str, float], ratio_of: tuple[str, str]) -> None:
    """Print the figures and the ratio ours/baseline, and keep them as JSON."""
    ours, baseline = ratio_of
    ratio = figures[ours] / figures[baseline]
    for key, value in figures.items():
        print(f"{name}: {key} = {value:.4f}")
    print(f"{name}: ratio {ours} / {baseline} = {ratio:.2f}")
    RESULTS.mkdir(exist_ok=True)
    record = {
        "benchmark": name,
        "when": datetime.now(UTC).isoformat(),
        "python": platform.python_version(),
        "figures": figures,
        "ratio": {"of": ours, "to": baseline, "value": ratio},
    }
    (RESULTS / f"{name}.json").write_text(json.dumps(record, indent=2))


@contextlib.contextmanager
def postgres_database(admin_url: str) -> Iterator[str]:
    """A throwaway database on the server of admin_url, dropped after."""
    admin = create_engine(database_url(admin_url), isolation_level="AUTOCOMMIT")
    name = f"loaxa_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = make_url(database_url(admin_url)).set(database=name)
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def on_each_backend(measure: Callable[[str, str, Path], None]) -> None:
    """measure(backend, url, folder) on a fresh SQLite file in a temporary folder, then on a
    throwaway PostgreSQL database when DATABASE_URL names a server."""
    # SIGTERM as SystemExit: the finally blocks then stop servers and drop the database.
    previous = signal.signal(signal.SIGTERM, lambda _sig, _frame: sys.exit(128 + signal.SIGTERM))
    try:
        with tempfile.TemporaryDirectory(prefix="loaxa-bench-") as folder:
            measure("sqlite", f"sqlite:///{Path(folder) / 'radio.db'}", Path(folder))
        pg_url = os.environ.get("DATABASE_URL", "")
        if pg_url.startswith("postgresql"):
            with (
                postgres_database(pg_url) as url,
                tempfile.TemporaryDirectory(prefix="loaxa-bench-") as folder,
            ):
                measure("postgresql", url, Path(folder))
    finally:
        signal.signal(signal.SIGTERM, previous)
