"""The same simulated wearer's day gives the same events under MicroPython and CPython.

The day comes from host/sim (scenario.make_day rendered by wearer.render), its
ticks start ten minutes before the 2**29 wrap, and one driver file
(mpy_scenario.py) runs it in both runtimes through the real Monitor and
PostureDetector. MicroPython runs with a board-sized heap that must not grow.
"""

from collections import Counter
from pathlib import Path

import pytest

import mpy_scenario
from firmware.ticks import TICKS_PERIOD
from mpy_samples import wearer_day
from mpyrun import run_mpy

HERE = Path(__file__).resolve().parent
HOURS = 1.5
SEED = 3

MPY_SCRIPT = """
import gc
import mpy_scenario
replay = mpy_scenario.Replay('/data/day.bin', print)

def _chunk():
    n = replay.chunk(26)
    gc.collect()
    if n == 0:
        print('samples', replay.count)
    return n
"""


@pytest.fixture(scope="module")
def day(tmp_path_factory):
    path = tmp_path_factory.mktemp("device") / "day.bin"
    n = wearer_day(path, HOURS, SEED, ticks_start=TICKS_PERIOD - 600_000)
    return path, n


@pytest.fixture(scope="module")
def cpython_lines(day):
    path, _n = day
    lines: list[str] = []
    count = mpy_scenario.run(str(path), lines.append)
    return lines + ["samples %d" % count]


def test_same_events_and_minutes_under_micropython(day, cpython_lines):
    path, n = day
    out = run_mpy(MPY_SCRIPT, heap=128 * 1024, loop="_chunk",
                  copies=("firmware", HERE.parents[1] / "tools" / "mpy_scenario.py", (path, "/data/day.bin")))
    mpy_lines = out.splitlines()
    assert mpy_lines[-1] == "samples %d" % n
    assert mpy_lines == cpython_lines


def test_the_day_is_not_trivial(cpython_lines):
    kinds = Counter(line.split()[2] for line in cpython_lines if line.startswith("E "))
    for kind in ("calibrated", "slouch_start", "slouch_alert", "slouch_end", "activity"):
        assert kinds[kind] >= 1, kinds
    minutes = [line for line in cpython_lines if line.startswith("M ")]
    assert len(minutes) >= int(HOURS * 60) - 2
    # the run crosses the ticks wrap
    times = [int(line.split()[1]) for line in cpython_lines[:-1]]
    assert max(times) > TICKS_PERIOD - 600_000 and min(times) < 3_600_000
