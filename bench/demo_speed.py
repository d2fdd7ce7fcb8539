"""Benchmark: how long `posture demo` takes for its 14 simulated 8-hour days (issue 13: `make
demo` under a minute on the 2-core machine), and where the time goes per day.

Prints figures; never fails on speed (shared machines are noisy), but exits non-zero if the
demo itself goes wrong.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

from host.demo import run_demo, show_results

DAYS = 14
TARGET_S = 60.0


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        t0 = time.perf_counter()
        figures = run_demo(out, days=DAYS)
        t1 = time.perf_counter()
        with open(os.devnull, "w") as sink:
            from rich.console import Console

            show_results(Path(figures["db"]), out, DAYS, Console(file=sink))
        t2 = time.perf_counter()
    samples = DAYS * 8 * 3600 * 26
    print(f"demo: {DAYS} days of 8 h in {t1 - t0:.1f} s ({(t1 - t0) / DAYS:.2f} s a day, "
          f"{(t1 - t0) / samples * 1e6:.1f} us a sample with rendering and syncs); "
          f"summary, suggestions and report {t2 - t1:.1f} s; total {t2 - t0:.1f} s "
          f"(target under {TARGET_S:.0f} s: {'met' if t2 - t0 < TARGET_S else 'NOT met'})")
    print("plan: " + " -> ".join(str(d["train_min"]) for d in figures["days"]) + " min a day; "
          "slouch alerts a day: " + " ".join(str(d["slouch_alerts"]) for d in figures["days"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
