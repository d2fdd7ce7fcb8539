"""Constructed wear for tests: a scripted sequence of states becomes minute rows and events.

The database is created with the schema of docs/architecture.md, exactly. A script is
a list of (state, seconds) segments; states:
  off     clip on the desk (minute rows with worn_s 0)
  upright seated, flexion below the threshold
  slouch  seated, flexed forward: one slouch episode per segment
  fidget  seated but moving (counts as moving seconds, still sitting)
  walk    on the feet (moving seconds, away from the chair)
  lie     lying down
Events follow the clip's rules in firmware/detector.py in simplified form: an episode
alerts once `delay_s` have passed, reminds every `remind_s`; a break is reminded
after each `break_min` of sitting and taken after 45 s away from a sitting of at
least 5 minutes. The test states the expected figures itself; this only writes data.

The constructed days several test files share live here too (DAY, the hand-checked day of
test_summary.py, and the contrasting days of test_suggest.py), so that no test module is
imported by another as a library.
"""

from __future__ import annotations

import sqlite3
from datetime import date, datetime, tzinfo
from zoneinfo import ZoneInfo

from firmware import events as ev
from host.summary import local_midnight

SCHEMA = """
CREATE TABLE devices(device_id TEXT PRIMARY KEY, fw_version TEXT, first_seen REAL, last_sync REAL);
CREATE TABLE boots(device_id TEXT, boot INTEGER, anchor_wall REAL, anchor_ms INTEGER,
                   PRIMARY KEY(device_id, boot));
CREATE TABLE minutes(device_id TEXT, seq INTEGER, boot INTEGER, t_ms INTEGER, wall REAL NULL,
        worn_s, upright_s, slouch_s, moving_s, lying_s, mean_flex_d10, peak_flex_d10, alerts INTEGER,
        PRIMARY KEY(device_id, seq));
CREATE TABLE events(device_id TEXT, seq INTEGER, boot INTEGER, t_ms INTEGER, wall REAL NULL,
       kind TEXT, a INTEGER, b INTEGER, PRIMARY KEY(device_id, seq));
CREATE TABLE sync_state(device_id TEXT PRIMARY KEY, acked_seq INTEGER);
"""

UPRIGHT_D10 = 50
SEATED = ("upright", "slouch", "fidget")


def make_db(path: str = ":memory:") -> sqlite3.Connection:
    conn = sqlite3.connect(path)
    conn.executescript(SCHEMA)
    return conn


def wall_at(tz: tzinfo, *args: int) -> float:
    return datetime(*args, tzinfo=tz).timestamp()  # type: ignore[misc]


class Clip:
    """One device writing records; seq numbers run on across sessions."""

    def __init__(self, conn: sqlite3.Connection, device: str = "clip-A", delay_s: int = 30,
                 remind_s: int = 120, break_min: int = 50) -> None:
        self.conn, self.device = conn, device
        self.delay_s, self.remind_s, self.break_min = delay_s, remind_s, break_min
        self.seq = 0
        self.boot = 0

    def session(self, start_wall: float, script: list[tuple], anchored: bool = True,
                t0_ms: int = 1000) -> None:
        """Run one boot from start_wall through the script; partial last minutes are dropped."""
        self.boot += 1
        self._anchored, self._start, self._t0 = anchored, start_wall, t0_ms
        m = {"worn": 0, "upright": 0, "slouch": 0, "moving": 0, "lying": 0, "flex": 0, "n": 0,
             "peak": 0, "alerts": 0}
        seated = 0
        away = 0
        next_break = self.break_min * 60
        t = 0
        for seg in script:
            state, secs = seg[0], seg[1]
            peak = seg[2] if len(seg) > 2 else 250
            for i in range(secs):
                t += 1
                if state == "slouch":
                    if i == 0:
                        self._event(t - 1, ev.SLOUCH_START, peak, 0)
                    since = i + 1
                    if since == self.delay_s and secs > self.delay_s:
                        self._event(t, ev.SLOUCH_ALERT, since * 1000, peak)
                        m["alerts"] += 1
                    elif since > self.delay_s and (since - self.delay_s) % self.remind_s == 0 \
                            and since < secs:
                        self._event(t, ev.SLOUCH_REMINDER, since * 1000,
                                    (since - self.delay_s) // self.remind_s)
                        m["alerts"] += 1
                    if i == secs - 1:
                        self._event(t, ev.SLOUCH_END, secs * 1000, peak)
                if state in SEATED:
                    away = 0
                    seated += 1
                    if self.break_min and seated >= next_break:
                        self._event(t, ev.BREAK_ALERT, seated // 60, 0)
                        next_break += self.break_min * 60
                else:
                    away += 1
                    if away == 45:
                        if seated >= 300:
                            self._event(t, ev.BREAK_TAKEN, seated // 60, 0)
                        seated = 0
                        next_break = self.break_min * 60
                if state != "off":
                    m["worn"] += 1
                    key = {"upright": "upright", "slouch": "slouch", "fidget": "moving",
                           "walk": "moving", "lie": "lying"}[state]
                    m[key] += 1
                    if state in ("upright", "slouch"):
                        f = peak if state == "slouch" else UPRIGHT_D10
                        m["flex"] += f
                        m["n"] += 1
                        m["peak"] = max(m["peak"], f)
                if t % 60 == 0:
                    self._minute(t, m)
                    m = dict.fromkeys(m, 0)
        self.conn.commit()

    def _wall(self, t_s: int) -> float | None:
        return self._start + t_s if self._anchored else None

    def _event(self, t_s: int, kind: str, a: int, b: int) -> None:
        self.seq += 1
        self.conn.execute("INSERT INTO events VALUES (?,?,?,?,?,?,?,?)",
                          (self.device, self.seq, self.boot, self._t0 + t_s * 1000,
                           self._wall(t_s), kind, a, b))

    def _minute(self, t_s: int, m: dict) -> None:
        self.seq += 1
        mean = m["flex"] // m["n"] if m["n"] else 0
        self.conn.execute(
            "INSERT INTO minutes VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (self.device, self.seq, self.boot, self._t0 + t_s * 1000, self._wall(t_s), m["worn"],
             m["upright"], m["slouch"], m["moving"], m["lying"], mean, m["peak"], m["alerts"]))


# ---- days shared by several test files -----------------------------------------------------
BERLIN = ZoneInfo("Europe/Berlin")

# 2026-03-02 from 09:00 Berlin time (UTC+1). Cumulative seconds in the comments.
DAY = [
    ("upright", 1200),  # 1200
    ("slouch", 90),     # 1290  alert at 30 s, sits up 60 s later
    ("upright", 600),   # 1890
    ("slouch", 20),     # 1910  brief: no alert
    ("upright", 1200),  # 3110  50 min seated at 3000 s: break reminder (a=50)
    ("walk", 300),      # 3410  45 s away: break taken (a=51)
    ("upright", 1800),  # 5210
    ("slouch", 300),    # 5510  alert at 30 s, reminders at 150 s and 270 s, up 270 s after the alert
    ("off", 1800),      # 7310  45 s away: break taken (a=35)
    ("upright", 1200),  # 8510
    ("fidget", 60),     # 8570
    ("lie", 610),       # 9180  45 s away: break taken (a=21); 153 whole minutes
]


def day_bounds(d: date, tz=BERLIN):
    return local_midnight(d, tz), local_midnight(date.fromordinal(d.toordinal() + 1), tz)


# The contrasting days of test_suggest.py (the report tests use them too).
def rep(n, *segments):
    return [s for _ in range(n) for s in segments]


GOOD = rep(4, ("upright", 2400), ("slouch", 20), ("upright", 300), ("walk", 300))
AFTERNOON = rep(3, ("upright", 2700), ("walk", 900)) + rep(
    4, *rep(28, ("upright", 60), ("slouch", 25)), ("walk", 900))
ALL_DAY = rep(7, *rep(28, ("upright", 60), ("slouch", 25)), ("walk", 900))
LONG_SITTING = [("upright", 9000), ("walk", 600), ("upright", 3000)]
SLOW = rep(4, ("upright", 1500), ("slouch", 150), ("upright", 600), ("walk", 300))
MANY = rep(4, *rep(8, ("upright", 200), ("slouch", 40)), ("walk", 300))
LITTLE = [("upright", 1800)]

