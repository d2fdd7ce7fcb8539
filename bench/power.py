"""Benchmark (issue 14): days per 400 mAh charge for each build, every current cited.

For each build and mode (worn; on the desk awake; on the desk asleep) it lists the
currents with their sources (tools/mpy_power.py), then the days a 400 mAh cell lasts on
a realistic day (8 h worn, 16 h on the desk) and in continuous wear, against the goals
of issue 14: at least 14 days for the recommended build (Feather nRF52840 Sense) and at
least 4 for the QT Py RP2040 build. Where a goal is missed it names the current that
dominates. The per-sample cost comes from a simulated wearer run through the board's
stack (firmware Monitor, real adafruit_lsm6ds driver on a register fake) in CPython:
bytecode operations per sample, scaled to each board's clock, which also shows the
margin the loop keeps at 26 Hz when the RP2040 runs at 25 MHz.

Exit status 1 when a goal is missed (the figures are printed either way).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
sys.path.insert(1, str(ROOT))

import mpy_power  # noqa: E402
from mpy_samples import wearer_day  # noqa: E402

HOURS = 1.0
SEED = 6
PERIOD_MS = 1000.0 / mpy_power.RATE_HZ


def figures(hours: float = HOURS, sleep_min: float = mpy_power.SLEEP_MIN_DEFAULT) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "day.bin"
        wearer_day(path, hours, SEED, ticks_start=1000)
        cost = mpy_power.measure_cost(path, seconds=min(120.0, hours * 3600 / 4), skip_s=min(600.0, hours * 900))
    out: dict[str, Any] = {"cost": cost, "builds": [], "goals": mpy_power.GOALS, "cell_mah": mpy_power.CELL_MAH,
           "worn_h": mpy_power.WORN_H, "desk_h": mpy_power.DESK_H, "sleep_min": sleep_min, "margin": {}}
    for board, mhz in (("QT Py RP2040", 125.0), ("QT Py RP2040", 25.0), ("Feather nRF52840 Sense", 64.0)):
        us = mpy_power.us_per_op(board, mhz)
        mean_ms = cost["ops_mean"] * us / 1000 + cost["i2c_ms_per_sample"]
        max_ms = cost["ops_max"] * us / 1000 + cost["i2c_ms_per_sample"]
        out["margin"]["%s at %g MHz" % (board, mhz)] = {
            "us_per_op": us, "mean_ms": round(mean_ms, 2), "max_ms": round(max_ms, 2),
            "mean_margin": round(PERIOD_MS / mean_ms, 1), "max_fits": max_ms < PERIOD_MS}
    for build in mpy_power.builds(cost, sleep_min):
        row = {"key": build["key"], "name": build["name"], "modes": build["modes"],
               "measured": mpy_power.day_figures(build)}
        if build.get("rp2040"):
            row["upper"] = mpy_power.day_figures(build, mpy_power.RP2040_BOOST_UPPER)
        out["builds"].append(row)
    return out


def _print(f: dict) -> bool:
    c = f["cost"]
    print("power: days per %d mAh charge; realistic day = %g h worn + %g h on the desk; sleep after %g min"
          " off the body" % (f["cell_mah"], f["worn_h"], f["desk_h"], f["sleep_min"]))
    print("  per sample (CPython bytecode operations, driver included, %d samples traced): mean %.0f, p99 %d,"
          " max %d; I2C %.2f ms a sample; gyro on %.0f%% of worn time; motor %.3f mA on average"
          % (c["traced"], c["ops_mean"], c["ops_p99"], c["ops_max"], c["i2c_ms_per_sample"],
             100 * c["gyro_on_share"], c["motor_ma"]))
    print("  loop time against the %.1f ms sample period (us per operation: the model's estimate, scaled to"
          " the clock):" % PERIOD_MS)
    for name, m in f["margin"].items():
        print("    %-32s %.2f us/op: mean %.2f ms (%.1fx margin), slowest sample %.2f ms%s"
              % (name, m["us_per_op"], m["mean_ms"], m["mean_margin"], m["max_ms"],
                 "" if m["max_fits"] else " (over one period: the loop catches up on the next samples)"))
    ok = True
    for b in f["builds"]:
        print("  %s" % b["name"])
        for mode, day_h, cont_h, parts in b["modes"]:
            total = sum(p[1] for p in parts)
            print("    %-40s %5.2f h a day (%4.1f h continuous), %.3f mA:" % (mode, day_h, cont_h, total))
            for name, ma, src in parts:
                print("        %7.3f mA  %s -- %s" % (ma, name, src))
        for label in ("realistic", "continuous"):
            m = b["measured"][label]
            line = "    %-10s %.1f mAh a day: %.1f days" % (label, m["mah_per_day"], m["days"])
            if "upper" in b:
                u = b["upper"][label]
                line += " (%.1f days if the board draws 1.5x the Pico's 5 V figures: rail current)" % u["days"]
            print(line)
        goal = f["goals"].get(b["key"])
        if goal is not None:
            got = b["measured"]["realistic"]["days"]
            top = b["measured"]["realistic"]["parts"][0]
            verdict = "MEETS" if got >= goal else "MISSES"
            print("    goal: at least %g days on the realistic day -- %s (%.1f days); largest share: %s, %.0f%%"
                  % (goal, verdict, got, top[0], 100 * top[2]))
            if got < goal:
                ok = False
                print("    why: %s is %.1f mAh of the day's %.1f mAh; the goal needs the day below %.1f mAh"
                      % (top[0], top[1], b["measured"]["realistic"]["mah_per_day"], f["cell_mah"] / goal))
    days = {b["key"]: b["measured"]["realistic"]["days"] for b in f["builds"]}
    if days.get("feather_sense_no_sleep", 0) > days.get("feather_sense", 0):
        print("  note: with the only published nRF52840 deep-sleep figure (issue 5318, a time alarm on"
              " CircuitPython 7) the Feather Sense lasts longer awake on the desk (%.1f days) than asleep"
              " (%.1f days), so the clip's default there is POSTURE_SLEEP_MIN = 0 (firmware/boards.py)"
              " until someone measures the board's pin-alarm deep sleep"
              % (days["feather_sense_no_sleep"], days["feather_sense"]))
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=HOURS, help="simulated wearer hours for the per-sample cost")
    parser.add_argument("--sleep-min", type=float, default=mpy_power.SLEEP_MIN_DEFAULT)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    f = figures(args.hours, args.sleep_min)
    if args.json:
        print(json.dumps(f, indent=2))
        ok = all(b["measured"]["realistic"]["days"] >= f["goals"][b["key"]]
                 for b in f["builds"] if b["key"] in f["goals"])
    else:
        ok = _print(f)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
