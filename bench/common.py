"""Shared benchmark helpers: a fresh database per run, timing, peak memory, reporting."""

from __future__ import annotations

import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
PG_ADMIN_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432")


def machine() -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "machine": platform.machine(),
        "mem_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
    }


def database_url(engine: str, name: str) -> str:
    """A fresh, empty database for one benchmark run: a new SQLite file or a recreated PostgreSQL db."""
    if engine == "sqlite":
        path = OUT / f"{name}.sqlite3"
        OUT.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}"
    dbname = f"bench_{name}"
    for sql in (f"DROP DATABASE IF EXISTS {dbname}", f"CREATE DATABASE {dbname}"):
        subprocess.run(["psql", PG_ADMIN_URL + "/postgres", "-q", "-c", sql], check=True)
    return f"{PG_ADMIN_URL}/{dbname}"


def manage(db_url: str, *args: str, capture: bool = False) -> subprocess.CompletedProcess[str]:
    """Run ``manage.py`` against ``db_url`` in a child process (its own settings and memory)."""
    env = {**os.environ, "DATABASE_URL": db_url, "DEBUG": "1"}
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        env=env,
        check=True,
        text=True,
        capture_output=capture,
    )


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux reports kB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@contextmanager
def timed() -> Any:
    box: dict[str, float] = {}
    start = time.perf_counter()
    try:
        yield box
    finally:
        box["seconds"] = time.perf_counter() - start


def best_of(func: Callable[[], Any], repeat: int = 3) -> tuple[float, Any]:
    """The fastest of ``repeat`` runs (the least disturbed by a shared machine) and the last result."""
    times = []
    result = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - start)
    return min(times), result


def median(values: list[float]) -> float:
    return statistics.median(values)


def report(name: str, data: dict[str, Any]) -> Path:
    """Print the result as JSON and keep it in bench/out/NAME.json."""
    OUT.mkdir(parents=True, exist_ok=True)
    data = {"benchmark": name, "machine": machine(), **data}
    path = OUT / f"{name}.json"
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2))
    print(json.dumps(data, ensure_ascii=False, indent=2))
    return path
