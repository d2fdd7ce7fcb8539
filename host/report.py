"""`posture report`: one self-contained HTML page (plots embedded as PNG data URIs, no network)."""

from __future__ import annotations

import base64
import html
import sqlite3
from datetime import datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any

import numpy as np

from host import plots
from host.errors import PostureError
from host.suggest import plan_from_summary, training_plan
from host.summary import MID_S, last_days, local_date, local_seconds, span_days, summarise
from host.summary_view import (
    anchored_note,
    change_note,
    clip_lines,
    fmt_min,
    fmt_pct,
    fmt_response,
    goal_lines,
    overview_rows,
    period_label,
)

REPORT_NAME = "posture-report.html"
SLOUCH_MINUTE_S = 20  # a minute shows as slouched in the timeline from this many slouched seconds


def minute_states(conn: sqlite3.Connection, start: float, end: float,
                  tz: tzinfo | None = None) -> tuple[np.ndarray, list[str]]:
    """A (days, 1440) array of state codes (plots.STATES) and the day labels."""
    first, last = local_date(start, tz), local_date(end - 1, tz)
    ndays = (last - first).days + 1
    grid = np.zeros((ndays, 1440), dtype=np.int8)
    rows = conn.execute(
        "SELECT wall, worn_s, upright_s, slouch_s, moving_s, lying_s FROM minutes"
        " WHERE wall >= ? AND wall < ?", (start + MID_S, end + MID_S)).fetchall()
    if rows:
        a = np.array(rows, dtype=float)
        local = local_seconds(a[:, 0] - MID_S, tz)
        day = (local // 86400).astype(np.int64) - (first - datetime(1970, 1, 1).date()).days
        minute = ((local % 86400) // 60).astype(np.int64)
        # not worn under 30 s of wear; slouched from 20 s of slouching; else the longest state
        code = np.where(a[:, 1] < 30, 1, np.where(a[:, 3] >= SLOUCH_MINUTE_S, 3,
                                                  2 + np.argmax(a[:, 2:6], axis=1)))
        ok = (day >= 0) & (day < ndays)
        grid[day[ok], minute[ok]] = code[ok]
    labels = [(first + timedelta(days=i)).strftime("%a %d %b") for i in range(ndays)]
    return grid, labels


PHONE_MAX_PX = 640  # pages this narrow get the plots drawn narrow (plots.NARROW_IN)


def _uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _img(png: bytes, alt: str, narrow: bytes | None = None) -> str:
    """One plot; with `narrow`, a phone-width drawing the browser picks on a narrow page."""
    img = '<img alt="%s" src="%s">' % (html.escape(alt), _uri(png))
    if narrow is None:
        return img
    return '<picture><source media="(max-width: %dpx)" srcset="%s">%s</picture>' % (
        PHONE_MAX_PX, _uri(narrow), img)


def _list(items: list[str], cls: str = "") -> str:
    if not items:
        return ""
    return '<ul%s>%s</ul>' % (' class="%s"' % cls if cls else "",
                              "".join("<li>%s</li>" % html.escape(i) for i in items))


def _exercises(items: list[dict[str, Any]]) -> str:
    out = []
    for ex in items:
        out.append(
            '<div class="ex"><h4>%s <span class="dose">%s</span></h4><p class="targets">For: %s</p>'
            "<ol>%s</ol><p class=\"care\">Take care: %s</p></div>" % (
                html.escape(ex["name"]), html.escape(ex["dose"]), html.escape(", ".join(ex["targets"])),
                "".join("<li>%s</li>" % html.escape(s) for s in ex["steps"]), html.escape(ex["avoid"])))
    return "".join(out)


def _plan_html(plan: dict[str, Any]) -> str:
    parts = ['<section id="suggestions"><h2>Suggestions</h2>',
             # before any exercise: these say when not to do them
             '<div id="precautions"><h3>Before you start</h3>%s</div>' % _list(plan["precautions"]),
             "<h3>What the clip saw</h3><ul>"]
    for f in plan["findings"]:
        parts.append("<li><b>%s</b>: %s</li>" % (html.escape(f["title"]), html.escape(f["reason"])))
    parts.append("</ul>" + _list(plan["notes"]))
    if plan["daily"]:
        parts.append("<h3>Stretch and move: %s</h3>%s" % (html.escape(plan["daily_frequency"]),
                                                         _exercises(plan["daily"])))
    if plan["strength"]:
        parts.append("<h3>Strengthen: %s</h3>%s" % (html.escape(plan["strength_frequency"]),
                                                   _exercises(plan["strength"])))
    if plan["break_routine"]:
        parts.append("<h3>Break routine</h3><p>%s</p>" % html.escape(plan["break_routine"]))
    if plan["settings"]:
        parts.append("<h3>Clip settings to try</h3><p>With the clip plugged in, run each command "
                     "shown; the clip checks and keeps the value.</p><ul>%s</ul>" % "".join(
                         "<li><code>posture config %s %s</code>: %s</li>" % (
                             html.escape(s["key"]), html.escape(str(s["value"])),
                             html.escape(s["reason"])) for s in plan["settings"]))
    if plan.get("training"):
        parts.append("<h3>Training plan</h3><p>%s</p>" % html.escape(plan["training"]["text"]))
    if plan["desk_tips"]:
        parts.append("<h3>At the desk</h3>" + _list(plan["desk_tips"]))
    parts.append("</section>")
    return "".join(parts)


def _headline(s: dict[str, Any]) -> str:
    """Today's score, goal met or not, the streak and one sentence on what changed."""
    lines = goal_lines(s)
    if not lines:
        return ""
    return '<section id="headline"><h2>%s</h2>%s</section>' % (
        html.escape(lines[0]), "".join("<p>%s</p>" % html.escape(x) for x in lines[1:]))


CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;max-width:1150px;margin:24px auto;
color:#222;padding:0 16px;line-height:1.45}
h1{margin-bottom:0}.sub{color:#666;margin-top:4px}
table{border-collapse:collapse;margin:8px 0 16px}td,th{padding:4px 12px;border-bottom:1px solid #ddd;
text-align:left}td.num{text-align:right}
img{max-width:100%;height:auto;display:block;margin:8px 0 20px;border:1px solid #eee;box-sizing:border-box}
table{width:100%;max-width:760px}td,th{overflow-wrap:anywhere}
li,p,code{overflow-wrap:anywhere}
#headline{background:#eef6ee;border-left:4px solid #2ca25f;padding:2px 14px;margin:12px 0}
#headline h2{font-size:1.25em}
th{overflow-wrap:normal}
@media (max-width:640px){body{margin:8px auto;padding:0 10px}td,th{padding:4px 5px}
table{font-size:.85em}
.ex{padding:4px 8px}}
.note{background:#fff6d5;padding:8px 12px;border-left:4px solid #e0b000}
.ex{border:1px solid #e5e5e5;border-radius:6px;padding:6px 14px;margin:8px 0}
.ex h4{margin:6px 0}.dose{font-weight:normal;color:#08519c;margin-left:8px}
.targets,.care{color:#555;margin:4px 0}
#precautions{background:#fdecea;border-left:4px solid #c0392b;padding:4px 14px;margin-top:16px}
"""


def build_html(conn: sqlite3.Connection, days: int = 7, tz: tzinfo | None = None) -> str:
    start, end = last_days(conn, days, tz)  # cut to the days that hold records
    days = span_days(start, end, tz)
    s = summarise(conn, start, end, tz)
    if not s["has_data"]:
        raise PostureError("no anchored records to report on; run `posture sync` first")
    plan = plan_from_summary(s, days)
    plan["training"] = training_plan(conn, tz)
    grid, labels = minute_states(conn, start, end, tz)
    rows = "".join('<tr><td>%s</td><td class="num">%s</td><td class="num">%s</td></tr>'
                   % tuple(html.escape(c) for c in r) for r in overview_rows(s))
    day_rows = "".join(
        '<tr><td>%s</td><td class="num">%s</td><td class="num">%s</td><td class="num">%s</td>'
        '<td class="num">%d</td></tr>' % (d["date"], fmt_min(d["wear_min"]), fmt_pct(d["upright_share"]),
                                          fmt_min(d["slouch_min"]), d["episodes"])
        for d in s["by_day"])
    note = anchored_note(s)
    generated = datetime.now(tz).strftime("%Y-%m-%d %H:%M")
    worn_days = sum(1 for d in s["by_day"] if d["wear_min"] > 0)
    med = fmt_response(s["median_response_s"])
    clip = clip_lines(s)
    if len(s["by_day"]) >= 2:
        trend = _img(plots.trend(s["by_day"]), "slouched minutes and upright share per day",
                     plots.trend(s["by_day"], narrow=True))
    else:
        trend = ("<p>A trend needs two days or more; this report covers one day. Wear the clip "
                 "again tomorrow and the days will be compared here.</p>")
    return "".join([
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>Posture report %s</title><style>%s</style></head><body>" % (
            html.escape(period_label(s)), CSS),
        '<h1>Posture report</h1><p class="sub">%s &middot; generated %s</p>' % (
            html.escape(period_label(s)), generated),
        _headline(s),
        '<section id="summary"><h2>Summary</h2><table><tr><th>Figure</th><th>Value</th>'
        "<th>Change vs the %s before</th></tr>%s</table><p>%s</p>" % (
            "day" if days == 1 else "%d days" % days, rows, html.escape(change_note(s))),
        '<p class="note">%s</p>' % html.escape(note) if note else "",
        '<section id="clip"><h2>The clip</h2>%s</section>' % _list(clip) if clip else "",
        "<table><tr><th>Day</th><th>Worn</th><th>Upright</th><th>Slouched</th><th>Episodes</th></tr>"
        "%s</table></section>" % day_rows,
        '<section id="timeline"><h2>Each day</h2>%s</section>' % _img(
            plots.timeline(grid, labels), "timeline of posture states per day",
            plots.timeline(grid, labels, narrow=True)),
        '<section id="hours"><h2>By hour of day</h2><p>Minutes in each hour, the average of the '
        "%d day%s you wore the clip.</p>%s</section>" % (
            worn_days, "" if worn_days == 1 else "s",
            _img(plots.by_hour(s["by_hour"], worn_days), "slouched minutes per hour of day",
                 plots.by_hour(s["by_hour"], worn_days, narrow=True))),
        '<section id="trend"><h2>Trend</h2>%s</section>' % trend,
        '<section id="responses"><h2>Alert response</h2><p>Median time from an alert to sitting '
        "up: <b>%s</b> over %d alerted episodes.</p>%s</section>" % (
            med, s["alerted_episodes"],
            _img(plots.responses(s["responses_s"], med), "alert response times",
                 plots.responses(s["responses_s"], med, narrow=True))),
        _plan_html(plan),
        "</body></html>\n",
    ])


def write_report(conn: sqlite3.Connection, out_dir: str | Path, days: int = 7,
                 tz: tzinfo | None = None) -> Path:
    """Write the page into out_dir (created if needed) and return its path."""
    page = build_html(conn, days, tz)
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
        path = out / REPORT_NAME
        path.write_text(page, encoding="utf-8")
    except OSError as exc:
        raise PostureError("cannot write the report into %s: %s" % (out, exc.strerror or exc)) from exc
    return path.resolve()
