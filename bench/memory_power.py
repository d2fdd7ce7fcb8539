"""Benchmark (issue 6): does the firmware fit a microcontroller, and how long does a charge last?

Under real MicroPython (WebAssembly port under Node, tools/mpy_run.mjs), the board's
stack as firmware/wiring.main builds it (tools/mpy_day.py: settings, durable log, data
channel, real adafruit_lsm6ds driver on a register-level I2C fake, ImuSensor,
PostureDetector, haptics Player, Monitor) runs a simulated 8-hour desk day from the
synthetic wearer (host/sim), on a flash already holding four weeks of unsynced log, then a
host syncs all of it. Prints:

- heap, with the modules loaded from .py (compiled on the board, in the form deploy installs
  them: host/board_source.py) and from .mpy
  (precompiled with mpy-cross, as a board runs its libraries): live heap after a
  collection each simulated hour and its growth per hour (0 expected), the steady
  live heap, the peak (largest live heap + largest allocation within one sample), the
  peak while a host syncs the whole log, the import footprint of each firmware
  module and of the driver (with its qstr share), and an estimate for a build with
  the modules frozen into the CircuitPython image;
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
from concurrent.futures import ThreadPoolExecutor
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


GC_BLOCK = 16  # bytes: MicroPython's allocation unit on 32-bit ports


def heap_figures(day: dict, step_alloc_max: int) -> dict:
    """Heap figures of one day run, net of the harness (bytes held before any firmware import)."""
    base = day["baseline"]
    steady = day["hourly"][1:]          # from hour 1: calibration and first-minute state exist
    growth = [b - a for a, b in zip(steady, steady[1:])]
    # An hour in which the log opened a new flash segment adds one entry to its segment table
    # (bounded: see log_segment_table_full); any other growth is a leak.
    segs = day["segments_hourly"][1:]
    new_segment_hours = [i + 2 for i in range(len(growth)) if segs[i + 1] != segs[i]]
    leak = [g for i, g in enumerate(growth) if segs[i + 1] == segs[i]]
    live_max = day["live_max"] - base
    sync_live = max(day["sync_live_max"] - base, live_max)
    return {
        "after_imports": day["loaded"] - base, "after_setup": day["built"] - base,
        "live_hourly": [v - base for v in day["hourly"]], "growth_hour_to_hour": growth,
        "new_segment_hours": new_segment_hours, "growth_without_new_segment": leak,
        "growth_per_hour": (steady[-1] - steady[0]) / (len(steady) - 1) if len(steady) > 1 else 0.0,
        "steady_live": (steady[-1] if steady else day["hourly"][-1]) - base,
        "live_max": live_max, "peak": live_max + step_alloc_max,
        "sync_live_max": sync_live, "poll_alloc_max": day["poll_alloc_max"],
        # the largest live heap before a poll plus what that poll allocated, plus one sample's
        "sync_peak": max(day["sync_peak"] - base, live_max) + step_alloc_max,
        "backlog_days": day["backlog_days"], "backlog_records": day["backlog_records"],
        "sync_records": day["sync_records"],
        "log_segments_end": day.get("segments_end", 0), "log_segments_max": day.get("segments_max", 0),
        "log_segment_table_full": day.get("segment_table_full", 0),
    }


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
        # The MicroPython runs are separate Node processes: run them side by side. Only the
        # .py run reads the allocation of every step (slow); a step allocates the same from
        # either form (tests/device/test_mpy_budget.py), so its figure serves both.
        with ThreadPoolExecutor(max_workers=4) as pool:
            runs = {form: pool.submit(mpy_budget.measure_day, path, args.hours, start_ticks=0, form=form,
                                      per_step=(form == "py"))
                    for form in mpy_budget.FORMS}
            import_jobs = {form: pool.submit(mpy_budget.import_table, form) for form in mpy_budget.FORMS}
            ops = mpy_budget.count_ops(path)
            days = {form: job.result() for form, job in runs.items()}
            import_rows = {form: job.result() for form, job in import_jobs.items()}
        t_run = time.perf_counter() - t0
    files, total_mpy = bytecode_sizes()
    with tempfile.TemporaryDirectory() as tmp:
        module_mpy = mpy_budget.mpy_sizes(Path(tmp))
    day = days["py"]
    power = mpy_budget.power_model(day, ops)
    step_max = day["step_alloc_max"]
    heap = {form: heap_figures(days[form], step_max) for form in mpy_budget.FORMS}
    day_modules = days["mpy"]["day_modules"]
    # A frozen build (modules compiled into the CircuitPython image) runs bytecode from flash and
    # keeps their names in its ROM qstr pool: the RAM left is at most the .mpy run's heap less
    # the .mpy bytes of the modules the day loaded (loading takes at least the file's size).
    loaded_mpy = sum(module_mpy.get(m, 0) for m in day_modules)
    sync_mpy = sum(module_mpy.get(m, 0) for m in days["mpy"]["sync_modules"])
    driver = [m for m in module_mpy if m.startswith("adafruit")]
    frozen = {
        "day_modules": day_modules, "mpy_bytes_loaded": loaded_mpy,
        "steady_live_at_most": heap["mpy"]["steady_live"] - loaded_mpy,
        "peak_at_most": heap["mpy"]["peak"] - loaded_mpy,
        "sync_live_at_most": heap["mpy"]["sync_live_max"] - sync_mpy,
        "driver_mpy_bytes_loaded": sum(module_mpy[m] for m in driver if m in day_modules),
    }
    figures = {
        "samples": n, "simulated_hours": args.hours, "events": day["events"],
        "heap": heap, "heap_peak_target": ISSUE_PEAK_TARGET, "heap_budget": mpy_budget.HEAP_BUDGET,
        "heap_harness_baseline": {form: days[form]["baseline"] for form in mpy_budget.FORMS},
        "qstr": {form: days[form]["qstr"] for form in mpy_budget.FORMS},
        "alloc_per_sample_max": step_max, "alloc_per_sample_mean": day["step_alloc_sum"] / max(1, day["n"]),
        "import_footprint": {form: {r[0]: r[1] for r in rows} for form, rows in import_rows.items()},
        "import_allocated": {form: {r[0]: r[2] for r in rows} for form, rows in import_rows.items()},
        "import_qstr_bytes": {form: {r[0]: r[3] for r in rows} for form, rows in import_rows.items()},
        "us_per_sample_wasm": day["step_us"] / max(1, day["n"]), "cpython_ops_per_sample": ops,
        "mpy_bytes": dict(files), "mpy_bytes_total": total_mpy, "power": power, "frozen_estimate": frozen,
        "driver_modules": list(mpy_budget.DRIVER_MODULES),
        "wall_s": {"make_day": round(t_make, 2), "micropython_runs": round(t_run, 2)},
    }
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        _print(figures)
    # A leak grows the heap hour after hour. Net growth over the hours without a new log
    # segment may be at most one 16-byte GC block: a one-time step (a buffer reaching its
    # largest size once) is not a leak, and the readings jitter by a block with what is
    # live at the moment of the reading.
    ok = all(len(h["live_hourly"]) >= 3 and sum(h["growth_without_new_segment"]) <= GC_BLOCK
             for h in heap.values())
    if not ok:
        print("FAIL: the live heap grew by more than one GC block over the hours without a new log"
              " segment (or fewer than two hourly readings after hour 1)", file=sys.stderr)
    return 0 if ok else 1


def _print(f: dict) -> None:
    kb = lambda b: "%.1f KB" % (b / 1024)  # noqa: E731
    target, budget = f["heap_peak_target"], f["heap_budget"]
    print("memory_power: %d samples (%.0f simulated hours at 26 Hz), %d events, under MicroPython (wasm)"
          % (f["samples"], f["simulated_hours"], f["events"]))
    print("  the board's stack as firmware/wiring.main builds it: settings + overrides, durable log, data"
          " channel (idle, then a host syncs the whole log), real adafruit_lsm6ds driver, detector, motor")
    print("  heap held by firmware + driver (harness excluded), modules loaded from .py (compiled on the"
          " board, in the form `posture deploy` installs: host/board_source.py) and from .mpy (mpy-cross,"
          " as the CircuitPython bundle ships libraries):")
    for form, h in f["heap"].items():
        print("    .%-3s after imports %s, after setup %s, steady live (hour %d) %s, live max %s"
              % (form, kb(h["after_imports"]), kb(h["after_setup"]), len(h["live_hourly"]) - 1,
                 kb(h["steady_live"]), kb(h["live_max"])))
        print("         live after collection each hour: %s; growth per hour from hour 1: %.1f bytes (0 expected"
              " but for a new flash segment's table entry%s)"
              % (", ".join(str(v) for v in h["live_hourly"]), h["growth_per_hour"],
                 ": hour %s" % ", ".join(str(x) for x in h["new_segment_hours"]) if h["new_segment_hours"] else ""))
        print("         peak (live max + one sample's allocations) %s -- %s the %s target, %s the %s budget"
              % (kb(h["peak"]), "within" if h["peak"] <= target else "OVER", kb(target),
                 "within" if h["peak"] <= budget else "OVER", kb(budget)))
        print("         while syncing (%d records: %d days of unsynced log, %d records, then the day): live max %s,"
              " one poll allocates up to %s; peak %s -- %s the budget"
              % (h["sync_records"], h["backlog_days"], h["backlog_records"], kb(h["sync_live_max"]),
                 kb(h["poll_alloc_max"]), kb(h["sync_peak"]),
                 "within" if h["sync_peak"] <= budget else "OVER"))
    for form, q in f["qstr"].items():
        print("    .%-3s qstr table at the end (harness included): %d names in %d pools, %s (pools double as names"
              " are added: a few more names can cost a new pool)"
              % (form, q.get("n_qstr", -1), q.get("n_pool", -1), kb(q.get("n_total_bytes", 0))))
    h = f["heap"]["mpy"]
    print("  the log's segment table (one entry per 8 KB flash segment; %d at the end of the day): a full one"
          " (%d segments, weeks unsynced) holds %s more, not reached in a day"
          % (h["log_segments_end"], h["log_segments_max"], kb(h["log_segment_table_full"])))
    print("  allocation within one sample: max %d bytes, mean %.0f bytes (the same from .py or .mpy; this"
          " port boxes floats, CircuitPython's 30-bit floats do not allocate)"
          % (f["alloc_per_sample_max"], f["alloc_per_sample_mean"]))
    print("  import footprint, bytes, each module imported alone in dependency order: live heap it keeps,"
          " of which qstr (the interned-name table grows by doubling: one module carries each jump),"
          " and allocated while importing:")
    fp, during, qstr = f["import_footprint"], f["import_allocated"], f["import_qstr_bytes"]
    print("    %-32s %7s %6s %8s   %7s %6s %8s" % ("module", ".py", "qstr", "(import)", ".mpy", "qstr", "(import)"))
    for name in fp["py"]:
        print("    %-32s %7d %6d %8d   %7d %6d %8d" % (
            name, fp["py"][name], qstr["py"][name], during["py"][name],
            fp["mpy"].get(name, -1), qstr["mpy"].get(name, -1), during["mpy"].get(name, -1)))
    drv = f["driver_modules"]
    for label, names in (("driver (last %d rows)" % len(drv), drv), ("total", list(fp["py"]))):
        print("    %-32s %7d %6d %8s   %7d %6d" % (
            label, sum(fp["py"][n] for n in names), sum(qstr["py"][n] for n in names), "",
            sum(fp["mpy"][n] for n in names), sum(qstr["mpy"][n] for n in names)))
    fz = f["frozen_estimate"]
    print("  modules the day loaded: %d (protocol and log reader not among them: loaded when a host talks)"
          % len(fz["day_modules"]))
    print("  frozen into the CircuitPython image instead (bytecode and names in flash): the day's modules"
          " are %s of .mpy (driver %s), so steady live at most %s, peak at most %s, live while syncing at"
          " most %s (estimate: loading a .mpy takes at least its size)"
          % (kb(fz["mpy_bytes_loaded"]), kb(fz["driver_mpy_bytes_loaded"]), kb(fz["steady_live_at_most"]),
             kb(fz["peak_at_most"]), kb(fz["sync_live_at_most"])))
    print("  per sample: %.1f us under wasm MicroPython; %.0f CPython bytecode instructions (driver included)"
          % (f["us_per_sample_wasm"], f["cpython_ops_per_sample"]))
    print("  bytecode (mpy-cross): %d bytes in %d files" % (f["mpy_bytes_total"], len(f["mpy_bytes"])))
    p = f["power"]
    print("  power model: IMU %.3f mA (gyro on %.1f%% of the time), motor %.4f mA, I2C %.2f ms a sample"
          % (p["imu_ma"], 100 * p["gyro_on_share"], p["motor_ma"], p["i2c_ms_per_sample"]))
    for m in p["imu_modes"]:
        print("    IMU accel %s Hz%s, gyro %s Hz: %.2f%% of the time at %.4f mA"
              % (m["accel_hz"], " low-power" if m["accel_low_power"] else "", m["gyro_hz"], 100 * m["share"], m["ma"]))
    # days per charge for each build come from bench/power.py alone (every current cited, the
    # realistic day and continuous wear): one model, one set of figures
    print("    days per 400 mAh charge for each build: see bench/power.py")
    print("  wall time: day made in %.1f s, MicroPython runs (side by side) %.1f s"
          % (f["wall_s"]["make_day"], f["wall_s"]["micropython_runs"]))


if __name__ == "__main__":
    try:
        sys.exit(main())
    except subprocess.TimeoutExpired:
        print("memory_power: the MicroPython run timed out", file=sys.stderr)
        sys.exit(1)
