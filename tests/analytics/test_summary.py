"""Summary figures against constructed days; the expected numbers are worked out by hand."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

import pytest

from host.summary import summarise

from .daybuilder import BERLIN, DAY, Clip, day_bounds, make_db, wall_at


def one_day(tz=BERLIN):
    conn = make_db()
    Clip(conn).session(wall_at(tz, 2026, 3, 2, 9, 0), DAY)
    return conn


def test_constructed_day_headline_figures():
    conn = one_day()
    s = summarise(conn, *day_bounds(date(2026, 3, 2)), tz=BERLIN)
    assert s["has_data"]
    assert s["wear_min"] == 123.0          # 9180 s less 1800 s off the body
    assert s["upright_min"] == 100.0       # 1200+600+1200+1800+1200 s
    assert s["slouch_min"] == 6.8          # 90+20+300 s = 410 s
    assert s["moving_min"] == 6.0          # walk 300 + fidget 60
    assert s["lying_min"] == 10.2          # 610 s
    assert s["upright_share"] == pytest.approx(6000 / 6410, abs=1e-4)
    assert s["mean_flexion_deg"] == pytest.approx((6000 * 5.0 + 410 * 25.0) / 6410, abs=0.2)
    assert (s["episodes"], s["alerted_episodes"], s["episodes_all"]) == (2, 2, 3)
    assert s["median_episode_s"] == 195.0  # 90 s and 300 s
    assert s["longest_episode_s"] == 300.0
    assert (s["slouch_alerts"], s["slouch_reminders"]) == (2, 2)
    assert s["responses_s"] == [60.0, 270.0]
    assert s["median_response_s"] == 165.0
    assert s["breaks"] == {"reminded": 1, "taken": 3, "taken_after_reminder": 1,
                           "longest_seated_before_break_min": 51}
    # Minutes 32..85 (09:32-10:26) are worn with under 10 s slouched; minute 31 has 20 s,
    # minute 86 has 10 s of the long slouch.
    assert s["longest_upright_streak_min"] == 54
    assert s["longest_upright_streak_start"].startswith("2026-03-02T09:32:00")
    # Minutes 0..51 each hold at least 30 s seated; minute 52 is all walking.
    assert s["longest_sitting_min"] == 52
    assert s["not_anchored"] == {"minutes": 0, "events": 0}


def test_posture_by_local_hour():
    s = summarise(one_day(), *day_bounds(date(2026, 3, 2)), tz=BERLIN)
    hours = {r["hour"]: r for r in s["by_hour"] if r["wear_min"] > 0}
    assert sorted(hours) == [9, 10, 11]
    # 09:00-10:00 (0-3600 s): upright 1200+600+1200+190, slouch 110, walk 300
    assert hours[9]["wear_min"] == 60.0
    assert hours[9]["upright_min"] == pytest.approx(3190 / 60, abs=0.05)
    assert hours[9]["slouch_min"] == pytest.approx(110 / 60, abs=0.05)
    # 10:00-11:00: upright 3600-5210, slouch 300, off from 5510
    assert hours[10]["wear_min"] == pytest.approx(1910 / 60, abs=0.05)
    assert hours[10]["slouch_min"] == 5.0
    assert hours[11]["wear_min"] == pytest.approx(1870 / 60, abs=0.05)
    assert hours[11]["slouch_min"] == 0.0
    assert [d["date"] for d in s["by_day"]] == ["2026-03-02"]
    assert s["by_day"][0]["episodes"] == 2 and s["by_day"][0]["alerted_episodes"] == 2


def test_same_day_in_another_zone_moves_hours_not_totals():
    conn = one_day()
    ny = ZoneInfo("America/New_York")  # 09:00 Berlin = 03:00 New York in early March
    s = summarise(conn, *day_bounds(date(2026, 3, 2), ny), tz=ny)
    assert s["wear_min"] == 123.0
    assert sorted(r["hour"] for r in s["by_hour"] if r["wear_min"] > 0) == [3, 4, 5]


def test_day_boundaries_are_local_midnight():
    conn = make_db()
    # 23:30 to 00:30 Berlin: half an hour on each day
    Clip(conn).session(wall_at(BERLIN, 2026, 3, 2, 23, 30), [("upright", 3600)])
    a = summarise(conn, *day_bounds(date(2026, 3, 2)), tz=BERLIN)
    b = summarise(conn, *day_bounds(date(2026, 3, 3)), tz=BERLIN)
    assert (a["wear_min"], b["wear_min"]) == (30.0, 30.0)
    assert a["by_hour"][23]["wear_min"] == 30.0 and b["by_hour"][0]["wear_min"] == 30.0


def test_daylight_saving_change_in_hours():
    conn = make_db()
    # 2026-03-29 01:30 CET; at 02:00 CET the clocks jump to 03:00 CEST
    Clip(conn).session(wall_at(BERLIN, 2026, 3, 29, 1, 30), [("upright", 3600)])
    s = summarise(conn, *day_bounds(date(2026, 3, 29)), tz=BERLIN)
    worn = {r["hour"]: r["wear_min"] for r in s["by_hour"] if r["wear_min"] > 0}
    assert worn == {1: 30.0, 3: 30.0}
    assert s["period"]["days"] == pytest.approx(23 / 24, abs=0.01)


def test_unanchored_records_are_counted_and_left_out():
    conn = make_db()
    clip = Clip(conn)
    clip.session(wall_at(BERLIN, 2026, 3, 2, 9, 0), DAY)
    clip.session(0, [("slouch", 600), ("upright", 600)], anchored=False)  # 20 minutes, no wall
    s = summarise(conn, *day_bounds(date(2026, 3, 2)), tz=BERLIN)
    assert s["wear_min"] == 123.0 and s["episodes"] == 2
    # 20 minute rows; events: start, alert, 4 reminders (150..510 s < 600), end
    assert s["not_anchored"] == {"minutes": 20, "events": 7}


def test_change_against_previous_day():
    conn = make_db()
    clip = Clip(conn)
    # The day before: 50 min upright, then a 10 min slouch (alert at 30 s, up at 600 s)
    clip.session(wall_at(BERLIN, 2026, 3, 1, 9, 0), [("upright", 3000), ("slouch", 600)])
    clip.session(wall_at(BERLIN, 2026, 3, 2, 9, 0), DAY)
    s = summarise(conn, *day_bounds(date(2026, 3, 2)), tz=BERLIN)
    assert s["previous"]["wear_min"] == 60.0
    assert s["previous"]["slouch_min"] == 10.0
    assert s["previous"]["median_response_s"] == 570.0
    assert s["change"]["wear_min"] == pytest.approx(63.0)
    assert s["change"]["slouch_min"] == pytest.approx(-3.2)
    assert s["change"]["episodes"] == 1
    assert s["change"]["median_response_s"] == pytest.approx(165.0 - 570.0)
    assert s["change"]["upright_share"] == pytest.approx(6000 / 6410 - 3000 / 3600, abs=1e-3)


def test_no_previous_data_means_no_change():
    s = summarise(one_day(), *day_bounds(date(2026, 3, 2)), tz=BERLIN)
    assert s["previous"] is None
    assert all(v is None for v in s["change"].values())


def test_alert_never_pairs_across_boots():
    conn = make_db()
    w = wall_at(BERLIN, 2026, 3, 2, 9, 0)
    rows = [  # boot 1 alerts and dies mid-episode; boot 2 ends an unrelated episode
        ("clip-A", 1, 1, 0, w, "slouch_start", 200, 0),
        ("clip-A", 2, 1, 30000, w + 30, "slouch_alert", 30000, 200),
        ("clip-A", 3, 2, 0, w + 100, "slouch_start", 200, 0),
        ("clip-A", 4, 2, 40000, w + 140, "slouch_end", 40000, 220),
    ]
    conn.executemany("INSERT INTO events VALUES (?,?,?,?,?,?,?,?)", rows)
    s = summarise(conn, *day_bounds(date(2026, 3, 2)), tz=BERLIN)
    assert (s["episodes"], s["alerted_episodes"], s["median_response_s"]) == (1, 0, None)


def test_multi_day_span_by_day():
    conn = make_db()
    clip = Clip(conn)
    clip.session(wall_at(BERLIN, 2026, 3, 2, 9, 0), DAY)
    clip.session(wall_at(BERLIN, 2026, 3, 4, 14, 0), [("upright", 1800), ("slouch", 120)])
    start, _ = day_bounds(date(2026, 3, 2))
    _, end = day_bounds(date(2026, 3, 4))
    s = summarise(conn, start, end, tz=BERLIN)
    days = {d["date"]: d for d in s["by_day"]}
    assert list(days) == ["2026-03-02", "2026-03-03", "2026-03-04"]
    assert days["2026-03-03"]["wear_min"] == 0.0 and days["2026-03-03"]["upright_share"] is None
    assert days["2026-03-04"]["wear_min"] == 32.0
    assert days["2026-03-04"]["slouch_min"] == 2.0
    assert days["2026-03-04"]["episodes"] == 1
    assert s["wear_min"] == 155.0


def test_a_database_path_with_uri_characters_opens_the_right_file(tmp_path):
    import shutil
    import sqlite3 as _sq

    from host.readdb import open_for_reading

    odd = tmp_path / "my #1 posture?%.db"
    conn = _sq.connect(odd)
    conn.executescript("CREATE TABLE minutes(x); CREATE TABLE events(y); INSERT INTO minutes VALUES (1);")
    conn.commit()
    conn.close()
    before = sorted(p.name for p in tmp_path.iterdir())
    ro = open_for_reading(odd)
    assert ro.execute("SELECT count(*) FROM minutes").fetchone()[0] == 1
    ro.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == before   # no stray files made
    shutil.rmtree(tmp_path)
