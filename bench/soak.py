"""`make soak`: the chaos tier's long run. Many whole simulated wear days on the real
boot.py/code.py, each under a random schedule of faults (tests/faults/chaos.py has the fault
kinds and the invariants), then the figures: schedules run, faults injected by kind, alerts
expected and seen, the slowest sensor report and recovery, records synced, wall time.

    .venv/bin/python bench/soak.py                       # 12 days of 8 hours, seeds 1000..1011
    .venv/bin/python bench/soak.py --days 50 --hours 4 --seed 7 --faults 30

Exits 1 when any schedule broke an invariant (each one is printed with its day and schedule,
which reproduce it: run_schedule(chaos_day(seed, hours, spin), schedule)).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from collections import Counter

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from tests.faults.chaos import chaos_day, random_schedule, run_schedule  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Soak the simulated clip under random fault schedules.")
    parser.add_argument("--days", type=int, default=12, help="schedules (one simulated day each)")
    parser.add_argument("--hours", type=float, default=8.0, help="length of each day")
    parser.add_argument("--faults", type=int, default=48, help="faults per day")
    parser.add_argument("--seed", type=int, default=1000, help="first seed (days use seed, seed+1, ...)")
    parser.add_argument("--final", choices=("cli", "inproc"), default="cli",
                        help="the final sync: the real `posture sync` over a pty, or in-process")
    args = parser.parse_args(argv)
    if args.days < 1 or not args.hours > 0.1 or args.faults < 0:
        parser.error("need at least one day, more than 0.1 hours and faults >= 0")

    t0 = time.monotonic()
    applied: Counter = Counter()
    expected = seen = exempt = synced = dropped = dogs = 0
    report_ms: list[int] = []
    recover_ms: list[int] = []
    failed = []
    skipped = 0
    sim_h = 0.0
    for i in range(args.days):
        seed = args.seed + i
        rng = random.Random(seed)
        spin = rng.uniform(30, 330) if rng.random() < 0.5 else None
        day = chaos_day(seed, args.hours, spin)
        schedule = random_schedule(rng, args.faults)
        res = run_schedule(day, schedule, final=args.final)
        applied.update(res.applied)
        expected += res.alerts_expected
        seen += res.alerts_seen
        exempt += res.alerts_exempt
        synced += res.records_synced
        dropped += res.records_dropped_reported
        dogs += res.watchdog_resets
        skipped += len(res.skipped)
        report_ms += res.report_latencies_ms
        recover_ms += res.recover_latencies_ms
        sim_h += day.length_s / 3600
        status = "ok" if not res.problems else "FAILED (%d)" % len(res.problems)
        print("day %3d  seed %d  %.1f h%s  %2d faults  alerts %d/%d  %.1f s  %s"
              % (i + 1, seed, args.hours, "  re-worn %3.0f deg" % spin if spin is not None else "              ",
                 sum(res.applied.values()), res.alerts_seen, res.alerts_expected, res.wall_s, status), flush=True)
        if res.problems:
            failed.append(res)
    wall = time.monotonic() - t0

    print()
    print("schedules run          %d (%.0f simulated hours), %d failed" % (args.days, sim_h, len(failed)))
    print("faults injected        %d: %s" % (sum(applied.values()),
                                            ", ".join("%s %d" % kv for kv in sorted(applied.items()))))
    print("power cuts skipped     %d (no upright stretch long enough after the drawn moment)" % skipped)
    print("sustained slouches     %d judged, %d alerted in their window, %d exempt (a fault, restart or "
          "re-wear touched them)" % (expected, seen, exempt))
    if report_ms:
        report_ms.sort()
        print("sensor fault reported  %d times; latency median %d ms, max %d ms (limit 2000)"
              % (len(report_ms), report_ms[len(report_ms) // 2], report_ms[-1]))
    if recover_ms:
        recover_ms.sort()
        print("sensor recovered       %d times; after the chip could answer: median %d ms, max %d ms "
              "(limit 3000)" % (len(recover_ms), recover_ms[len(recover_ms) // 2], recover_ms[-1]))
    print("records synced         %d (%d reported dropped by the clip for lack of room)" % (synced, dropped))
    print("watchdog resets        %d" % dogs)
    print("wall time              %.0f s (%.0fx real time)" % (wall, sim_h * 3600 / wall if wall else 0))
    for res in failed:
        print()
        print("FAILED: " + res.summary())
        for p in res.problems:
            print("  - " + p)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
