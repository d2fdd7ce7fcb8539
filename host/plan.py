"""The adaptive training plan: how many seated, worn minutes a day the clip trains (vibrates).

The clip trains for POSTURE_TRAIN_MIN seated worn minutes a day, then tracks silently (0: it
trains all day). After each sync the host looks at the last full day measured and moves the
budget along a ladder:

- it starts small, as the products people already wear do (the Upright GO 2 plan starts at
  about 6 minutes a day; Strack coaches in 5-minute sessions): START_MIN;
- it advances one step when the wearer met the day's goal and answered alerts quickly (median
  FAST_RESPONSE_S or less, or no alert was needed);
- it holds when the goal was met but alerts were answered slowly, or was missed narrowly once;
- it steps back when the goal was missed by FAR_MISS_PTS or more, or two worn days running.

The alert delay (POSTURE_SLOUCH_DELAY_S) moves only when the data argues for it: an alert the
wearer keeps ignoring for minutes (median over SLOW_RESPONSE_S on two worn days running, each
with 3+ alerted episodes) comes DELAY_STEP_S earlier; a wearer at the top of the ladder who met
the goal and answered quickly three worn days running is cued DELAY_STEP_S later (the cue fades
as the habit takes over). A day is judged once: a second sync on the same day changes nothing.

`next_plan` is a pure function of the measured days; `measured_days` and `current` read the
database; host/sync.py (apply_plan) sends the result to the clip and records it (`plans` table).
"""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta, tzinfo
from typing import Any

from host.goals import MET, MISSED, NOT_WORN, Goal, _hours, has_table, rate_days, read_goal

TRAIN_KEY, DELAY_KEY = "POSTURE_TRAIN_MIN", "POSTURE_SLOUCH_DELAY_S"
TRAIN_RANGE = (0, 600)  # the clip's setting: 0 trains all day
LADDER = (6, 10, 15, 20, 30, 45, 60, 90, 120, 180, 240, 360, 480, 600)
START_MIN = LADDER[0]
FAST_RESPONSE_S = 30.0
SLOW_RESPONSE_S = 60.0
SLOW_MIN_ALERTS = 3
FAR_MISS_PTS = 10
DELAY_STEP_S = 10
DELAY_MIN_S, DELAY_MAX_S = 15, 60
LOOKBACK_DAYS = 14


def _step(current: int | None) -> int:
    """Index on the ladder of a budget (one off the ladder: the step at or below it)."""
    if current is None or current == 0:
        return len(LADDER) - 1 if current == 0 else 0
    below = [i for i, v in enumerate(LADDER) if v <= current]
    return below[-1] if below else 0


def _resp(d: dict[str, Any]) -> str:
    med = d.get("median_response_s")
    from host.summary_view import fmt_response

    return "no alert was needed" if med is None else "you sat up a median %s after an alert" % fmt_response(med)


def next_plan(days: list[dict[str, Any]], current_min: int | None, current_delay: int | None,
              goal: Goal, judged_before: str | None = None) -> dict[str, Any]:
    """The next budget (and delay, or None: leave it) from rated full days, oldest first.

    days: rows of host.goals.rate_days (date, status, upright_share, median_response_s,
    alerted_episodes). current_min: the budget in force (None: no plan yet). judged_before:
    the last day an earlier plan already took into account (not judged twice).
    """
    i = _step(current_min)
    now_min = LADDER[i] if current_min is not None else START_MIN
    worn = [d for d in days if d["status"] != NOT_WORN]
    out: dict[str, Any] = {"train_min": now_min, "delay_s": None, "based_on": None,
                           "action": "hold", "was_min": current_min}
    if not worn:
        out["action"] = "start" if current_min is None else "hold"
        out["reason"] = ("No full day worn %s or more has been measured yet, so training %s at %d "
                         "min a day." % (_hours(goal.worn_min), "starts" if current_min is None
                                         else "stays", now_min))
        return out
    last = worn[-1]
    out["based_on"] = last["date"]
    if judged_before is not None and last["date"] <= judged_before:
        out["reason"] = ("No new full day since %s, so training stays at %d min a day."
                         % (last["date"], now_min))
        out["based_on"] = judged_before
        return out
    share = 100 * last["upright_share"]
    med = last.get("median_response_s")
    if last["status"] == MET and (med is None or med <= FAST_RESPONSE_S):
        if i + 1 < len(LADDER) and current_min is not None:
            out["train_min"], out["action"] = LADDER[i + 1], "advance"
            verb = "grows from %d to %d min a day" % (now_min, LADDER[i + 1])
        else:
            verb = "stays at %d min a day%s" % (now_min, " (the top of the plan)"
                                                 if current_min is not None else "")
        out["reason"] = ("On %s you met the goal (%.0f%% upright) and %s, so training %s."
                         % (last["date"], share, _resp(last), verb))
    elif last["status"] == MET:
        out["reason"] = ("On %s you met the goal (%.0f%% upright) but %s, so training stays at %d "
                         "min a day until alerts are answered within %.0f s."
                         % (last["date"], share, _resp(last), now_min, FAST_RESPONSE_S))
    else:
        prev = worn[-2] if len(worn) > 1 else None
        far = share < goal.upright_pct - FAR_MISS_PTS
        twice = prev is not None and prev["status"] == MISSED
        if (far or twice) and i > 0:
            out["train_min"], out["action"] = LADDER[i - 1], "step back"
            out["reason"] = ("On %s you sat upright %.0f%% of the time against a goal of %d%%%s, so "
                             "training steps back from %d to %d min a day." % (
                                 last["date"], share, goal.upright_pct,
                                 " for the second worn day running" if twice and not far else "",
                                 now_min, LADDER[i - 1]))
        else:
            out["reason"] = ("On %s you sat upright %.0f%% of the time, just short of the %d%% goal, "
                             "so training stays at %d min a day." % (
                                 last["date"], share, goal.upright_pct, now_min))
    at_top = current_min is not None and i == len(LADDER) - 1  # before today: one change at a time
    out["delay_s"], why = _delay(worn, current_delay, at_top)
    if why:
        out["reason"] += " " + why
    return out


def _delay(worn: list[dict[str, Any]], current: int | None, at_top: bool) -> tuple[int | None, str]:
    if current is None:
        return None, ""
    slow = [d for d in worn[-2:] if (d.get("median_response_s") or 0) > SLOW_RESPONSE_S
            and d.get("alerted_episodes", 0) >= SLOW_MIN_ALERTS]
    if len(slow) == 2 and current > DELAY_MIN_S:
        new = max(DELAY_MIN_S, current - DELAY_STEP_S)
        return new, ("Alerts waited minutes for an answer two worn days running, so the clip now "
                     "alerts after %d s of slouching instead of %d s." % (new, current))
    good = [d for d in worn[-3:] if d["status"] == MET
            and (d.get("median_response_s") is None or d["median_response_s"] <= FAST_RESPONSE_S)]
    if len(good) == 3 and at_top and current < DELAY_MAX_S:
        new = min(DELAY_MAX_S, current + DELAY_STEP_S)
        return new, ("Three good days at the top of the plan: the cue fades, alerting after %d s "
                     "instead of %d s." % (new, current))
    return None, ""


# ---- the database side -------------------------------------------------------------------

def measured_days(conn: sqlite3.Connection, today: date, tz: tzinfo | None = None,
                  goal: Goal | None = None, delay_s: int = 30) -> list[dict[str, Any]]:
    """Rated full days before `today` (the day in progress is not judged), oldest first."""
    from host import summary as sm

    goal = goal or read_goal(conn)
    first, last = today - timedelta(days=LOOKBACK_DAYS), today - timedelta(days=1)
    start, end = sm.day_span(first, last, tz)
    ld = sm.load_period(conn, start, end, detail=False)
    eps = [e for e in sm.episodes(ld.events, start, end) if e.duration_s >= delay_s]
    return rate_days(sm.by_day(ld.buckets, eps, start, end, tz), goal)


def history(conn: sqlite3.Connection, device_id: str | None = None) -> list[dict[str, Any]]:
    """Plans applied (oldest first), of one clip or of the clip last given one."""
    if not has_table(conn, "plans"):
        return []
    if device_id is None:
        row = conn.execute("SELECT device_id FROM plans ORDER BY applied_wall DESC LIMIT 1").fetchone()
        if row is None:
            return []
        device_id = row[0]
    rows = conn.execute("SELECT device_id, applied_wall, based_on, train_min, delay_s, reason FROM plans "
                        "WHERE device_id = ? ORDER BY applied_wall", (device_id,)).fetchall()
    keys = ("device_id", "applied_wall", "based_on", "train_min", "delay_s", "reason")
    return [dict(zip(keys, r)) for r in rows]


def current(conn: sqlite3.Connection, device_id: str | None = None,
            tz: tzinfo | None = None) -> dict[str, Any] | None:
    """The plan in force: budget, delay, the last day judged and the date it has held since."""
    from host.summary import local_date

    past = history(conn, device_id)
    if not past:
        return None
    last = past[-1]
    since = last["applied_wall"]
    for p in reversed(past):
        if p["train_min"] != last["train_min"]:
            break
        since = p["applied_wall"]
    delay = next((p["delay_s"] for p in reversed(past) if p["delay_s"] is not None), None)
    return {"device_id": last["device_id"], "train_min": last["train_min"], "delay_s": delay,
            "based_on": last["based_on"], "reason": last["reason"],
            "since": local_date(since, tz).isoformat()}


def describe(now: dict[str, Any] | None, nxt: dict[str, Any] | None) -> str:
    """The plan in one or two sentences for `posture suggest` and the report."""
    if now is None:
        head = "No training plan has been sent to the clip yet (`posture sync` does it)."
    else:
        head = "Since %s the plan is %d min of training a day%s." % (
            now["since"], now["train_min"],
            "" if now["delay_s"] is None else ", alerting after %d s" % now["delay_s"])
    if nxt is None:
        return head
    if now is not None and nxt["based_on"] == now["based_on"]:
        return head + " " + now["reason"]
    return head + " Next sync: " + nxt["reason"][0].lower() + nxt["reason"][1:]
