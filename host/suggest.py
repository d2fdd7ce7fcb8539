"""A short personal exercise plan from the posture records.

Each rule looks at the summary figures, and when its pattern is present it
adds a finding with a reason in numbers and the exercises, desk tips or clip
settings that answer it. The exercise facts live in host/data/exercises.json.
The precautions are part of every plan.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import date, datetime, timedelta, tzinfo
from importlib import resources
from typing import Any, Callable

from firmware import settings as fw_settings
from host.errors import PostureError
from host.summary import last_days, span_days, summarise
from host.summary_view import fmt_response

MIN_WEAR_MIN = 60  # less wear than this over the period: too little to read patterns
SLOUCH_SHARE_HIGH = 0.20  # share of seated time slouched that calls for strength work
AFTERNOON = range(12, 18)
MORNING = range(6, 12)
MEAN_FLEX_HIGH_DEG = 12.0
LONG_SITTING_MIN = 60
SLOW_RESPONSE_S = 60.0
MANY_ALERTS_PER_HOUR = 2.0
MAX_DAILY, MAX_STRENGTH = 4, 3

Finding = dict[str, Any]


def load_library() -> dict[str, Any]:
    text = resources.files("host").joinpath("data/exercises.json").read_text(encoding="utf-8")
    lib = json.loads(text)
    for key in ("exercises", "desk_tips", "precautions"):
        if not lib.get(key):
            raise PostureError("the exercise library has no %s" % key)
    return lib


def _pct(x: float) -> str:
    return "%.0f%%" % (100 * x)


def _share_in(summary: dict[str, Any], hours: range) -> tuple[float, float]:
    """(slouch share of seated time, seated minutes) over the given local hours."""
    up = sum(r["upright_min"] for r in summary["by_hour"] if r["hour"] in hours)
    sl = sum(r["slouch_min"] for r in summary["by_hour"] if r["hour"] in hours)
    return (sl / (up + sl) if up + sl else 0.0), up + sl


def _afternoon_slouch(s: dict[str, Any]) -> Finding | None:
    pm, pm_seated = _share_in(s, AFTERNOON)
    am, am_seated = _share_in(s, MORNING)
    if pm_seated < 30 or pm < 0.15 or (am_seated >= 30 and pm < 1.5 * am):
        return None
    before = ("against %s before noon" % _pct(am)) if am_seated >= 30 else "with little sitting before noon"
    return {
        "id": "afternoon_slouch",
        "title": "Forward slouching builds up in the afternoon",
        "reason": "Between 12:00 and 18:00 you were slouched for %s of your seated time, %s. "
                  "Opening the upper back (extension) and rows for the muscles between the "
                  "shoulder blades counter that tired forward rounding." % (_pct(pm), before),
        "exercises": ["foam_roll", "cat_cow", "band_rows", "thoracic_rotation"],
        "tips": ["hourly_break", "screen_height"],
    }


def _frequent_slouch(s: dict[str, Any]) -> Finding | None:
    share = s["upright_share"]
    if share is None or s["seated_min"] < 60 or 1 - share < SLOUCH_SHARE_HIGH:
        return None
    return {
        "id": "frequent_slouch",
        "title": "A large share of sitting is slouched",
        "reason": "You were slouched for %s of %.0f seated minutes (%d sustained episodes). "
                  "Stronger upper back and trunk muscles make the upright position easier "
                  "to hold; daily stretches ease the stiffness." % (
                      _pct(1 - share), s["seated_min"], s["episodes"]),
        "exercises": ["band_rows", "superman", "plank", "bird_dog", "cat_cow", "childs_pose"],
        "tips": ["sitting"],
    }


def _deep_flexion(s: dict[str, Any]) -> Finding | None:
    flex = s["mean_flexion_deg"]
    if flex is None or flex < MEAN_FLEX_HIGH_DEG or s["seated_min"] < 60:
        return None
    return {
        "id": "deep_flexion",
        "title": "You sit leaning well forward",
        "reason": "On average you sat %.0f° forward of the upright you calibrated, which "
                  "points at the desk set-up (a low screen, a chair too far back)." % flex,
        "exercises": ["foam_roll", "childs_pose"],
        "tips": ["screen_height", "chair_desk"],
    }


def _long_sitting(s: dict[str, Any]) -> Finding | None:
    longest = s["longest_sitting_min"]
    b = s["breaks"]
    ignored = b["reminded"] - b["taken_after_reminder"]
    if longest < LONG_SITTING_MIN and not (b["reminded"] >= 2 and ignored * 2 > b["reminded"]):
        return None
    why = "Your longest stretch of sitting without a break was %d minutes" % longest
    if b["reminded"]:
        why += ", and you stood up after %d of %d break reminders" % (b["taken_after_reminder"], b["reminded"])
    return {
        "id": "long_sitting",
        "title": "Long spells of unbroken sitting",
        "reason": why + ". A short routine every hour breaks the stiffness before it sets in.",
        "exercises": ["arm_circles", "thoracic_rotation"],
        "tips": ["hourly_break", "stay_active"],
        # names the exercises as the plan lists them, with no "above"/"below": the report and
        # the terminal place the routine differently
        "routine": "Once an hour: stand up and walk for a minute or two, then do {arm_circles} and "
                   "{thoracic_rotation} from your stretch list.",
    }


def _setting(key: str, value: int, reason: str) -> dict[str, Any]:
    ok, clean = fw_settings.validate(key, value)
    if not ok:
        raise AssertionError("bad advice: %s" % clean)
    return {"key": key, "value": clean, "reason": reason}


def _slow_response(s: dict[str, Any]) -> Finding | None:
    med = s["median_response_s"]
    if med is None or med < SLOW_RESPONSE_S or s["alerted_episodes"] < 3:
        return None
    return {
        "id": "slow_response",
        "title": "Alerts are slow to work",
        "reason": "After an alert it took you %s (median of %d alerted episodes) to sit up "
                  "again. A stronger vibration and earlier reminders make the cue harder to "
                  "ignore; check that the clip sits snugly." % (fmt_response(med), s["alerted_episodes"]),
        "exercises": [],
        "tips": [],
        "settings": [
            _setting("POSTURE_HAPTIC_STRENGTH", 90, "a firmer vibration is easier to notice"),
            _setting("POSTURE_REMIND_S", 60, "a reminder every minute while the slouch lasts"),
        ],
    }


def _many_alerts(s: dict[str, Any]) -> Finding | None:
    hours = s["wear_min"] / 60
    if hours < 1 or s["slouch_alerts"] / hours < MANY_ALERTS_PER_HOUR:
        return None
    med = s["median_response_s"]
    if med is not None and med >= SLOW_RESPONSE_S:
        return None  # the slow-response advice comes first
    return {
        "id": "many_alerts",
        "title": "Many alerts that you answer quickly",
        "reason": "The clip alerted %.1f times per worn hour and you sat up quickly (median "
                  "%s). So many buzzes can become noise: recalibrate while sitting comfortably "
                  "upright, and if it still fires often, allow a longer slouch before the alert."
                  % (s["slouch_alerts"] / hours, fmt_response(med)),
        "exercises": ["thoracic_rotation"],
        "tips": ["sitting"],
        "settings": [_setting("POSTURE_SLOUCH_DELAY_S", 45, "alert only after 45 s of slouching")],
    }


RULES: tuple[Callable[[dict[str, Any]], Finding | None], ...] = (
    _afternoon_slouch, _frequent_slouch, _deep_flexion, _long_sitting, _slow_response, _many_alerts)


def _maintenance(s: dict[str, Any]) -> Finding:
    share = s["upright_share"]
    return {
        "id": "maintenance",
        "title": "Mostly good posture: keep it up",
        "reason": "You sat upright for %s of your seated time and no pattern stands out. "
                  "A light daily stretch and two short strength sessions a week keep it that way."
                  % ("-" if share is None else _pct(share)),
        "exercises": ["cat_cow", "thread_the_needle", "arm_circles", "band_rows", "plank"],
        "tips": ["hourly_break"],
    }


def plan_from_summary(s: dict[str, Any], days: int, library: dict[str, Any] | None = None) -> dict[str, Any]:
    """The plan for a summary dict (see host.summary.summarise)."""
    lib = library or load_library()
    by_id = {e["id"]: e for e in lib["exercises"]}
    tips_by_id = {t["id"]: t["text"] for t in lib["desk_tips"]}
    notes: list[str] = []
    if s["wear_min"] < MIN_WEAR_MIN:
        findings: list[Finding] = [{
            "id": "little_data",
            "title": "Not enough wear to read your patterns yet",
            "reason": "Only %.0f minutes of wear in these %d days; wear the clip through a few working "
                      "days for a personal plan. Meanwhile, a general routine:" % (s["wear_min"], days),
            "exercises": ["cat_cow", "thoracic_rotation", "arm_circles", "band_rows"],
            "tips": ["hourly_break", "screen_height"],
        }]
    else:
        findings = [f for f in (rule(s) for rule in RULES) if f is not None]
        if not findings:
            findings = [_maintenance(s)]
    ch = s.get("change") or {}
    if ch.get("upright_share") is not None and abs(ch["upright_share"]) >= 0.05:
        better = ch["upright_share"] > 0
        notes.append("Upright share %s by %.0f points against the %s before." % (
            "rose" if better else "fell", abs(100 * ch["upright_share"]),
            "day" if days == 1 else "%d days" % days))
    daily: list[dict[str, Any]] = []
    strength: list[dict[str, Any]] = []
    for f in findings:
        for ex_id in f["exercises"]:
            ex = by_id[ex_id]
            bucket, cap = (strength, MAX_STRENGTH) if ex["frequency"] == "strength" else (daily, MAX_DAILY)
            known = next((e for e in bucket if e["id"] == ex_id), None)
            if known is not None:
                known["why"].append(f["id"])
            elif len(bucket) < cap:
                bucket.append(dict(ex, why=[f["id"]]))
    tip_ids: list[str] = []
    for f in findings:
        tip_ids += [t for t in f["tips"] if t not in tip_ids]
    routine = next((f["routine"] for f in findings if f.get("routine")), None)
    if routine is not None:
        routine = routine.format(**{k: v["name"] for k, v in by_id.items()})
    return {
        "days": days,
        "period": s["period"],
        "figures": {k: s[k] for k in ("wear_min", "seated_min", "upright_share", "slouch_min",
                                      "episodes", "median_response_s", "longest_sitting_min")},
        "findings": [{k: f[k] for k in ("id", "title", "reason")} for f in findings],
        "daily": daily,
        "daily_frequency": lib["frequency"]["daily"],
        "strength": strength,
        "strength_frequency": lib["frequency"]["strength"],
        "break_routine": routine,
        "settings": [x for f in findings for x in f.get("settings", [])],
        "desk_tips": [tips_by_id[t] for t in tip_ids],
        "notes": notes,
        "precautions": list(lib["precautions"]),
    }


def training_plan(conn: sqlite3.Connection, tz: tzinfo | None = None,
                  today: date | None = None) -> dict[str, Any]:
    """The training plan in force (what the last sync applied) and what the next sync would
    set, in one or two sentences. The day in progress is not judged (as at a sync)."""
    from host import plan as pl
    from host.goals import read_goal
    from host.summary import data_days

    now = pl.current(conn, None, tz)
    held = data_days(conn, tz)
    real_today = datetime.now(tz).date()
    if today is None:
        today = min(real_today, held[1] + timedelta(days=1)) if held else real_today
    nxt = pl.next_plan(pl.measured_days(conn, today, tz, read_goal(conn)),
                       None if now is None else now["train_min"],
                       None if now is None else now["delay_s"], read_goal(conn),
                       None if now is None else now["based_on"])
    return {"now": now, "next": nxt, "text": pl.describe(now, nxt)}


def suggest(conn: sqlite3.Connection, days: int = 7, tz: tzinfo | None = None) -> dict[str, Any]:
    """The plan for the `days` local days ending with the latest day that has data (no earlier
    than the first day with data: the plan then speaks of the days it looked at), with the
    goal's progress and the training plan."""
    from host.summary_view import goal_lines

    start, end = last_days(conn, days, tz)
    s = summarise(conn, start, end, tz)
    plan = plan_from_summary(s, span_days(start, end, tz))
    plan["progress"] = goal_lines(s)
    plan["goals"] = s["goals"]
    plan["training"] = training_plan(conn, tz)
    return plan


def render_plan(plan: dict[str, Any], console: Any) -> None:
    from host.suggest_view import render

    render(plan, console)
