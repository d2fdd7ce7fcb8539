"""Benchmark: how fast `posture --help` and `posture devices` start, and what they import.

Each command runs as its own process (the installed `posture` script when there is one),
best of N runs of wall time, so the figure is what a user waits for. Then the same command
runs once inside a fresh interpreter that lists the modules it loaded: the heavy ones
(numpy, matplotlib, rich, the firmware replay) belong only to the commands that use them.
Exits 1 when a light command loads a heavy module.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUNS = 7
COMMANDS = (["--help"], ["devices"])
HEAVY = ("numpy", "matplotlib", "rich", "PIL", "firmware.detector", "host.summary", "host.plots")

LIST_MODULES = """
import json, sys
from host.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
sys.stdout = sys.__stdout__
print("\\n@@" + json.dumps(sorted(sys.modules)))
"""


def command() -> list[str]:
    script = Path(sys.executable).with_name("posture")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from host.cli import main; sys.exit(main())"]


def best_time(args: list[str]) -> float:
    best = float("inf")
    for _ in range(RUNS):
        t0 = time.perf_counter()
        subprocess.run(command() + args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        best = min(best, time.perf_counter() - t0)
    return best


def modules(args: list[str]) -> list[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-c", LIST_MODULES, *args], cwd=ROOT, env=env,
                         capture_output=True, text=True).stdout
    return json.loads(out.rsplit("\n@@", 1)[1])


def main() -> int:
    t0 = time.perf_counter()
    for _ in range(RUNS):
        subprocess.run([sys.executable, "-c", "pass"], cwd=ROOT)
    python_s = (time.perf_counter() - t0) / RUNS
    print(f"bare python start-up: {python_s * 1000:.0f} ms (mean of {RUNS})")
    failed = False
    for args in COMMANDS:
        name = "posture " + " ".join(args)
        seconds = best_time(args)
        mods = modules(args)
        ours = [m for m in mods if m.split(".")[0] in ("host", "firmware")]
        heavy = sorted({h for h in HEAVY for m in mods if m == h or m.startswith(h + ".")})
        print(f"{name:18} {seconds * 1000:6.0f} ms (best of {RUNS}); {len(mods)} modules loaded, "
              f"{len(ours)} of them posture's: {', '.join(ours)}")
        print(f"{'':18} heavy modules loaded: {', '.join(heavy) if heavy else 'none'}")
        failed |= bool(heavy)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
