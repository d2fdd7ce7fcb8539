"""`posture summary` end to end through the CLI, on a database file built with the documented schema."""

from __future__ import annotations

import json
import sqlite3

from host.cli import main

from .daybuilder import DAY, Clip, make_db, wall_at


def build(tmp_path, sessions):
    path = tmp_path / "posture.db"
    conn = make_db(str(path))
    clip = Clip(conn)
    for start, script, anchored in sessions:
        clip.session(start, script, anchored=anchored)
    conn.close()
    return str(path)


def test_json_for_a_day(tmp_path, capsys):
    db = build(tmp_path, [(wall_at(None, 2026, 3, 2, 9, 0), DAY, True)])
    assert main(["summary", "--db", db, "--day", "2026-03-02", "--json"]) == 0
    s = json.loads(capsys.readouterr().out)
    assert s["wear_min"] == 123.0 and s["episodes"] == 2 and s["median_response_s"] == 165.0
    assert s["period"]["first_day"] == "2026-03-02"


def test_default_is_the_latest_day_with_data_and_tables_render(tmp_path, capsys):
    db = build(tmp_path, [(wall_at(None, 2026, 3, 1, 9, 0), [("upright", 3000), ("slouch", 600)], True),
                          (wall_at(None, 2026, 3, 2, 9, 0), DAY, True)])
    assert main(["summary", "--db", db]) == 0
    out = capsys.readouterr().out
    assert "Posture summary: 2026-03-02" in out
    assert "2h 03m" in out  # wear time
    assert "vs previous 1 day" in out and "+63 min" in out
    assert "09:00" in out and "By hour of day" in out


def test_week_and_span(tmp_path, capsys):
    db = build(tmp_path, [(wall_at(None, 2026, 3, 1, 9, 0), [("upright", 3000), ("slouch", 600)], True),
                          (wall_at(None, 2026, 3, 2, 9, 0), DAY, True)])
    assert main(["summary", "--db", db, "--week", "--json"]) == 0
    s = json.loads(capsys.readouterr().out)
    # the week is cut to the days that hold records
    assert s["period"]["first_day"] == "2026-03-01" and s["period"]["last_day"] == "2026-03-02"
    assert s["wear_min"] == 183.0
    assert main(["summary", "--db", db, "--from", "2026-03-01", "--to", "2026-03-01", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["wear_min"] == 60.0
    assert main(["summary", "--db", db, "--from", "2026-03-01"]) == 0
    assert "2026-03-01 to 2026-03-02 (2 days)" in capsys.readouterr().out


def test_no_database_says_how_to_sync(tmp_path, capsys):
    assert main(["summary", "--db", str(tmp_path / "missing.db")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("posture: error:") and "posture sync" in err and "Traceback" not in err


def test_empty_database_says_how_to_sync(tmp_path, capsys):
    db = build(tmp_path, [])
    assert main(["summary", "--db", db]) == 2
    assert "no posture records yet" in capsys.readouterr().err


def test_only_unanchored_records(tmp_path, capsys):
    db = build(tmp_path, [(0, [("upright", 600)], False)])
    assert main(["summary", "--db", db]) == 2
    err = capsys.readouterr().err
    assert "10 minutes are synced but none has a wall time" in err


def test_unanchored_note_in_tables(tmp_path, capsys):
    db = build(tmp_path, [(wall_at(None, 2026, 3, 2, 9, 0), DAY, True), (0, [("upright", 600)], False)])
    assert main(["summary", "--db", db]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "10 minutes and 0 events have no wall time" in out and "left out" in out


def test_day_without_records_points_at_the_data(tmp_path, capsys):
    db = build(tmp_path, [(wall_at(None, 2026, 3, 2, 9, 0), DAY, True)])
    assert main(["summary", "--db", db, "--day", "2026-01-10"]) == 2
    err = capsys.readouterr().err
    assert "no records from 2026-01-10 to 2026-01-10" in err and "--day 2026-03-02" in err


def test_bad_arguments(tmp_path, capsys):
    db = build(tmp_path, [(wall_at(None, 2026, 3, 2, 9, 0), DAY, True)])
    assert main(["summary", "--db", db, "--day", "March"]) == 2
    assert "is not a date" in capsys.readouterr().err
    assert main(["summary", "--db", db, "--from", "2026-03-05", "--to", "2026-03-01"]) == 2
    assert "before" in capsys.readouterr().err
    assert main(["summary", "--db", db, "--to", "2026-03-01"]) == 2


def test_not_a_posture_database(tmp_path, capsys):
    p = tmp_path / "other.db"
    sqlite3.connect(p).execute("CREATE TABLE x(a)").connection.commit()
    assert main(["summary", "--db", str(p)]) == 2
    assert "not a posture database" in capsys.readouterr().err


def test_impossible_and_far_off_dates_are_clear_messages(tmp_path, capsys):
    db = build(tmp_path, [(wall_at(None, 2026, 3, 2, 9, 0), DAY, True)])
    for day in ("9999-12-31", "0001-01-01"):
        assert main(["summary", "--db", db, "--day", day]) == 2
        err = capsys.readouterr().err
        assert "no records from %s" % day in err and "2026-03-02" in err and "Traceback" not in err
    assert main(["summary", "--db", db, "--day", "2026-02-30"]) == 2
    assert "is not a date" in capsys.readouterr().err


def test_a_span_is_cut_to_the_days_that_hold_records(tmp_path, capsys):
    db = build(tmp_path, [(wall_at(None, 2026, 3, 1, 9, 0), [("upright", 3000), ("slouch", 600)], True),
                          (wall_at(None, 2026, 3, 2, 9, 0), DAY, True)])
    assert main(["summary", "--db", db, "--from", "2020-01-01", "--json"]) == 0
    cap = capsys.readouterr()
    s = json.loads(cap.out)
    assert [d["date"] for d in s["by_day"]] == ["2026-03-01", "2026-03-02"]
    assert "records cover 2026-03-01 to 2026-03-02" in cap.err
    assert main(["summary", "--db", db, "--from", "0001-01-01", "--to", "9999-12-31"]) == 0
    out = capsys.readouterr().out
    assert "2026-03-01 to 2026-03-02 (2 days)" in out and len(out.splitlines()) < 80


def test_suggest_over_an_absurd_number_of_days(tmp_path, capsys):
    db = build(tmp_path, [(wall_at(None, 2026, 3, 2, 9, 0), DAY, True)])
    for days in ("100000", "99999999999"):
        assert main(["suggest", "--db", db, "--days", days, "--json"]) == 0
        plan = json.loads(capsys.readouterr().out)
        assert plan["days"] == 1 and plan["period"]["first_day"] == "2026-03-02"
    assert main(["suggest", "--db", db, "--days", "0"]) == 2
    assert "--days must be at least 1" in capsys.readouterr().err
