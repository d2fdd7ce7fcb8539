"""Shared pieces of the fault tier: a simulated clip wearing a scripted posture day.

Everything runs on simulated time (SimClock): no test here sleeps on the wall clock.
"""

from __future__ import annotations

import ast
from typing import Any

from host.sim import scenario
from host.sim.circuitpython import SimClock
from host.sim.device import SimDevice
from host.sim.wearer import render

TICKS_PERIOD = 1 << 29

# 25 s upright to calibrate, then a 60 s slouch, then upright again.
SLOUCH_DAY = [("upright", 25), ("slouch", 60, {"flex": 30}), ("upright", 40)]
SLOUCH_START_S = 25


def recording(spec: list[tuple] | None = None, seed: int = 1, rate_hz: float = 104.0) -> Any:
    """A synthetic wearer (a motion source with at(t_ms)) following spec."""
    return render(scenario.build(spec or SLOUCH_DAY), rate_hz=rate_hz, seed=seed)


def device(motion: Any = None, start_ticks: int = 0, settings: dict[str, object] | str | None = None,
           **kw: Any) -> SimDevice:
    """The real boot.py/code.py on a simulated board, its clock starting at start_ticks."""
    return SimDevice(motion if motion is not None else recording(), settings=settings,
                     clock=SimClock(start_ticks=start_ticks), **kw)


def events(dev: SimDevice) -> list[tuple[int, dict[str, Any]]]:
    """(elapsed ms, event dict) for every event the firmware printed on the console."""
    out = []
    for t_ms, line in dev.console_lines():
        if line.startswith("posture: ") and " {" in line:
            try:
                out.append((t_ms, ast.literal_eval(line[line.index(" {") + 1:])))
            except (ValueError, SyntaxError):
                continue
    return out


def kinds(dev: SimDevice) -> list[str]:
    return [e["event"] for _t, e in events(dev)]


def first(dev: SimDevice, kind: str) -> tuple[int, dict[str, Any]]:
    for t_ms, e in events(dev):
        if e["event"] == kind:
            return t_ms, e
    raise AssertionError("no %s event; console:\n%s" % (kind, dev.console_text()))


def buzz_starts(dev: SimDevice) -> list[int]:
    """Elapsed ms at which the motor started each vibration."""
    return [start for start, _end in dev.vibrations()]
