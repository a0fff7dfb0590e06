"""gunicorn on loopback and a load generator for it, for bench/playlist_http.py (gunicorn
and fetch also serve bench/confirmations_http.py and the kill -9 test of confirmations).

gunicorn runs in its own process group so that it can always be stopped as a whole; the
load generator runs as a separate process (`python -m bench.http_load`, a spec as JSON on
stdin, its timings as JSON on stdout) with a few threads, each request on a new
connection: sync workers close every connection anyway, so keep-alive is never used.
"""

import contextlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
WORKERS, WORKER_CLASS = 2, "sync"
THREADS = 6


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def gunicorn(app: str, env: dict[str, str], port: int | None = None) -> Iterator[tuple[int, int]]:
    """gunicorn serving `app` with WORKERS workers, stopped whatever happens (Ctrl-C too).

    Yields its port (a free one unless given: a restarted server keeps its address) and
    its process group (the master's pid).
    """
    port = port or free_port()
    command = [sys.executable, "-m", "gunicorn", "--workers", str(WORKERS)]
    command += ["--worker-class", WORKER_CLASS, "--bind", f"127.0.0.1:{port}"]
    command += ["--log-level", "warning", app]
    server = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **env}, start_new_session=True)
    try:
        wait_ready(port, server)
        yield port, server.pid
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def wait_ready(port: int, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode}")
        with contextlib.suppress(OSError):
            if fetch(port, "/healthz", {})[0] == 200:
                return
        time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer within 60 s")


def server_cpu(group: int) -> float:
    """CPU seconds used so far by the processes of a process group (gunicorn's)."""
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            fields = stat.read_text().rpartition(")")[2].split()
            if int(fields[2]) == group:  # pgrp; then utime and stime, in clock ticks
                ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def fetch(
    port: int, path: str, headers: dict[str, str], body: bytes | None = None
) -> tuple[int, dict[str, str], bytes]:
    """One GET (a POST with a body) on a new connection, closed after it, as every request
    here is made."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        method = "GET" if body is None else "POST"
        connection.request(method, path, body, headers={**headers, "Connection": "close"})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def load(
    port: int, group: int, case: dict[str, Any], seconds: float, warmup: float
) -> dict[str, Any]:
    """Run the case from a separate process for `seconds` after a warm-up.

    case: path, headers and the status expected. Returns the wall seconds, each request's
    latency, the errors, and the CPU seconds of the load process and of the server.
    """
    spec = {"port": port, "group": group, "case": case, "seconds": seconds, "warmup": warmup}
    done = subprocess.run(
        [sys.executable, "-m", "bench.http_load"],
        cwd=ROOT,
        input=json.dumps(spec),
        stdout=subprocess.PIPE,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def hammer(port: int, case: dict[str, Any], seconds: float) -> dict[str, Any]:
    """THREADS threads requesting the case until `seconds` have passed."""
    latencies: list[float] = []
    errors: list[str] = []
    until = time.perf_counter() + seconds

    def worker() -> None:
        while time.perf_counter() < until:
            start = time.perf_counter()
            try:
                status = fetch(port, case["path"], case["headers"])[0]
            except OSError as exc:
                errors.append(repr(exc))
                continue
            if status != case["status"]:
                errors.append(f"status {status}")
            else:
                latencies.append(time.perf_counter() - start)

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {"seconds": time.perf_counter() - start, "latencies": latencies, "errors": errors}


def load_process() -> None:
    """The load generator's side: a warm-up, then the timed run."""
    spec = json.load(sys.stdin)
    hammer(spec["port"], spec["case"], spec["warmup"])
    before, server_before = os.times(), server_cpu(spec["group"])
    result = hammer(spec["port"], spec["case"], spec["seconds"])
    after = os.times()
    result["server_cpu"] = server_cpu(spec["group"]) - server_before
    result["client_cpu"] = after.user + after.system - before.user - before.system
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    load_process()
