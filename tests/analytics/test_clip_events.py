"""Snoozes, modes and the battery (event codes 16-19) in the summary, from synthetic records."""

from __future__ import annotations

import json
from datetime import date

import pytest

from firmware import events as ev
from host.cli import main
from host.summary import battery_estimate, day_span, summarise

from .daybuilder import Clip, make_db, wall_at

NINE = wall_at(None, 2026, 3, 2, 9, 0)


def add_event(conn, clip, wall, kind, a, b, boot=None):
    clip.seq += 1
    conn.execute("INSERT INTO events VALUES (?,?,?,?,?,?,?,?)",
                 (clip.device, clip.seq, boot or clip.boot, 0, wall, kind, a, b))


def day(conn):
    start, end = day_span(date(2026, 3, 2), date(2026, 3, 2))
    return summarise(conn, start, end)


@pytest.fixture
def worn_day():
    conn = make_db()
    clip = Clip(conn)
    clip.session(NINE, [("upright", 6 * 3600)])  # 09:00-15:00 worn
    return conn, clip


def test_snoozes_counted_with_the_minutes_they_muted(worn_day):
    conn, clip = worn_day
    add_event(conn, clip, NINE + 3600, ev.SNOOZE, 30, 1)       # 30 min by a press, runs out
    add_event(conn, clip, NINE + 3600 + 1800, ev.SNOOZE, 0, 0)
    add_event(conn, clip, NINE + 7200, ev.SNOOZE, 30, 1)       # ended by a press after 25 min
    add_event(conn, clip, NINE + 7200 + 1500, ev.SNOOZE, 0, 1)
    s = day(conn)
    assert s["clip"]["snooze"] == {"count": 2, "by_press": 2, "muted_min": 55.0}


def test_a_snooze_without_its_end_counts_its_minutes_only(worn_day):
    conn, clip = worn_day
    add_event(conn, clip, NINE + 3600, ev.SNOOZE, 20, 1)  # the clip was switched off meanwhile
    assert day(conn)["clip"]["snooze"]["muted_min"] == 20.0


def test_time_in_tracking_and_training(worn_day):
    conn, clip = worn_day
    add_event(conn, clip, NINE + 3600, ev.MODE, ev.MODE_TRACKING, ev.MODE_WHY_BUDGET)
    add_event(conn, clip, NINE + 3 * 3600, ev.MODE, ev.MODE_TRAINING, ev.MODE_WHY_SETTING)
    add_event(conn, clip, NINE + 5 * 3600, ev.MODE, ev.MODE_TRACKING, ev.MODE_WHY_SETTING)
    m = day(conn)["clip"]["modes"]
    # tracking 10:00-12:00 and 14:00-15:00: 180 worn minutes; training the other 180
    assert (m["tracking_min"], m["training_min"], m["mode_changes"]) == (180.0, 180.0, 3)


def test_battery_level_and_wear_hours_left_from_the_slope(worn_day):
    conn, clip = worn_day
    # a reading a minute from 09:00 to 15:00: 90 % falling 2 % per worn hour (1 % steps)
    for k in range(360):
        pct = int(90 - 2 * k / 60)
        add_event(conn, clip, NINE + 60 * k + 30, ev.BATTERY, 3700 + pct, pct)
    b = day(conn)["clip"]["battery"]
    assert b["percent"] == 78 and b["millivolts"] == 3778
    assert b["note"] is None and b["points"] == 360
    assert b["pct_per_worn_hour"] == pytest.approx(2.0, abs=0.05)
    assert b["hours_left"] == pytest.approx(78.5 / 2.0, abs=1.0)  # ~39 worn hours


def test_readings_while_the_clip_lay_on_the_desk_do_not_count():
    conn = make_db()
    clip = Clip(conn)
    clip.session(NINE, [("upright", 3600), ("off", 3 * 3600)])  # worn one hour only
    for k in range(240):
        pct = int(90 - 2 * k / 60)
        add_event(conn, clip, NINE + 60 * k + 30, ev.BATTERY, 3700 + pct, pct)
    b = day(conn)["clip"]["battery"]
    assert b["hours_left"] is None and b["points"] == 60
    assert b["note"].startswith("not enough data") and "span 1.0 h" in b["note"]


def test_few_readings_say_not_enough_data(worn_day):
    conn, clip = worn_day
    for k in range(5):
        add_event(conn, clip, NINE + 60 * k + 30, ev.BATTERY, 3900, 90)
    add_event(conn, clip, NINE + 3600, ev.BATTERY_LOW, 10, 3500)
    b = day(conn)["clip"]["battery"]
    assert b["hours_left"] is None and b["note"] == "not enough data: 5 readings while worn (10 needed)"
    assert b["low_warnings"] == 1


def test_the_fit_starts_after_a_recharge():
    # 3 worn hours at -5 %/h, a recharge to 100 %, then 3 worn hours at -2 %/h
    pts = [(h / 60, int(60 - 5 * h / 60)) for h in range(180)]
    assert battery_estimate(pts)["pct_per_worn_hour"] == pytest.approx(5.0, abs=0.1)
    conn = make_db()
    clip = Clip(conn)
    clip.session(NINE, [("upright", 6 * 3600)])
    for k in range(360):
        pct = int(60 - 5 * k / 60) if k < 180 else int(100 - 2 * (k - 180) / 60)
        add_event(conn, clip, NINE + 60 * k + 30, ev.BATTERY, 3700 + pct, pct)
    b = day(conn)["clip"]["battery"]
    assert b["pct_per_worn_hour"] == pytest.approx(2.0, abs=0.1) and b["points"] == 180


def test_summary_text_and_json_show_them(tmp_path, capsys):
    conn = make_db(str(tmp_path / "c.db"))
    clip = Clip(conn)
    clip.session(NINE, [("upright", 6 * 3600)])
    add_event(conn, clip, NINE + 3600, ev.SNOOZE, 30, 1)
    add_event(conn, clip, NINE + 3600 + 1800, ev.SNOOZE, 0, 0)
    add_event(conn, clip, NINE + 7200, ev.SNOOZE, 30, 1)
    add_event(conn, clip, NINE + 7200 + 1500, ev.SNOOZE, 0, 1)
    add_event(conn, clip, NINE + 3600, ev.MODE, ev.MODE_TRACKING, ev.MODE_WHY_BUDGET)
    add_event(conn, clip, NINE + 4 * 3600, ev.BATTERY, 3800, 64)
    conn.commit()
    conn.close()
    assert main(["summary", "--db", str(tmp_path / "c.db")]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "Muted twice, 55 min." in out
    assert "in tracking mode (silent) 5h 00m" in out and "training mode 1h 00m" in out
    assert "Battery 64% (3.80 V)" in out and "not enough data" in out
    assert main(["summary", "--db", str(tmp_path / "c.db"), "--json"]) == 0
    clip_json = json.loads(capsys.readouterr().out)["clip"]
    assert clip_json["snooze"]["count"] == 2 and clip_json["battery"]["percent"] == 64
