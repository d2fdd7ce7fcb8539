"""Summaries of synced records: wear, posture, slouch episodes, alerts, breaks, by hour and by day.

Reads the `minutes` and `events` tables (schema in docs/architecture.md) with
plain SQL. Heavy lifting is done by SQLite (sums per quarter hour, streaks with
window functions) so a year of per-minute records summarises in well under a
second. Local day and hour boundaries come from `tz` (None: the system's zone).
Records without a wall time ("not anchored") cannot be placed on a day; they
are counted and left out of every figure.
"""

from __future__ import annotations

import sqlite3
import statistics
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Any, NamedTuple

import numpy as np

from firmware import events as ev

BUCKET_S = 900  # quarter hours: every real zone offset is a multiple of 15 min
STREAK_MIN_WORN_S = 30  # a minute joins an upright streak when worn at least this long
STREAK_MAX_SLOUCH_S = 10  # ... and slouched for less than this
SEATED_MIN_S = 30  # a minute counts as seated (for unbroken sitting) with this much seated time
EVENT_LOOKBACK_S = 3600  # an alert before the period start still pairs with an episode ending inside
# A minute record's wall time is when the clip closed that minute, so it covers [wall - 60, wall);
# it is placed in time by its midpoint.
MID_S = 30
# Episodes at least this long are "sustained" (the clip's default POSTURE_SLOUCH_DELAY_S).
DEFAULT_DELAY_S = 30

# Loaded.buckets holds one row per quarter hour, its columns as _BUCKET_SQL selects them:
# the quarter-hour number, then sums over its minutes.
Q, WORN, UPRIGHT, SLOUCH, MOVING, LYING, FLEX_SEATED, ALERTS, MINUTES = range(9)
BUCKET_COLUMNS = 9
_BUCKET_SQL = """
SELECT CAST((wall - {m}) / {b} AS INTEGER) AS q, SUM(worn_s), SUM(upright_s), SUM(slouch_s),
       SUM(moving_s), SUM(lying_s), SUM(mean_flex_d10 * (upright_s + slouch_s)),
       SUM(alerts), COUNT(*)
FROM minutes WHERE wall >= ? AND wall < ? GROUP BY q ORDER BY q
""".format(b=BUCKET_S, m=MID_S)

# Per device, one text of "minute_number*4 + flags" for the minutes that qualify for a streak
# (bit 1: worn, not slouched; bit 2: seated). One string per device fetches far faster than rows.
_STREAK_SQL = """
SELECT group_concat(CAST(ROUND(wall / 60.0) AS INTEGER) * 4
         + (worn_s >= {w} AND slouch_s < {s}) + 2 * (upright_s + slouch_s >= {st}))
FROM minutes WHERE wall >= ? AND wall < ? AND (worn_s >= {w} OR upright_s + slouch_s >= {st})
GROUP BY device_id
""".format(w=STREAK_MIN_WORN_S, s=STREAK_MAX_SLOUCH_S, st=SEATED_MIN_S)
UPRIGHT_BIT, SEATED_BIT = 1, 2


class EventRow(NamedTuple):
    """One row of the events table as the summaries read it (ordered by device and seq)."""

    device_id: str
    boot: int
    seq: int
    wall: float
    kind: str
    a: int
    b: int


class Episode(NamedTuple):
    """A slouch episode that ended inside a period, paired with its first alert (same boot)."""

    end_wall: float
    duration_s: float
    peak_deg: float
    alerted: bool
    response_s: float | None   # from the alert to sitting up; None: no alert


@dataclass
class Loaded:
    """What one period's queries return."""

    buckets: np.ndarray  # one row per quarter hour; columns Q, WORN, ... MINUTES above
    events: list[EventRow]
    upright_streak: tuple[int, float | None]  # (minutes, wall time the streak starts)
    seated_streak: tuple[int, float | None]


def load_period(conn: sqlite3.Connection, start: float, end: float, detail: bool = True) -> Loaded:
    """Records with wall time in [start, end): quarter-hour sums, events and (with detail) streaks."""
    rows = conn.execute(_BUCKET_SQL, (start + MID_S, end + MID_S)).fetchall()
    buckets = np.array(rows, dtype=float).reshape(-1, BUCKET_COLUMNS)
    cur = conn.cursor()
    cur.row_factory = _event_row
    events = cur.execute(
        "SELECT device_id, boot, seq, wall, kind, a, b FROM events"
        " WHERE wall >= ? AND wall < ? ORDER BY device_id, seq",
        (start - EVENT_LOOKBACK_S, end),
    ).fetchall()
    up: tuple[int, float | None] = (0, None)
    seated: tuple[int, float | None] = (0, None)
    if detail and len(buckets):
        up, seated = _streaks(conn, start + MID_S, end + MID_S)
    return Loaded(buckets, events, up, seated)


def _event_row(_cursor: sqlite3.Cursor, row: tuple[Any, ...]) -> EventRow:
    return EventRow(*row)


Streak = tuple[int, float | None]


def _streaks(conn: sqlite3.Connection, lo: float, hi: float) -> tuple[Streak, Streak]:
    """Longest runs of consecutive upright and of consecutive seated minutes: (minutes, start wall)."""
    best = {UPRIGHT_BIT: (0, None), SEATED_BIT: (0, None)}  # type: dict[int, Streak]
    for (text,) in conn.execute(_STREAK_SQL, (lo, hi)):
        if not text:
            continue
        codes = np.array(text.split(","), dtype=np.int64)
        for bit in best:
            mins = np.unique(codes[(codes & bit) != 0] >> 2)
            if not len(mins):
                continue
            breaks = np.flatnonzero(np.diff(mins) != 1)
            starts = np.concatenate(([0], breaks + 1))
            ends = np.concatenate((breaks + 1, [len(mins)]))
            i = int(np.argmax(ends - starts))
            n = int(ends[i] - starts[i])
            if n > best[bit][0]:
                best[bit] = (n, float(mins[starts[i]]) * 60 - 60)  # the first minute's start
    return best[UPRIGHT_BIT], best[SEATED_BIT]


def not_anchored(conn: sqlite3.Connection) -> dict[str, int]:
    m = conn.execute("SELECT COUNT(*) FROM minutes WHERE wall IS NULL").fetchone()[0]
    e = conn.execute("SELECT COUNT(*) FROM events WHERE wall IS NULL").fetchone()[0]
    return {"minutes": int(m), "events": int(e)}


WALL_LO, WALL_HI = 1_000_000_000.0, 4_102_444_800.0  # 2001 to 2100: the clock walls can hold


def data_range(conn: sqlite3.Connection) -> tuple[float, float] | None:
    """Wall time of the first and last anchored minute, or None when there is none.

    Walls outside 2001-2100 (a clip clock that was never right) are not days to show.
    """
    row = conn.execute("SELECT MIN(wall), MAX(wall) FROM minutes WHERE wall >= ? AND wall < ?",
                       (WALL_LO, WALL_HI)).fetchone()
    if row is None or not isinstance(row[0], (int, float)) or not isinstance(row[1], (int, float)):
        return None
    return float(row[0]), float(row[1])


def data_days(conn: sqlite3.Connection, tz: tzinfo | None = None) -> tuple[date, date] | None:
    """The first and last local days that hold records (None: no anchored record)."""
    rng = data_range(conn)
    return None if rng is None else (local_date(rng[0], tz), local_date(rng[1], tz))


def clamp_days(conn: sqlite3.Connection, first: date, last: date,
               tz: tzinfo | None = None) -> tuple[date, date] | None:
    """The part of the local days first..last that lies between the first and last days holding
    records; None when they do not meet. Any dates are fine (date.min, date.max): nothing
    is computed from them but comparisons."""
    held = data_days(conn, tz)
    if held is None:
        return None
    lo, hi = max(first, held[0]), min(last, held[1])
    return (lo, hi) if lo <= hi else None


def day_span(first: date, last: date, tz: tzinfo | None = None) -> tuple[float, float]:
    """[start, end) wall times of the local days first..last."""
    return local_midnight(first, tz), local_midnight(last + timedelta(days=1), tz)


def span_days(start: float, end: float, tz: tzinfo | None = None) -> int:
    """How many local days [start, end) covers."""
    return (local_date(end - 1, tz) - local_date(start, tz)).days + 1


# ---- local time -------------------------------------------------------------------------

def local_midnight(d: date, tz: tzinfo | None = None) -> float:
    """Unix time of local midnight starting day d (naive datetimes are the system's zone)."""
    return datetime(d.year, d.month, d.day, tzinfo=tz).timestamp()


def local_date(wall: float, tz: tzinfo | None = None) -> date:
    return datetime.fromtimestamp(wall, tz).date()


def _offset(wall: float, tz: tzinfo | None) -> float:
    if tz is None:
        return float(time.localtime(wall).tm_gmtoff)
    off = datetime.fromtimestamp(wall, tz).utcoffset()
    return off.total_seconds() if off is not None else 0.0


def local_seconds(walls: np.ndarray, tz: tzinfo | None) -> np.ndarray:
    """Local clock seconds since the epoch for each wall time (offset looked up per quarter hour)."""
    if not len(walls):
        return walls
    qs = np.floor(walls / BUCKET_S).astype(np.int64)
    uniq, inv = np.unique(qs, return_inverse=True)
    offs = np.array([_offset(float(q) * BUCKET_S, tz) for q in uniq])
    return walls + offs[inv]


# ---- the summary ------------------------------------------------------------------------

def _share(part: float, whole: float) -> float | None:
    return round(part / whole, 4) if whole > 0 else None


def _median(xs: list[float]) -> float | None:
    return round(statistics.median(xs), 1) if xs else None


def episodes(events: list[EventRow], start: float, end: float) -> list[Episode]:
    """Slouch episodes ending inside the period, each paired with its first alert (same boot).

    An alert the clip logged without playing it (tracking mode, a snooze: MODE and SNOOZE
    events of the same boot; a boot starts in training) has no response: nobody felt it.
    """
    pending: dict[tuple[Any, Any], tuple[int, bool]] = {}
    quiet: dict[tuple[Any, Any], int] = {}   # 1: tracking, 2: snoozed
    out = []
    for dev, boot, _seq, wall, kind, a, b in events:
        key = (dev, boot)
        if kind == ev.SLOUCH_START:
            pending.pop(key, None)
        elif kind == ev.SLOUCH_ALERT:
            pending.setdefault(key, (int(a), bool(quiet.get(key))))
        elif kind == ev.MODE:
            quiet[key] = (quiet.get(key, 0) & ~1) | (1 if a == ev.MODE_TRACKING else 0)
        elif kind == ev.SNOOZE:
            quiet[key] = (quiet.get(key, 0) & ~2) | (2 if a else 0)
        elif kind == ev.SLOUCH_END:
            alert = pending.pop(key, None)
            if start <= wall < end:
                out.append(Episode(wall, a / 1000, b / 10, alert is not None,
                                   None if alert is None or alert[1] else max(0, a - alert[0]) / 1000))
    return out


def _breaks(events: list[EventRow], start: float, end: float) -> dict[str, Any]:
    reminded = taken = after = 0
    last: dict[tuple[Any, Any], str] = {}
    seated_before: list[int] = []
    for dev, boot, _seq, wall, kind, a, _b in events:
        if kind not in (ev.BREAK_ALERT, ev.BREAK_TAKEN) or wall is None:
            continue
        key = (dev, boot)
        inside = start <= wall < end
        if kind == ev.BREAK_ALERT and inside:
            reminded += 1
        elif kind == ev.BREAK_TAKEN and inside:
            taken += 1
            seated_before.append(int(a))
            if last.get(key) == ev.BREAK_ALERT:
                after += 1
        last[key] = kind
    return {"reminded": reminded, "taken": taken, "taken_after_reminder": after,
            "longest_seated_before_break_min": max(seated_before) if seated_before else None}


def _headline(ld: Loaded, start: float, end: float, delay_s: int) -> tuple[dict[str, Any], list[Episode]]:
    """The period's headline figures (JSON-ready) and its slouch episodes."""
    tot = ld.buckets[:, WORN:MINUTES].sum(axis=0) if len(ld.buckets) else np.zeros(MINUTES - WORN)
    worn, up, sl, mov, ly, flexw, _alerts = (float(x) for x in tot)
    eps = episodes(ld.events, start, end)
    inside = [e for e in ld.events if start <= e.wall < end]
    responses = [e.response_s for e in eps if e.response_s is not None]
    return {
        "wear_min": round(worn / 60, 1),
        "seated_min": round((up + sl) / 60, 1),
        "upright_min": round(up / 60, 1),
        "slouch_min": round(sl / 60, 1),
        "moving_min": round(mov / 60, 1),
        "lying_min": round(ly / 60, 1),
        "upright_share": _share(up, up + sl),
        "slouch_per_worn_hour_min": round(sl / worn * 60, 2) if worn else None,
        "mean_flexion_deg": round(flexw / (up + sl) / 10, 1) if up + sl else None,
        "episodes_all": len(eps),
        "episodes": sum(1 for e in eps if e.duration_s >= delay_s),
        "alerted_episodes": sum(1 for e in eps if e.alerted),
        "median_episode_s": _median([e.duration_s for e in eps if e.duration_s >= delay_s]),
        "longest_episode_s": max((e.duration_s for e in eps), default=None),
        "slouch_alerts": sum(1 for e in inside if e.kind == ev.SLOUCH_ALERT),
        "slouch_reminders": sum(1 for e in inside if e.kind == ev.SLOUCH_REMINDER),
        "median_response_s": _median(responses),
        "breaks": _breaks(ld.events, start, end),
    }, eps


CHANGE_KEYS = ("wear_min", "upright_share", "slouch_min", "slouch_per_worn_hour_min",
               "episodes", "slouch_alerts", "median_response_s")


def summarise(conn: sqlite3.Connection, start: float, end: float,
              tz: tzinfo | None = None, delay_s: int = DEFAULT_DELAY_S) -> dict[str, Any]:
    """Everything `posture summary` shows for wall times in [start, end), as a JSON-ready dict.

    Episodes counts slouch episodes lasting at least `delay_s` (the alert delay); episodes_all
    also counts the brief ones; alerted_episodes those the clip alerted on.
    """
    ld = load_period(conn, start, end)
    out, eps = _headline(ld, start, end, delay_s)
    out["period"] = {"start": datetime.fromtimestamp(start, tz).isoformat(),
                     "end": datetime.fromtimestamp(end, tz).isoformat(),
                     "first_day": local_date(start, tz).isoformat(),
                     "last_day": local_date(end - 1, tz).isoformat(),
                     "start_wall": start, "end_wall": end,
                     "days": round((end - start) / 86400, 2)}
    out["has_data"] = bool(len(ld.buckets))
    out["worn_minutes_recorded"] = int(ld.buckets[:, MINUTES].sum()) if len(ld.buckets) else 0
    out["responses_s"] = [e.response_s for e in eps if e.response_s is not None]
    n, first = ld.upright_streak
    out["longest_upright_streak_min"] = n
    out["longest_upright_streak_start"] = (
        datetime.fromtimestamp(first, tz).isoformat() if first is not None else None)
    out["longest_sitting_min"] = max(ld.seated_streak[0],
                                     out["breaks"]["longest_seated_before_break_min"] or 0)
    out["by_hour"] = _by_hour(ld.buckets, tz)
    out["delay_s"] = delay_s
    out["by_day"] = by_day(ld.buckets, [e for e in eps if e.duration_s >= delay_s], start, end, tz)
    pstart = 2 * start - end
    prev, _ = _headline(load_period(conn, pstart, start, detail=False), pstart, start, delay_s)
    has_prev = prev["wear_min"] > 0
    out["previous"] = {k: prev[k] for k in CHANGE_KEYS} if has_prev else None
    out["change"] = {
        k: (round(out[k] - prev[k], 4) if has_prev and out[k] is not None and prev[k] is not None else None)
        for k in CHANGE_KEYS}
    out["not_anchored"] = not_anchored(conn)
    worn_s = float(ld.buckets[:, WORN].sum()) if len(ld.buckets) else 0.0
    out["clip"] = clip_figures(conn, ld.events, start, end, worn_s, tz)
    from host.goals import progress

    out["goals"] = progress(conn, local_date(end - 1, tz), tz, delay_s, loaded=(ld, start, end))
    return out


# ---- what the clip itself reports: snoozes, modes, battery ---------------------------------

BATTERY_WINDOW_S = 24 * 3600  # the discharge slope is fitted over the last day of readings
BATTERY_MIN_POINTS = 10       # readings while worn (about one a minute)
BATTERY_MIN_SPAN_H = 1.0      # worn hours those readings must span
BATTERY_MIN_FALL_PCT = 2      # and the charge must fall this much over them (1 % steps)
BATTERY_RISE_PCT = 3          # a rise this large is a recharge: the fit starts after it
WORN_MINUTE_S = 30            # a reading counts as "while worn" when its minute was worn this long


def _snoozes(events: list[EventRow], start: float, end: float) -> dict[str, Any]:
    """Snoozes started inside the period and the minutes they muted (clipped to the period).

    A snooze (a = minutes) ends at the next SNOOZE with a = 0 of the same boot, at the next
    snooze, or when its minutes run out (a boot that ended early cannot mute longer)."""
    count = by_press = 0
    muted = 0.0
    open_: dict[tuple[Any, Any], tuple[float, float]] = {}

    def close(key: tuple[Any, Any], at: float) -> None:
        nonlocal muted
        began, until = open_.pop(key)
        lo, hi = max(began, start), min(at, until, end)
        if hi > lo:
            muted += hi - lo
    for dev, boot, _seq, wall, kind, a, b in events:
        if kind != ev.SNOOZE or wall is None:
            continue
        key = (dev, boot)
        if key in open_:
            close(key, wall)
        if a > 0:
            open_[key] = (wall, wall + 60 * int(a))
            if start <= wall < end:
                count += 1
                by_press += int(bool(b))
    for key in list(open_):
        close(key, end)
    return {"count": count, "by_press": by_press, "muted_min": round(muted / 60, 1)}


def _modes(conn: sqlite3.Connection, start: float, end: float, worn_s: float) -> dict[str, Any]:
    """Worn minutes in training and in tracking mode.

    The mode comes from MODE events of the same device and boot; a boot before its first MODE
    event is in training (the clip's mode before modes existed, and its default)."""
    changes = conn.execute(
        "SELECT device_id, boot, wall, a FROM events WHERE kind = ? AND wall IS NOT NULL "
        "AND wall < ? ORDER BY device_id, seq", (ev.MODE, end)).fetchall()
    spans: dict[tuple[Any, Any], list[tuple[float, int]]] = {}
    for dev, boot, wall, a in changes:
        spans.setdefault((dev, boot), []).append((float(wall), int(a)))
    tracking_s = 0.0
    for (dev, boot), marks in spans.items():
        for i, (wall, mode) in enumerate(marks):
            if mode != ev.MODE_TRACKING:
                continue
            hi = marks[i + 1][0] if i + 1 < len(marks) else end
            lo, hi = max(wall, start), min(hi, end)
            if hi > lo:
                row = conn.execute(
                    "SELECT SUM(worn_s) FROM minutes WHERE device_id=? AND boot=? AND wall >= ? "
                    "AND wall < ?", (dev, boot, lo + MID_S, hi + MID_S)).fetchone()
                tracking_s += float(row[0] or 0)
    return {"training_min": round((worn_s - tracking_s) / 60, 1),
            "tracking_min": round(tracking_s / 60, 1), "mode_changes": sum(
                1 for marks in spans.values() for w, _m in marks if start <= w < end)}


def battery_estimate(points: list[tuple[float, int]]) -> dict[str, Any]:
    """Wear-hours left from (worn hours, percent) readings of one discharge: least squares.

    Says "not enough data" (hours_left None, with the reason) rather than guess from too few
    readings, too short a span or a charge that has not visibly fallen yet."""
    n = len(points)
    if n < BATTERY_MIN_POINTS:
        return {"hours_left": None, "points": n,
                "note": "not enough data: %d readings while worn (%d needed)" % (n, BATTERY_MIN_POINTS)}
    xs = np.array([p[0] for p in points], dtype=float)
    ys = np.array([p[1] for p in points], dtype=float)
    span = float(xs.max() - xs.min())
    fall = float(ys[: max(1, n // 5)].mean() - ys[-max(1, n // 5):].mean())
    if span < BATTERY_MIN_SPAN_H or fall < BATTERY_MIN_FALL_PCT:
        return {"hours_left": None, "points": n,
                "note": "not enough data: the readings while worn span %.1f h and the charge fell "
                        "%.0f points (%.0f h and %d points needed)"
                        % (span, max(0.0, fall), BATTERY_MIN_SPAN_H, BATTERY_MIN_FALL_PCT)}
    slope, icpt = np.polyfit(xs, ys, 1)
    if slope >= 0:
        return {"hours_left": None, "points": n, "note": "not enough data: no discharge to fit"}
    now_pct = float(slope * xs[-1] + icpt)
    return {"hours_left": round(max(0.0, now_pct) / -float(slope), 1), "points": n,
            "pct_per_worn_hour": round(-float(slope), 2), "note": None}


def _battery(conn: sqlite3.Connection, start: float, end: float,
             tz: tzinfo | None = None) -> dict[str, Any] | None:
    """The latest reading up to the period's end and the wear-hours it has left (None: the clip
    never reported its battery)."""
    last = conn.execute(
        "SELECT device_id, wall, a, b FROM events WHERE kind = ? AND wall IS NOT NULL AND wall < ? "
        "ORDER BY wall DESC LIMIT 1", (ev.BATTERY, end)).fetchone()
    if last is None:
        return None
    dev, at, mv, pct = last
    rows = conn.execute(
        "SELECT wall, b FROM events WHERE device_id = ? AND kind = ? AND wall > ? AND wall <= ? "
        "ORDER BY wall", (dev, ev.BATTERY, at - BATTERY_WINDOW_S, at)).fetchall()
    mins = conn.execute(
        "SELECT wall, worn_s FROM minutes WHERE device_id = ? AND wall > ? AND wall <= ? ORDER BY wall",
        (dev, at - BATTERY_WINDOW_S, at + 60)).fetchall()
    # only the readings since the last recharge
    begin = 0
    for i in range(1, len(rows)):
        if rows[i][1] - rows[i - 1][1] >= BATTERY_RISE_PCT:
            begin = i
    rows = rows[begin:]
    points: list[tuple[float, int]] = []
    if mins:
        walls = np.array([m[0] for m in mins], dtype=float)
        worn = np.array([m[1] for m in mins], dtype=float)
        # hours of wear before each minute closed: the x axis of the fit
        worn_h = np.cumsum(worn) / 3600.0
        for wall, p in rows:
            i = int(np.searchsorted(walls, wall, side="left"))  # the minute that holds the reading
            if i < len(walls) and walls[i] - 60 <= wall and worn[i] >= WORN_MINUTE_S:
                points.append((float(worn_h[i]), int(p)))
    low = conn.execute("SELECT COUNT(*) FROM events WHERE kind = ? AND wall >= ? AND wall < ?",
                       (ev.BATTERY_LOW, start, end)).fetchone()[0]
    out = {"device_id": dev, "percent": int(pct), "millivolts": int(mv),
           "at": datetime.fromtimestamp(at, tz).isoformat(timespec="minutes"), "low_warnings": int(low)}
    out.update(battery_estimate(points))
    return out


def clip_figures(conn: sqlite3.Connection, events: list[EventRow], start: float,
                 end: float, worn_s: float, tz: tzinfo | None = None) -> dict[str, Any]:
    return {"snooze": _snoozes(events, start, end), "modes": _modes(conn, start, end, worn_s),
            "battery": _battery(conn, start, end, tz)}


def _by_hour(b: np.ndarray, tz: tzinfo | None) -> list[dict[str, Any]]:
    sums = np.zeros((24, 4))
    if len(b):
        hours = ((local_seconds(b[:, Q] * BUCKET_S, tz) // 3600) % 24).astype(int)
        np.add.at(sums, hours, b[:, [WORN, UPRIGHT, SLOUCH, MOVING]])
    rows = []
    for h in range(24):
        worn, up, sl, mov = (float(x) for x in sums[h])
        rows.append({"hour": h, "wear_min": round(worn / 60, 1), "upright_min": round(up / 60, 1),
                     "slouch_min": round(sl / 60, 1), "moving_min": round(mov / 60, 1),
                     "upright_share": _share(up, up + sl)})
    return rows


def by_day(b: np.ndarray, eps: list[Episode], start: float, end: float,
           tz: tzinfo | None) -> list[dict[str, Any]]:
    """Per local day of [start, end): wear, posture, episodes (those given) and alerts."""
    first = local_date(start, tz)
    last = local_date(end - 1, tz)
    ndays = (last - first).days + 1
    sums = np.zeros((ndays, 4))
    if len(b):
        local_days = (local_seconds(b[:, Q] * BUCKET_S, tz) // 86400).astype(np.int64)
        idx = local_days - (first - date(1970, 1, 1)).days
        ok = (idx >= 0) & (idx < ndays)
        np.add.at(sums, idx[ok], b[ok][:, [WORN, UPRIGHT, SLOUCH, ALERTS]])
    counts = [0] * ndays
    alerted = [0] * ndays
    responses: list[list[float]] = [[] for _ in range(ndays)]
    for e in eps:
        i = (local_date(e.end_wall, tz) - first).days
        if 0 <= i < ndays:
            counts[i] += 1
            alerted[i] += int(e.alerted)
            if e.response_s is not None:
                responses[i].append(e.response_s)
    rows = []
    for i in range(ndays):
        worn, up, sl, alerts = (float(x) for x in sums[i])
        rows.append({"date": (first + timedelta(days=i)).isoformat(), "wear_min": round(worn / 60, 1),
                     "upright_min": round(up / 60, 1), "slouch_min": round(sl / 60, 1),
                     "upright_share": _share(up, up + sl), "episodes": counts[i],
                     "alerted_episodes": alerted[i], "alerts": int(alerts),
                     "median_response_s": _median(responses[i])})
    return rows


def last_days(conn: sqlite3.Connection, days: int, tz: tzinfo | None = None) -> tuple[float, float]:
    """[start, end) of the `days` local days ending with the latest day that has data, cut to
    the first day with data (so a span of 10 years over 60 days of records is those 60 days).
    No data: today alone."""
    if days < 1:
        raise ValueError("a span is at least 1 day")
    held = data_days(conn, tz)
    if held is None:
        today = datetime.now(tz).date()
        return day_span(today, today, tz)
    first, last = held
    n = min(days, (last - first).days + 1)
    return day_span(last - timedelta(days=n - 1), last, tz)


def render_summary(summary: dict[str, Any], console: Any) -> None:
    """Rich tables for a terminal (see host/summary_view.py)."""
    from host.summary_view import render

    render(summary, console)
