"""Rich tables for a summary dict made by host.summary.summarise."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table


def fmt_min(m: float | None) -> str:
    if m is None:
        return "-"
    if m >= 60:
        return "%dh %02dm" % (int(m // 60), int(round(m % 60)))
    return "%.1f min" % m if 0 < m < 10 else "%.0f min" % m


def fmt_pct(x: float | None) -> str:
    return "-" if x is None else "%.0f%%" % (100 * x)


def fmt_s(x: float | None) -> str:
    if x is None:
        return "-"
    return "%.0f s" % x if x < 120 else "%.1f min" % (x / 60)


NO_CHANGE = "–"  # a figure with no comparison (the reason is said under the table)


def fmt_response(x: float | None) -> str:
    """The one format of an alert-response time, everywhere it is shown."""
    return fmt_s(x)


def _delta(key: str, d: float | None) -> str:
    if d is None:
        return NO_CHANGE
    if key == "upright_share":
        return "%+.0f pts" % (100 * d)
    if key.endswith("_s"):
        return "%+.0f s" % d
    if key.endswith("_min"):
        return "%+.0f min" % d if abs(d) >= 10 or d == 0 else "%+.1f min" % d
    return "%+d" % d


def overview_rows(s: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(figure, value, change against the previous period) rows, shared with the HTML report."""
    ch = s.get("change", {})
    b = s["breaks"]
    rows = [
        ("Wear time", fmt_min(s["wear_min"]), _delta("wear_min", ch.get("wear_min"))),
        ("Seated", fmt_min(s["seated_min"]), NO_CHANGE),
        ("Upright share of seated time", fmt_pct(s["upright_share"]),
         _delta("upright_share", ch.get("upright_share"))),
        ("Slouched", fmt_min(s["slouch_min"]), _delta("slouch_min", ch.get("slouch_min"))),
        ("Slouch per worn hour", "-" if s["slouch_per_worn_hour_min"] is None
         else "%.1f min" % s["slouch_per_worn_hour_min"],
         _delta("slouch_per_worn_hour_min", ch.get("slouch_per_worn_hour_min"))),
        ("Mean forward flexion (seated)", "-" if s["mean_flexion_deg"] is None
         else "%.1f°" % s["mean_flexion_deg"], NO_CHANGE),
        ("Slouch episodes ≥ %d s (alerted; all incl. brief)" % s.get("delay_s", 30),
         "%d (%d; %d)" % (s["episodes"], s["alerted_episodes"], s["episodes_all"]),
         _delta("episodes", ch.get("episodes"))),
        ("Median / longest episode", "%s / %s" % (fmt_s(s["median_episode_s"]),
                                                 fmt_s(s["longest_episode_s"])), NO_CHANGE),
        ("Slouch alerts (+ reminders)", "%d (+%d)" % (s["slouch_alerts"], s["slouch_reminders"]),
         _delta("slouch_alerts", ch.get("slouch_alerts"))),
        ("Median time from alert to upright", fmt_response(s["median_response_s"]),
         _delta("median_response_s", ch.get("median_response_s"))),
        ("Longest upright streak (worn, not slouching)", fmt_min(s["longest_upright_streak_min"]),
         NO_CHANGE),
        ("Longest unbroken sitting", fmt_min(s["longest_sitting_min"]), NO_CHANGE),
        ("Breaks taken / reminded", "%d / %d" % (b["taken"], b["reminded"]), NO_CHANGE),
    ]
    return rows


def change_note(s: dict[str, Any]) -> str:
    """Why the change column says what it says."""
    n = round(s["period"]["days"])
    span = "day" if n <= 1 else "%d days" % n
    if not s.get("previous"):
        return ("No change is shown (%s): nothing was recorded in the %s before %s."
                % (NO_CHANGE, span, s["period"]["first_day"]))
    return ("Changes compare with the %s before %s; %s marks a figure that is not compared."
            % (span, s["period"]["first_day"], NO_CHANGE))


def goal_lines(s: dict[str, Any]) -> list[str]:
    """Plain lines on the goal, the day's score, the streak and the week (terminal and report)."""
    g = s.get("goals")
    if not g:
        return []
    day, st = g["day"], g["streak"]
    verdict = {"met": "goal met", "missed": "goal missed",
               "not worn": "not worn long enough to count"}[day["status"]]
    score = "-" if day["score"] is None else "%d" % day["score"]
    lines = ["%s: Score %s of 100, %s." % (day["date"], score, verdict),
             "Goal: %s%s." % (g["goal"]["text"], "" if g["goal"]["custom"] else " (the default)")]
    if st["current"]:
        lines.append("Streak: %d goal day%s in a row since %s (best %d)." % (
            st["current"], "" if st["current"] == 1 else "s", st["since"], st["best"]))
    else:
        lines.append("Streak: none running (best %d); %s." % (st["best"], st["rule"]))
    lines.append(g["sentence"])
    return lines


def clip_lines(s: dict[str, Any]) -> list[str]:
    """Snoozes, modes and battery, when the clip reported them."""
    c = s.get("clip") or {}
    out = []
    sn = c.get("snooze") or {}
    if sn.get("count"):
        times = {1: "once", 2: "twice"}.get(sn["count"], "%d times" % sn["count"])
        out.append("Muted %s, %s." % (times, fmt_min(sn["muted_min"])))
    md = c.get("modes") or {}
    if md.get("tracking_min"):
        out.append("Worn in training mode %s, in tracking mode (silent) %s." % (
            fmt_min(md["training_min"]), fmt_min(md["tracking_min"])))
    bat = c.get("battery")
    if bat:
        left = ("about %.0f worn hours left at the recent rate (%.1f%% an hour)"
                % (bat["hours_left"], bat["pct_per_worn_hour"]) if bat["hours_left"] is not None
                else "wear-hours left: %s" % bat["note"])
        out.append("Battery %d%% (%.2f V) at %s; %s." % (bat["percent"], bat["millivolts"] / 1000,
                                                          bat["at"].replace("T", " "), left))
        if bat["low_warnings"]:
            out.append("The clip warned of a low battery %d time%s." % (
                bat["low_warnings"], "" if bat["low_warnings"] == 1 else "s"))
    return out


def period_label(s: dict[str, Any]) -> str:
    p = s["period"]
    if p["first_day"] == p["last_day"]:
        return p["first_day"]
    return "%s to %s (%d days)" % (p["first_day"], p["last_day"], round(p["days"]))


def anchored_note(s: dict[str, Any]) -> str | None:
    na = s.get("not_anchored") or {}
    if not (na.get("minutes") or na.get("events")):
        return None
    return ("%d minutes and %d events have no wall time (the clip was never given the time "
            "during that boot): they are not anchored to a day and are left out of these figures."
            % (na.get("minutes", 0), na.get("events", 0)))


def render(s: dict[str, Any], console: Console) -> None:
    title = "Posture summary: " + period_label(s)
    t = Table(title=title, title_justify="left")
    t.add_column("Figure")
    t.add_column("Value", justify="right")
    prev = "vs previous %g day%s" % (round(s["period"]["days"]), "" if s["period"]["days"] <= 1.05 else "s")
    t.add_column(prev if s.get("previous") else "Change", justify="right")
    for row in overview_rows(s):
        t.add_row(*row)
    for line in goal_lines(s):
        console.print("[bold]%s[/bold]" % line if line[:4].isdigit() else line)
    console.print(t)
    console.print("[dim]%s[/dim]" % change_note(s))
    for line in clip_lines(s):
        console.print(line)

    h = Table(title="By hour of day (local time)", title_justify="left")
    for col, just in (("Hour", "left"), ("Worn", "right"), ("Upright", "right"),
                      ("Slouched", "right"), ("", "left")):
        h.add_column(col, justify=just)  # type: ignore[arg-type]
    top = max((r["slouch_min"] for r in s["by_hour"]), default=0.0) or 1.0
    for r in s["by_hour"]:
        if r["wear_min"] <= 0:
            continue
        bar = "█" * int(round(20 * r["slouch_min"] / top))
        h.add_row("%02d:00" % r["hour"], fmt_min(r["wear_min"]), fmt_pct(r["upright_share"]),
                  fmt_min(r["slouch_min"]), "[red]%s[/red]" % bar)
    console.print(h)

    if len(s["by_day"]) > 1:
        d = Table(title="By day", title_justify="left")
        for col in ("Date", "Worn", "Upright", "Slouched", "Episodes", "Alerted"):
            d.add_column(col, justify="left" if col == "Date" else "right")
        for r in s["by_day"]:
            d.add_row(r["date"], fmt_min(r["wear_min"]), fmt_pct(r["upright_share"]),
                      fmt_min(r["slouch_min"]), str(r["episodes"]), str(r["alerted_episodes"]))
        console.print(d)
    note = anchored_note(s)
    if note:
        console.print("[yellow]%s[/yellow]" % note)
