"""Benchmark: time to sync 30 days of log from the simulated clip over a pseudo-terminal.

The real firmware log and protocol handler serve a pty (host/sim/ptydevice.py);
`host.sync.sync` talks to it through pyserial exactly as to a board and stores
every record in a fresh SQLite database. Target (issue 4): under 5 s.
Prints figures; exits non-zero only if the sync itself goes wrong.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time

from host.db import Database
from host.sim.ptydevice import PtyDevice, prefill
from host.sync import sync
from host.transport import Transport

DAYS = 30
TARGET_S = 5.0


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        log_dir = os.path.join(tmp, "log")
        records = prefill(log_dir, DAYS)
        size = sum(os.path.getsize(os.path.join(log_dir, n)) for n in os.listdir(log_dir) if n[0].isdigit())
        times = []
        for run in range(2):
            db = Database(os.path.join(tmp, "db%d.sqlite" % run))
            with PtyDevice(log_dir) as dev:
                t0 = time.perf_counter()
                with db.lock(), Transport(dev.port) as link:
                    result = sync(link, db)
                times.append(time.perf_counter() - t0)
            minutes, events = db.counts(result.device_id)
            db.close()
            if minutes != DAYS * 600:
                print("sync stored %d minutes, expected %d" % (minutes, DAYS * 600), file=sys.stderr)
                return 1
        again_db = Database(os.path.join(tmp, "db0.sqlite"))
        with PtyDevice(log_dir) as dev:
            t0 = time.perf_counter()
            with Transport(dev.port) as link:
                again = sync(link, again_db)
            t_again = time.perf_counter() - t0
        again_db.close()
    best = min(times)
    print("%d days: %d records, %d bytes of log, %d minutes and %d events stored"
          % (DAYS, records, size, minutes, events))
    print("sync of %d days over the pty: %.2f s (best of %d; target < %.0f s): %s"
          % (DAYS, best, len(times), TARGET_S, "ok" if best < TARGET_S else "SLOW"))
    print("second sync: %.2f s, %d new minutes, %d new events" % (t_again, again.new_minutes, again.new_events))
    return 0


if __name__ == "__main__":
    sys.exit(main())
