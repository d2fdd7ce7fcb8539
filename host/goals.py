"""The daily goal, the day's score, streaks of goal days and the week against the week before.

The rules are written out for users in docs/scoring.md; keep the two in step.

- Goal (default): upright for at least 80 % of seated worn time, on a day worn at least 2 h.
  `posture goal set` changes it; it is kept in the database's `goal` table (no row: default).
- A day is "met" (worn long enough, upright share at or above the goal), "missed" (worn long
  enough, share below) or "not worn" (worn less than the goal's hours). A not-worn day pauses a
  streak: it neither breaks nor extends it (a weekend or a day off is not a failure).
- Score 0-100 of a worn day: 60 x upright share + 20 x wear (up to the goal's hours) + 20 x
  alert response (full at a median of 15 s or less, none at 2 min or more). A day with no
  alert to answer (tracking mode, or no sustained slouch) has no response term and the
  other two are scaled up to 100.
"""

from __future__ import annotations

import sqlite3
import statistics
from dataclasses import asdict, dataclass
from datetime import date, timedelta, tzinfo
from typing import Any

from host.errors import PostureError

DEFAULT_UPRIGHT_PCT = 80
DEFAULT_WORN_MIN = 120
UPRIGHT_RANGE = (50, 100)  # under half upright is no goal to aim at; 100 % is allowed, if strict
WORN_RANGE = (30, 720)     # under 30 min says little about a day; 12 h is a long working day
STREAK_LOOKBACK_DAYS = 366  # streaks are counted back at most a year
WEEK = 7

# score weights and the response scale (docs/scoring.md says why)
W_UPRIGHT, W_WEAR, W_RESPONSE = 60.0, 20.0, 20.0
RESPONSE_FULL_S, RESPONSE_NONE_S = 15.0, 120.0

MET, MISSED, NOT_WORN = "met", "missed", "not worn"


@dataclass(frozen=True)
class Goal:
    upright_pct: int = DEFAULT_UPRIGHT_PCT
    worn_min: int = DEFAULT_WORN_MIN
    custom: bool = False  # set with `posture goal set` (False: the default)

    def describe(self) -> str:
        return ("upright for at least %d%% of seated time on a day worn %s or more"
                % (self.upright_pct, _hours(self.worn_min)))


def _hours(minutes: float) -> str:
    if minutes % 60 == 0:
        return "%d h" % (minutes // 60)
    return "%dh %02dm" % (minutes // 60, minutes % 60) if minutes >= 60 else "%d min" % minutes


def _whole(name: str, text: Any, lo: int, hi: int, unit: str) -> int:
    try:
        value = int(str(text).strip().rstrip("%"))
    except ValueError:
        raise PostureError("%s %r is not a whole number" % (name, text)) from None
    if not lo <= value <= hi:
        raise PostureError("%s %d%s is outside %d-%d%s" % (name, value, unit, lo, hi, unit))
    return value


def parse_goal(upright: Any = None, worn_min: Any = None, base: Goal | None = None,
               names: tuple[str, str] = ("the upright goal", "the worn-minutes goal")) -> Goal:
    """A checked goal from user text (None keeps the base's value); PostureError when bad.

    names: what the two values are called in a message (the command passes its option names)."""
    base = base or Goal()
    up = base.upright_pct if upright is None else _whole(names[0], upright, *UPRIGHT_RANGE, " %")
    worn = base.worn_min if worn_min is None else _whole(names[1], worn_min, *WORN_RANGE, " min")
    return Goal(up, worn, custom=(up, worn) != (DEFAULT_UPRIGHT_PCT, DEFAULT_WORN_MIN))


def has_table(conn: sqlite3.Connection, name: str) -> bool:
    return conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?",
                        (name,)).fetchone() is not None


def read_goal(conn: sqlite3.Connection) -> Goal:
    """The goal kept in the database (a database from before goals, or no row: the default).
    A row out of range (edited by hand) counts as the default rather than stopping reports."""
    if not has_table(conn, "goal"):
        return Goal()
    row = conn.execute("SELECT upright_pct, worn_min FROM goal WHERE id = 1").fetchone()
    if row is None:
        return Goal()
    try:
        return parse_goal(row[0], row[1])
    except PostureError:
        return Goal()


# ---- days --------------------------------------------------------------------------------

def status(day: dict[str, Any], goal: Goal) -> str:
    if day["wear_min"] < goal.worn_min or day["upright_share"] is None:
        return NOT_WORN
    return MET if 100 * day["upright_share"] >= goal.upright_pct - 1e-9 else MISSED


def score(day: dict[str, Any], goal: Goal) -> dict[str, Any] | None:
    """The day's score and its terms (None: nothing seated was recorded that day)."""
    share = day["upright_share"]
    if share is None or day["wear_min"] <= 0:
        return None
    upright = W_UPRIGHT * share
    wear = W_WEAR * min(1.0, day["wear_min"] / goal.worn_min)
    med = day.get("median_response_s")
    if med is None:  # nothing to answer: the response term is left out, the rest scaled to 100
        response = None
        total = (upright + wear) * 100 / (W_UPRIGHT + W_WEAR)
    else:
        frac = (RESPONSE_NONE_S - med) / (RESPONSE_NONE_S - RESPONSE_FULL_S)
        response = W_RESPONSE * min(1.0, max(0.0, frac))
        total = upright + wear + response
    return {"score": int(round(total)), "upright": round(upright, 1), "wear": round(wear, 1),
            "response": None if response is None else round(response, 1)}


def rate_days(by_day: list[dict[str, Any]], goal: Goal) -> list[dict[str, Any]]:
    """by_day rows of host.summary with the goal's status and the score added."""
    out = []
    for d in by_day:
        sc = score(d, goal)
        out.append(dict(d, status=status(d, goal), score=None if sc is None else sc["score"],
                        score_terms=sc))
    return out


def streaks(days: list[dict[str, Any]]) -> dict[str, Any]:
    """Current and best streak of goal days over rated days (oldest first, no gaps).

    A not-worn day pauses: the streak goes on across it, the day itself is not counted.
    """
    best = run = 0
    best_since = since = None
    for d in days:
        if d["status"] == MET:
            run += 1
            since = since or d["date"]
            if run > best:
                best, best_since = run, since
        elif d["status"] == MISSED:
            run, since = 0, None
    last_worn = next((d for d in reversed(days) if d["status"] != NOT_WORN), None)
    return {"current": run, "since": since if run else None, "best": best, "best_since": best_since,
            "last_worn_day": None if last_worn is None else last_worn["date"],
            "rule": "a day worn under the goal's hours pauses the streak; a worn day under "
                    "the upright goal ends it"}


def week_figures(days: list[dict[str, Any]], responses: list[float]) -> dict[str, Any]:
    worn = [d for d in days if d["status"] != NOT_WORN]
    up = sum(d["upright_min"] for d in days)
    seated = up + sum(d["slouch_min"] for d in days)
    scores = [d["score"] for d in worn if d["score"] is not None]
    return {"first_day": days[0]["date"] if days else None,
            "last_day": days[-1]["date"] if days else None,
            "worn_days": len(worn), "goal_days": sum(1 for d in worn if d["status"] == MET),
            "wear_min": round(sum(d["wear_min"] for d in days), 1),
            "upright_share": round(up / seated, 4) if seated else None,
            "mean_score": round(statistics.mean(scores), 1) if scores else None,
            "median_response_s": round(statistics.median(responses), 1) if responses else None}


def _change(now: dict[str, Any], before: dict[str, Any]) -> dict[str, Any] | None:
    if not before["worn_days"] and not before["wear_min"]:
        return None
    out = {}
    for k in ("goal_days", "worn_days", "wear_min", "upright_share", "mean_score", "median_response_s"):
        a, b = now[k], before[k]
        out[k] = None if a is None or b is None else round(a - b, 4)
    return out


def what_changed(week: dict[str, Any], prev: dict[str, Any], change: dict[str, Any] | None) -> str:
    """One sentence on the week against the week before."""
    if change is None:
        return ("Nothing was recorded in the week before %s, so there is nothing to compare with "
                "yet." % week["first_day"])
    parts = []
    d = change["upright_share"]
    if d is not None:
        if abs(d) < 0.01:
            parts.append("you sat upright as much as the week before (%.0f%%)"
                         % (100 * week["upright_share"]))
        else:
            parts.append("you sat upright %.0f%% of seated time, %.0f points %s than the week before"
                         % (100 * week["upright_share"], abs(100 * d), "more" if d > 0 else "less"))
    parts.append("the goal was met on %d of %d worn days (%d the week before)"
                 % (week["goal_days"], week["worn_days"], prev["goal_days"]))
    text = "This week " + "; ".join(parts) + "."
    return text[0].upper() + text[1:]


def _cut(sm: Any, loaded: Any, start: float, end: float) -> Any:
    """The part of an already loaded period (summary.Loaded, its start, its end) that lies in
    [start, end), or None when it does not cover that span (then it is read again)."""
    if loaded is None or loaded[1] > start or loaded[2] < end:
        return None
    ld = loaded[0]
    q = ld.buckets[:, sm.Q] if len(ld.buckets) else ld.buckets
    keep = (q >= start // sm.BUCKET_S) & (q < end // sm.BUCKET_S) if len(q) else q
    events = [e for e in ld.events if start - sm.EVENT_LOOKBACK_S <= e.wall < end]
    return sm.Loaded(ld.buckets[keep] if len(q) else ld.buckets, events, (0, None), (0, None))


def progress(conn: sqlite3.Connection, last_day: date, tz: tzinfo | None = None,
             delay_s: int = 30, goal: Goal | None = None, loaded: Any = None) -> dict[str, Any]:
    """Goal, the day's score, streaks and this week against the week before, as of last_day.

    loaded: (summary.Loaded, start, end) the caller already read; spans it covers are not read
    again (a year's summary then costs no second pass over the year)."""
    from host import summary as sm

    goal = goal or read_goal(conn)
    # two weeks in full (scores need the alert responses of each day)
    two_first = last_day - timedelta(days=2 * WEEK - 1)
    start, end = sm.day_span(two_first, last_day, tz)
    ld = _cut(sm, loaded, start, end) or sm.load_period(conn, start, end, detail=False)
    eps = [e for e in sm.episodes(ld.events, start, end) if e.duration_s >= delay_s]
    rated = rate_days(sm.by_day(ld.buckets, eps, start, end, tz), goal)
    this, prev = rated[WEEK:], rated[:WEEK]
    split = sm.local_midnight(last_day - timedelta(days=WEEK - 1), tz)
    resp_this = [e.response_s for e in eps if e.response_s is not None and e.end_wall >= split]
    resp_prev = [e.response_s for e in eps if e.response_s is not None and e.end_wall < split]
    week, before = week_figures(this, resp_this), week_figures(prev, resp_prev)
    # streaks reach further back: wear and upright share per day suffice there (no events)
    s_first = last_day - timedelta(days=STREAK_LOOKBACK_DAYS - 1)  # days with no record: paused
    if s_first < two_first:
        s_start, _ = sm.day_span(s_first, last_day, tz)
        import numpy as np

        # read only what the caller has not: the days before its period (often none held)
        mid = s_start if loaded is None else min(max(loaded[1], s_start), start)
        have = _cut(sm, loaded, mid, start) if mid < start else None
        if have is None:
            mid = start
        rows = conn.execute(sm._BUCKET_SQL, (s_start + sm.MID_S, mid + sm.MID_S)).fetchall()
        b = np.array(rows, dtype=float).reshape(-1, sm.BUCKET_COLUMNS)
        if have is not None:
            b = np.concatenate((b, have.buckets))
        older = rate_days(sm.by_day(b, [], s_start, start, tz), goal)
    else:
        older = []
    change = _change(week, before)
    today = rated[-1]
    return {
        "goal": dict(asdict(goal), text=goal.describe()),
        "day": {k: today[k] for k in ("date", "status", "score", "score_terms", "wear_min",
                                      "upright_share", "median_response_s")},
        "streak": streaks([d for d in older + rated if d["date"] >= s_first.isoformat()]),
        "week": week,
        "previous_week": before,
        "week_change": change,
        "sentence": what_changed(week, before, change),
        "days": [{k: d[k] for k in ("date", "status", "score", "wear_min", "upright_share")}
                 for d in this],
    }
