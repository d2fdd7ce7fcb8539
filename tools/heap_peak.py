"""Print the board-stack heap peak under real MicroPython for two simulated hours
(the figure tests/device/test_mpy_budget.py holds under mpy_budget.HEAP_BUDGET).

    .venv/bin/python tools/heap_peak.py
"""
import pathlib
import sys
import tempfile

sys.path[:0] = ["tools", "tests/device", "."]
import mpy_budget  # noqa: E402  (found through the sys.path line above)
from mpy_samples import wearer_day  # noqa: E402

p = pathlib.Path(tempfile.mkdtemp()) / "day.bin"
wearer_day(p, 2.0, 6, ticks_start=1000)
r = mpy_budget.measure_day(p, 2.0, start_ticks=0)
print("budget", mpy_budget.HEAP_BUDGET, "peak", r["live_max"] - r["baseline"] + r["step_alloc_max"],
      "live_max-baseline", r["live_max"] - r["baseline"], "step", r["step_alloc_max"],
      "loaded", r["loaded"] - r["baseline"])
