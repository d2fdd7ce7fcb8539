"""Benchmark: log bytes per 10-hour wear day, from the real Monitor and detector writing the real log.

A synthetic wearer's 10-hour day (host/sim: slouches, breaks, walks, desk time)
is rendered at 26 Hz and fed through firmware.monitor.Monitor with a
firmware.log.Log on a temporary directory; the segment bytes are counted.
Target (issue 4): at most 16 KB per day, so 1 MB of flash holds 60 days.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections import Counter

from firmware import record
from firmware.detector import PostureDetector
from firmware.haptics import NullMotor, Player
from firmware.log import LEAN, Log
from firmware.monitor import Monitor
from firmware.settings import Settings
from firmware.storage import Storage
from host.logfile import read_records
from host.sim import scenario
from host.sim.wearer import render

HOURS = 10
TARGET = 16 * 1024


def one_day(seed: int, skip: tuple[str, ...] = ()) -> tuple[int, Counter[str]]:
    rec = render(scenario.make_day(HOURS, seed=seed), rate_hz=26, mount="rotated", seed=seed)
    with tempfile.TemporaryDirectory() as tmp:
        log = Log(Storage(tmp, os, open), skip_kinds=skip)
        settings = Settings()
        monitor = Monitor(PostureDetector(settings), Player(NullMotor(), settings.haptic_strength), log=log)
        t = rec.t_s.tolist()
        six = [tuple(row) for row in (rec.accel.tolist(), rec.gyro.tolist())]
        acc, gyr = six
        t0 = t[0]
        for i in range(len(t)):
            a, g = acc[i], gyr[i]
            monitor.process(int((t[i] - t0) * 1000 + 0.5) & record.TICKS_MASK,
                            a[0], a[1], a[2], g[0], g[1], g[2])
        log.flush()
        size = 0
        kinds: Counter[str] = Counter()
        for name in sorted(os.listdir(tmp)):
            if name.endswith(".bin") and name[:8].isdigit():
                data = open(os.path.join(tmp, name), "rb").read()
                size += len(data)
                for raw in read_records(data)[0]:
                    rtype, _s, _b, _t, f = record.decode(raw)
                    kinds["minute" if rtype == record.T_MINUTE else (f[1] if rtype == record.T_EVENT else "time")] += 1
    return size, kinds


def main() -> int:
    worst = 0
    for seed in (1, 2):
        for skip in ((), LEAN):
            size, kinds = one_day(seed, skip)
            worst = max(worst, size)
            events = sum(n for k, n in kinds.items() if k != "minute")
            print("day seed %d, %s: %d bytes per %d-hour day (%d minute summaries, %d events: %s)"
                  % (seed, "activity events skipped" if skip else "every event", size, HOURS,
                     kinds["minute"], events,
                     ", ".join("%s %d" % kv for kv in sorted(kinds.items()) if kv[0] != "minute")))
    print("log bytes per 10-hour day: at most %d (target <= %d): %s; 1 MB holds %.0f days"
          % (worst, TARGET, "ok" if worst <= TARGET else "OVER", 1024 * 1024 / max(worst, 1)))
    return 0 if worst <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
