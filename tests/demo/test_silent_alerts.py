"""An alert the clip logged but did not play (tracking mode, the day's training budget used up,
or a snooze) has no answer to time: the wearer never felt it.

Found by the 14-day demo: with the plan's 6-minute budget nearly every alert of a day is a
silent one, and the minutes such a slouch runs on were taken for a slow answer. The plan then
never advanced ("answered slowly") and moved the alert delay earlier ("alerts waited minutes
for an answer two worn days running") for a wearer the clip had never buzzed, against
docs/scoring.md ("No alert to answer (tracking mode...)").
"""

from __future__ import annotations

from datetime import date

from analytics.daybuilder import Clip, make_db, wall_at
from firmware import events as ev
from host import plan as pl
from host.goals import Goal
from host.summary import EventRow, day_span, episodes, summarise

NINE = wall_at(None, 2026, 3, 2, 9, 0)


def row(seq: int, wall: float, kind: str, a: int = 0, b: int = 0, boot: int = 1) -> EventRow:
    return EventRow("clip", boot, seq, wall, kind, a, b)


def slouch(seq: int, wall: float, alert_ms: int = 30000, end_ms: int = 200000, boot: int = 1) -> list[EventRow]:
    return [row(seq, wall, ev.SLOUCH_START, 250, 0, boot),
            row(seq + 1, wall + alert_ms / 1000, ev.SLOUCH_ALERT, alert_ms, 250, boot),
            row(seq + 2, wall + end_ms / 1000, ev.SLOUCH_END, end_ms, 250, boot)]


def test_alerts_played_in_training_are_timed():
    (e,) = episodes(slouch(1, NINE), NINE - 60, NINE + 3600)
    assert e.alerted and e.response_s == 170.0


def test_alerts_logged_in_tracking_mode_or_snoozed_have_no_answer():
    rows = [row(1, NINE, ev.MODE, ev.MODE_TRACKING, ev.MODE_WHY_BUDGET)] + slouch(2, NINE + 60)
    rows += [row(5, NINE + 600, ev.MODE, ev.MODE_TRAINING, ev.MODE_WHY_SETTING)] + slouch(6, NINE + 700)
    rows += [row(9, NINE + 1000, ev.SNOOZE, 30, 1)] + slouch(10, NINE + 1100)
    rows += [row(13, NINE + 1400, ev.SNOOZE, 0, 1)] + slouch(14, NINE + 1500)
    eps = episodes(rows, NINE - 60, NINE + 3600)
    assert [e.alerted for e in eps] == [True] * 4        # the clip raised all four
    assert [e.response_s for e in eps] == [None, 170.0, None, 170.0]


def test_a_new_boot_starts_in_training():
    rows = [row(1, NINE, ev.MODE, ev.MODE_TRACKING, ev.MODE_WHY_BUDGET)] + slouch(2, NINE + 60, boot=2)
    (e,) = episodes(rows, NINE - 60, NINE + 3600)
    assert e.response_s == 170.0


def _day(conn, clip, start: float, slouches: int) -> None:
    """A met day (well over 80 % upright) whose budget ran out at 09:06, then `slouches`
    five-minute slouches the clip logged without buzzing."""
    clip.seq += 1
    first = clip.seq            # the MODE event goes before the session's records
    script = [("upright", 3600)]
    for _ in range(slouches):
        script += [("slouch", 300), ("upright", 3600)]
    clip.session(start, script)
    conn.execute("INSERT INTO events VALUES (?,?,?,?,?,?,?,?)",
                 (clip.device, first, clip.boot, 0, start + 360, ev.MODE, ev.MODE_TRACKING,
                  ev.MODE_WHY_BUDGET))


def test_a_day_of_silent_alerts_has_no_median_answer():
    conn = make_db()
    _day(conn, Clip(conn), NINE, 3)
    s = summarise(conn, *day_span(date(2026, 3, 2), date(2026, 3, 2)))
    assert s["alerted_episodes"] == 3 and s["median_response_s"] is None


def test_the_plan_advances_on_a_met_day_whose_alerts_were_silent():
    conn = make_db()
    _day(conn, Clip(conn), NINE, 3)
    days = pl.measured_days(conn, date(2026, 3, 3), None, Goal())
    nxt = pl.next_plan(days, 6, 30, Goal())
    assert (nxt["action"], nxt["train_min"]) == ("advance", 10), nxt["reason"]
    assert "no alert was needed" in nxt["reason"]


def test_silent_alerts_do_not_move_the_delay_earlier():
    conn = make_db()
    clip = Clip(conn)
    _day(conn, clip, NINE, 3)
    _day(conn, clip, wall_at(None, 2026, 3, 3, 9, 0), 3)
    days = pl.measured_days(conn, date(2026, 3, 4), None, Goal())
    assert pl.next_plan(days, 10, 30, Goal())["delay_s"] is None
