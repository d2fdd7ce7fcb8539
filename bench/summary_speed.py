"""Benchmark: summarise a year of per-minute records (target: under 1 s).

Builds a temporary database with the schema of docs/architecture.md: 365 days of
per-minute records around the clock (525,600 minutes: worn 07:00-23:00, with
seated, slouched, moving and lying seconds drawn at random) and the slouch and
break events of those days, then times `host.summary.summarise` over the whole
year (which also reads the year before it for the comparison) and the last week.
Prints the times; exits 1 if the year takes 1 s or more.
"""

from __future__ import annotations

import random
import sqlite3
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from host.summary import local_midnight, summarise  # noqa: E402

SCHEMA = """
CREATE TABLE minutes(device_id TEXT, seq INTEGER, boot INTEGER, t_ms INTEGER, wall REAL NULL,
        worn_s, upright_s, slouch_s, moving_s, lying_s, mean_flex_d10, peak_flex_d10, alerts INTEGER,
        PRIMARY KEY(device_id, seq));
CREATE TABLE events(device_id TEXT, seq INTEGER, boot INTEGER, t_ms INTEGER, wall REAL NULL,
       kind TEXT, a INTEGER, b INTEGER, PRIMARY KEY(device_id, seq));
"""
DAYS = 365
LIMIT_S = 1.0


def build(path: Path) -> tuple[float, float, int, int]:
    rnd = random.Random(5)
    conn = sqlite3.connect(path)
    conn.executescript(SCHEMA)
    start = local_midnight(date(2025, 1, 1))
    minutes, events = [], []
    seq = 0
    for m in range(DAYS * 1440):
        wall = start + 60 * (m + 1)
        seq += 1
        hour = (m // 60) % 24
        if 7 <= hour < 23:
            slouch = rnd.choice((0, 0, 0, 5, 20, 60))
            moving = rnd.choice((0, 0, 10, 30)) if slouch < 60 else 0
            lying = 0
            upright = 60 - slouch - moving
            worn = 60
            alerts = 1 if slouch == 60 and rnd.random() < 0.2 else 0
        else:
            worn = upright = slouch = moving = lying = alerts = 0
        minutes.append(("clip", seq, 1, 60000 * (m + 1), wall, worn, upright, slouch, moving, lying,
                        60 + 3 * slouch, 80 + 4 * slouch, alerts))
        if alerts:
            dur = rnd.randint(35, 400)
            for kind, dt, a in (("slouch_start", -dur, 200), ("slouch_alert", -dur + 30, 30000),
                                ("slouch_end", 0, dur * 1000)):
                seq += 1
                events.append(("clip", seq, 1, 0, wall + dt, kind, a, 250))
        if worn and m % 55 == 0:
            seq += 1
            events.append(("clip", seq, 1, 0, wall, rnd.choice(("break_alert", "break_taken")), 50, 0))
    conn.executemany("INSERT INTO minutes VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", minutes)
    conn.executemany("INSERT INTO events VALUES (?,?,?,?,?,?,?,?)", events)
    conn.commit()
    conn.close()
    return start, start + DAYS * 86400.0, len(minutes), len(events)


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "year.db"
        t0 = time.perf_counter()
        start, end, n_min, n_ev = build(path)
        print("built %d minutes and %d events in %.1f s" % (n_min, n_ev, time.perf_counter() - t0))
        conn = sqlite3.connect(path)
        t0 = time.perf_counter()
        s = summarise(conn, start, end)
        year = time.perf_counter() - t0
        t0 = time.perf_counter()
        summarise(conn, end - 7 * 86400, end)
        week = time.perf_counter() - t0
        print("summary of a year: %.3f s (wear %.0f h, %d episodes, %d days)"
              % (year, s["wear_min"] / 60, s["episodes"], len(s["by_day"])))
        print("summary of the last week: %.3f s" % week)
        ok = year < LIMIT_S
        print("%s: a year under %.1f s" % ("PASS" if ok else "FAIL", LIMIT_S))
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
