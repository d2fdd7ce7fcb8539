"""Benchmark (issue 6): does the firmware fit a microcontroller, and how long does a charge last?

Under real MicroPython (WebAssembly port under Node, tools/mpy_run.mjs), the board's
stack (real adafruit_lsm6ds driver on a register-level I2C fake, ImuSensor,
PostureDetector, haptics Player, Monitor) runs a simulated 8-hour desk day from the
synthetic wearer (host/sim). Prints:

- heap: live heap after a collection each simulated hour and its growth per hour
  (0 expected), the peak (largest live heap + largest allocation within one sample),
  and the import footprint of each firmware module and of the driver;
- per-sample cost: time per sample under the wasm MicroPython (machine-dependent) and
  CPython bytecode instructions per sample (deterministic: a regression shows exactly);
- bytes of bytecode from mpy-cross for every file that goes to the board;
- a power model: average current and days of wear on a 400 mAh cell per board, from
  the IMU's mode log, the CPU's duty between samples and the motor's duty (figures
  and their datasheet sources in tools/mpy_budget.py).

Exit status 1 when a run fails or the heap grows; budgets are printed, not enforced here
(tests/device/test_mpy_budget.py enforces them).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

import mpy_budget  # noqa: E402
import mpy_check  # noqa: E402
from mpy_samples import wearer_day  # noqa: E402

HOURS = 8
SEED = 6
ISSUE_PEAK_TARGET = 40 * 1024   # issue 6: "peak below 40 KB with the driver loaded"


def bytecode_sizes() -> tuple[list[tuple[str, int]], int]:
    binary = mpy_check.mpy_cross_binary()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for path in mpy_check.board_files():
            size, message = mpy_check.compile_size(binary, path, Path(tmp))
            if size is None:
                raise SystemExit("mpy-cross failed on %s: %s" % (path, message))
            rows.append((str(path.relative_to(ROOT)), size))
    return rows, sum(size for _name, size in rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=HOURS, help="simulated hours (default 8)")
    parser.add_argument("--json", action="store_true", help="print every figure as JSON")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "day.bin"
        t0 = time.perf_counter()
        n = wearer_day(path, args.hours, SEED, ticks_start=1000)
        t_make = time.perf_counter() - t0
        t0 = time.perf_counter()
        day = mpy_budget.measure_day(path, args.hours, start_ticks=0)
        t_run = time.perf_counter() - t0
        ops = mpy_budget.count_ops(path)
    import_rows = mpy_budget.import_costs()
    imports = [(name, size) for name, size, _during in import_rows]
    files, total_mpy = bytecode_sizes()
    power = mpy_budget.power_model(day, ops)

    hourly = day["hourly"]              # hour 0 (just set up), 1, 2, ...
    steady = hourly[1:]                 # from hour 1: calibration and first-minute state exist
    growth = [b - a for a, b in zip(steady, steady[1:])]
    growth_per_hour = (steady[-1] - steady[0]) / (len(steady) - 1) if len(steady) > 1 else 0.0
    firmware_live = day["live_max"] - day["baseline"]
    peak = firmware_live + day["step_alloc_max"]
    figures = {
        "samples": n, "simulated_hours": args.hours, "events": day["events"],
        "heap_live_hourly": hourly, "heap_growth_per_hour": growth_per_hour,
        "heap_harness_baseline": day["baseline"], "heap_after_imports": day["loaded"] - day["baseline"],
        "heap_after_setup": day["built"] - day["baseline"], "heap_live_max": firmware_live,
        "alloc_per_sample_max": day["step_alloc_max"], "alloc_per_sample_mean": day["step_alloc_sum"] / max(1, day["n"]),
        "heap_peak": peak, "heap_peak_target": ISSUE_PEAK_TARGET, "heap_budget": mpy_budget.HEAP_BUDGET,
        "import_footprint": dict(imports),
        "import_allocated_from_source": {name: during for name, _size, during in import_rows},
        "us_per_sample_wasm": day["step_us"] / max(1, day["n"]), "cpython_ops_per_sample": ops,
        "mpy_bytes": dict(files), "mpy_bytes_total": total_mpy, "power": power,
        "wall_s": {"make_day": round(t_make, 2), "micropython_day": round(t_run, 2)},
    }
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        _print(figures, growth)
    ok = len(steady) >= 2 and all(g <= 0 for g in growth)
    if not ok:
        print("FAIL: the live heap grew (or fewer than two hourly readings after hour 1)", file=sys.stderr)
    return 0 if ok else 1


def _print(f: dict, growth: list[int]) -> None:
    kb = lambda b: "%.1f KB" % (b / 1024)  # noqa: E731
    print("memory_power: %d samples (%.0f simulated hours at 26 Hz), %d events, under MicroPython (wasm)"
          % (f["samples"], f["simulated_hours"], f["events"]))
    print("  heap, live after collection, hour 0 (set up), 1, 2, ...: %s"
          % ", ".join(str(v) for v in f["heap_live_hourly"]))
    print("  heap growth per hour from hour 1: %.1f bytes (hour to hour: %s; 0 expected)"
          % (f["heap_growth_per_hour"], ", ".join(str(g) for g in growth) or "-"))
    print("  heap held by firmware + driver: after imports %s, after setup %s, live max %s"
          % (kb(f["heap_after_imports"]), kb(f["heap_after_setup"]), kb(f["heap_live_max"])))
    print("  allocation within one sample: max %d bytes, mean %.0f bytes (this port boxes floats;"
          " CircuitPython's 30-bit floats do not allocate)" % (f["alloc_per_sample_max"], f["alloc_per_sample_mean"]))
    verdict = "within" if f["heap_peak"] <= f["heap_peak_target"] else "OVER"
    budget = "within" if f["heap_peak"] <= f["heap_budget"] else "OVER"
    print("  heap peak (live max + one sample's allocations): %s -- %s the issue's %s target; %s the"
          " %s board budget (tools/mpy_budget.py)"
          % (kb(f["heap_peak"]), verdict, kb(f["heap_peak_target"]), budget, kb(f["heap_budget"])))
    print("  import footprint, bytes (live heap kept; allocated while compiling from .py, an upper"
          " bound on the import's transient need; dependency order):")
    during = f["import_allocated_from_source"]
    for name, size in f["import_footprint"].items():
        print("    %-28s %6d %7d" % (name, size, during[name]))
    print("    %-28s %6d %7s" % ("total", sum(f["import_footprint"].values()), "max %d" % max(during.values())))
    print("  per sample: %.1f us under wasm MicroPython; %.0f CPython bytecode instructions (driver included)"
          % (f["us_per_sample_wasm"], f["cpython_ops_per_sample"]))
    print("  bytecode (mpy-cross): %d bytes in %d files" % (f["mpy_bytes_total"], len(f["mpy_bytes"])))
    p = f["power"]
    print("  power model: IMU %.3f mA (gyro on %.1f%% of the time), motor %.4f mA, I2C %.2f ms a sample"
          % (p["imu_ma"], 100 * p["gyro_on_share"], p["motor_ma"], p["i2c_ms_per_sample"]))
    for m in p["imu_modes"]:
        print("    IMU accel %s Hz%s, gyro %s Hz: %.2f%% of the time at %.4f mA"
              % (m["accel_hz"], " low-power" if m["accel_low_power"] else "", m["gyro_hz"], 100 * m["share"], m["ma"]))
    for name, b in p["boards"].items():
        print("    %-24s CPU %.2f ms a sample (duty %.1f%%), MCU %.2f mA, total %.2f mA: %.0f h a charge,"
              " %.1f days of 8-hour wear on 400 mAh"
              % (name, b["active_ms_per_sample"], 100 * b["cpu_duty"], b["mcu_ma"], b["total_ma"],
                 b["hours_per_charge"], b["wear_days_per_charge"]))
    print("  wall time: day made in %.1f s, MicroPython run %.1f s" % (f["wall_s"]["make_day"], f["wall_s"]["micropython_day"]))


if __name__ == "__main__":
    try:
        sys.exit(main())
    except subprocess.TimeoutExpired:
        print("memory_power: the MicroPython run timed out", file=sys.stderr)
        sys.exit(1)
