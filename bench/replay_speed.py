"""Benchmark: replay an 8-hour, 26 Hz recording and print how much faster than real time it runs.

Target (issue 3): at least 3000x real time on one core, CSV parsing included.
Prints figures; never fails on speed (shared machines are noisy), but exits
non-zero if the replay itself goes wrong.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from firmware.settings import Settings
from host.recording import read_recording
from host.replay import replay
from host.sim import scenario
from host.sim.wearer import render

HOURS = 8
RATE = 26
TARGET = 3000


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "day.csv"
        t0 = time.perf_counter()
        rec = render(scenario.make_day(HOURS, seed=8), rate_hz=RATE, mount="rotated", seed=8)
        rec.to_csv(path)
        t_make = time.perf_counter() - t0
        best_total = best_core = float("inf")
        for _ in range(3):
            t0 = time.perf_counter()
            loaded = read_recording(path)
            t1 = time.perf_counter()
            result = replay(loaded, Settings())
            t2 = time.perf_counter()
            best_total = min(best_total, t2 - t0)
            best_core = min(best_core, t2 - t1)
        real = loaded.duration_s
        n = len(loaded)
        alerts = sum(1 for e in result.events if e["event"] == "slouch_alert")
        if alerts == 0:
            print("replay_speed: no alerts in a simulated day; something is wrong", file=sys.stderr)
            return 1
        print(f"replay: {HOURS} h at {RATE} Hz = {n} samples (made in {t_make:.1f} s)")
        print(f"replay: read+replay {best_total:.2f} s -> {real / best_total:,.0f}x real time "
              f"(target {TARGET}x); detector alone {1e6 * best_core / n:.2f} us/sample, "
              f"{real / best_core:,.0f}x")
        print(f"replay: {len(result.events)} events, {alerts} slouch alerts")
    return 0


if __name__ == "__main__":
    sys.exit(main())
