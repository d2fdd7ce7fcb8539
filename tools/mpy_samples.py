"""Sample files for the device tier, from the synthetic wearer (host/sim)."""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Iterable, Sequence

from firmware.ticks import TICKS_PERIOD

RECORD = struct.Struct("<Iffffff")


def write_samples(path: Path, rows: Iterable[Sequence[float]], ticks_start: int = 0) -> int:
    """rows of (t_s, ax, ay, az, gx, gy, gz) -> binary sample file; returns the count."""
    n = 0
    with open(path, "wb") as fh:
        for row in rows:
            ticks = (ticks_start + int(round(row[0] * 1000))) % TICKS_PERIOD
            fh.write(RECORD.pack(ticks, *row[1:7]))
            n += 1
    return n


def wearer_day(path: Path, hours: float, seed: int, ticks_start: int = 0, mount: str = "nominal") -> int:
    """A simulated desk-work day (host.sim.scenario.make_day rendered by host.sim.wearer)."""
    from host.sim import scenario
    from host.sim.wearer import render

    rec = render(scenario.make_day(hours, seed), mount=mount, seed=seed)
    rows = ((t, *a, *g) for t, a, g in zip(rec.t_s.tolist(), rec.accel.tolist(), rec.gyro.tolist()))
    return write_samples(path, rows, ticks_start)
