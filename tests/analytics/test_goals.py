"""Goals, the day's score, streaks and the week against the week before, on constructed days.

Expected figures are worked out here from the rules in docs/scoring.md, not read back from
the code under test.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import date

import pytest

from host.cli import main
from host.db import Database
from host.goals import Goal, progress, read_goal, streaks
from host.summary import day_span, summarise

from .daybuilder import DAY, Clip, make_db, wall_at

# 3 h seated, 10 % slouched in 30 s episodes (upright share 90 %), alerts answered at once
MET_DAY = [("upright", 270), ("slouch", 30)] * 36
# 3 h seated, 40 % slouched (share 60 %): missed by far
MISSED_DAY = [("upright", 180), ("slouch", 120)] * 36
# 1 h worn: under the 2 h the goal asks, "not worn"
SHORT_DAY = [("upright", 3600)]


def build(days: dict[int, list], tmp_path=None):
    conn = make_db(str(tmp_path / "g.db")) if tmp_path else make_db()
    clip = Clip(conn)
    for day, script in sorted(days.items()):
        clip.session(wall_at(None, 2026, 3, day, 9, 0), script)
    return conn


def day_summary(conn, day):
    start, end = day_span(date(2026, 3, day), date(2026, 3, day))
    return summarise(conn, start, end)


def test_score_of_the_hand_checked_day():
    s = day_summary(build({2: DAY}), 2)
    g = s["goals"]
    share = s["upright_share"]
    # 123 min worn (>= 120: full wear term); median answer 165 s (>= 120 s: no response points)
    assert g["day"]["score"] == round(60 * share + 20 * 1 + 0)
    assert g["day"]["score_terms"]["response"] == 0.0
    assert g["day"]["status"] == "met" and share >= 0.80


def test_a_day_with_nothing_to_answer_scales_the_other_terms():
    s = day_summary(build({2: SHORT_DAY}), 2)  # 60 min upright, no slouch, no alert
    # upright 60 x 1.0, wear 20 x 60/120 = 10, no response term: (60 + 10) x 100 / 80 = 87.5
    assert s["goals"]["day"]["score"] == 88
    assert s["goals"]["day"]["status"] == "not worn"


def test_streak_pauses_on_a_day_not_worn_and_ends_on_a_missed_day():
    conn = build({2: MET_DAY, 3: MET_DAY, 4: SHORT_DAY, 5: MET_DAY})
    st = day_summary(conn, 5)["goals"]["streak"]
    assert (st["current"], st["since"], st["best"]) == (3, "2026-03-02", 3)
    clip = Clip(conn)
    clip.seq = 10 ** 6
    clip.session(wall_at(None, 2026, 3, 6, 9, 0), MISSED_DAY)
    st = day_summary(conn, 6)["goals"]["streak"]
    assert (st["current"], st["best"], st["best_since"]) == (0, 3, "2026-03-02")
    clip.session(wall_at(None, 2026, 3, 7, 9, 0), MET_DAY)
    st = day_summary(conn, 7)["goals"]["streak"]
    assert (st["current"], st["since"]) == (1, "2026-03-07")
    # calendar days with no record at all pause too
    clip.session(wall_at(None, 2026, 3, 12, 9, 0), MET_DAY)
    assert day_summary(conn, 12)["goals"]["streak"]["current"] == 2


def test_streaks_of_rated_days_directly():
    days = [{"date": "d%d" % i, "status": s} for i, s in enumerate(
        ["met", "not worn", "met", "missed", "met", "met", "met", "not worn"])]
    st = streaks(days)
    assert (st["current"], st["since"], st["best"], st["last_worn_day"]) == (3, "d4", 3, "d6")


def test_week_against_the_week_before():
    # week before (Mar 2-8): two missed days; this week (Mar 9-15): three met days
    conn = build({3: MISSED_DAY, 4: MISSED_DAY, 10: MET_DAY, 11: MET_DAY, 12: MET_DAY})
    g = day_summary(conn, 15 - 3)["goals"]  # as of Mar 12: this week Mar 6-12
    assert g["week"]["goal_days"] == 3 and g["week"]["worn_days"] == 3
    assert g["previous_week"]["worn_days"] == 2 and g["previous_week"]["goal_days"] == 0
    assert g["week_change"]["upright_share"] == pytest.approx(0.90 - 0.60, abs=0.01)
    assert "30 points more than the week before" in g["sentence"]
    assert "met on 3 of 3 worn days (0 the week before)" in g["sentence"]
    first = day_summary(build({10: MET_DAY}), 10)["goals"]
    assert first["week_change"] is None and "nothing to compare" in first["sentence"]


def test_goal_command_sets_validates_and_resets(tmp_path, capsys):
    conn = build({2: DAY}, tmp_path)
    conn.close()
    db = str(tmp_path / "g.db")
    assert main(["goal", "--db", db, "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {
        "upright_pct": 80, "worn_min": 120, "custom": False,
        "text": "upright for at least 80% of seated time on a day worn 2 h or more"}
    for bad, message in ((["--upright", "45"], "--upright 45 % is outside 50-100 %"),
                         (["--upright", "eighty"], "--upright 'eighty' is not a whole number"),
                         (["--worn-min", "1000"], "--worn-min 1000 min is outside 30-720 min"),
                         ([], "say what to set")):
        assert main(["goal", "set", "--db", db, *bad]) == 2
        err = capsys.readouterr().err
        assert message in err and "Traceback" not in err and err.count("\n") == 1
    assert main(["goal", "show", "--db", db, "--upright", "90"]) == 2
    capsys.readouterr()
    # the upgrade from the layout before goals keeps a backup (schema version 1 -> 2)
    assert not (tmp_path / "g.db.bak").exists()
    assert main(["goal", "set", "--db", db, "--upright", "97"]) == 0
    assert "at least 97%" in capsys.readouterr().out
    assert (tmp_path / "g.db.bak").exists()
    c = sqlite3.connect(db)
    assert read_goal(c) == Goal(97, 120, custom=True)
    assert c.execute("PRAGMA user_version").fetchone()[0] == 2
    c.close()
    assert main(["summary", "--db", db, "--json"]) == 0
    s = json.loads(capsys.readouterr().out)
    assert s["goals"]["day"]["status"] == "missed"  # 94 % < 97 %
    assert s["goals"]["goal"]["upright_pct"] == 97
    assert main(["goal", "reset", "--db", db]) == 0
    assert "(the default)" in capsys.readouterr().out
    assert main(["summary", "--db", db]) == 0
    out = capsys.readouterr().out
    assert "Score" in out and "goal met" in out and "Streak: 1 goal day" in out


def test_a_hand_edited_goal_out_of_range_falls_back_to_the_default(tmp_path):
    db = Database(tmp_path / "x.db")
    db.set_goal(5, 120, 0.0)
    assert read_goal(db.conn) == Goal()
    db.close()


def test_progress_on_a_database_from_before_goals():
    conn = build({2: DAY})  # daybuilder's schema has no goal table: the default applies
    g = progress(conn, date(2026, 3, 2))
    assert g["goal"]["upright_pct"] == 80 and not g["goal"]["custom"]
