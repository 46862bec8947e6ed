"""Shared helpers for the benchmarks: timing, JSON lines, the reference engine."""

from __future__ import annotations

import datetime
import json
import platform
import statistics
import sys
import time
from collections.abc import Callable


def emit(record: dict) -> None:
    """Print one JSON line (and flush, so a slow run shows progress)."""
    record = {"date": datetime.date.today().isoformat(), **record}
    print(json.dumps(record, sort_keys=False), flush=True)


def median_time(fn: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def environment() -> dict:
    return {"python": platform.python_version(), "platform": sys.platform, "machine": platform.machine()}


def micrograd_value():
    """micrograd 0.1.0's Value, or exit with a clear message."""
    try:
        from micrograd.engine import Value
    except ImportError:
        sys.exit("benchmarks need the reference engine: pip install 'micrograd==0.1.0' (make bench does it)")
    return Value
