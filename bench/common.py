"""Timing and reporting shared by the benchmarks."""

import json
import platform
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

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
