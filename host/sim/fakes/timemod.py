"""A fake `time` module bound to the SimClock, installed only while the simulated device runs.

It keeps every attribute of the real `time` (so a standard-library module imported
meanwhile still works) and replaces the clock-reading and sleeping ones.
"""

from __future__ import annotations

import time as _real_time
import types
from typing import Any


def make_module(clock: Any) -> types.ModuleType:
    mod = types.ModuleType("time")
    for name in dir(_real_time):
        if not name.startswith("__"):
            setattr(mod, name, getattr(_real_time, name))
    epoch_base = 946684800  # 2000-01-01, CircuitPython's default RTC start

    def sim_time() -> int:
        return epoch_base + clock.now_ms // 1000

    def localtime(secs: float | None = None) -> Any:
        return _real_time.gmtime(sim_time() if secs is None else secs)

    mod.sleep = clock.sleep  # type: ignore[attr-defined]
    mod.monotonic = clock.monotonic  # type: ignore[attr-defined]
    mod.monotonic_ns = clock.monotonic_ns  # type: ignore[attr-defined]
    mod.time = sim_time  # type: ignore[attr-defined]
    mod.time_ns = lambda: (epoch_base * 1000 + clock.now_ms) * 1_000_000  # type: ignore[attr-defined]
    mod.localtime = localtime  # type: ignore[attr-defined]
    mod.__doc__ = "Simulated time (host.sim.circuitpython.SimClock)."
    return mod
