"""`posture demo` end to end: 14 simulated days -> the firmware's own objects -> a sync and the
training plan each evening -> SQLite -> summary and report.

The figures must match the truth of the days the wearer really lived (out/truth.json: the
segments as rendered, slouches cut short where the wearer answered a buzz), and the weeks must
tell the story host/sim/behaviour.py models: fewer alerts as the plan and the habit grow.
"""

from __future__ import annotations

import io
import json
import os
import re
import shlex
import sqlite3
import subprocess
import sys
from contextlib import redirect_stdout
from datetime import date
from pathlib import Path
from statistics import mean

import pytest

from firmware import events as ev
from host import plan as pl
from host.cli import main
from host.goals import MET, Goal
from host.sim import scenario
from host.summary import day_span, last_days, summarise

DAYS, SEED = 14, 7
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    buf = io.StringIO()
    with redirect_stdout(buf):
        assert main(["demo", "--out", str(out), "--seed", str(SEED), "--json"]) == 0
    figures = json.loads(buf.getvalue())
    truth = json.loads((out / "truth.json").read_text())
    return out, figures, truth


def lived(day: dict) -> list[scenario.Segment]:
    return scenario.segments_from_json(day["segments"])


def minutes(segments, *labels: str) -> float:
    return sum(s.duration_s for s in segments if s.label in labels) / 60


def day_summary(conn, iso: str) -> dict:
    d = date.fromisoformat(iso)
    return summarise(conn, *day_span(d, d))


def test_fourteen_consecutive_days_each_synced(demo):
    out, figures, truth = demo
    days = [date.fromisoformat(d["date"]) for d in figures["days"]]
    assert len(days) == DAYS and len(truth["days"]) == DAYS
    assert all((b - a).days == 1 for a, b in zip(days, days[1:]))
    assert days[-1] <= date.today()
    conn = sqlite3.connect(figures["db"])
    boots = conn.execute("SELECT count(DISTINCT boot), count(*) FROM events WHERE kind = ?",
                         (ev.BOOT,)).fetchone()
    assert boots == (DAYS + 1, DAYS + 1)          # each morning, and the set-up evening before
    for d in figures["days"]:
        assert d["new_minutes"] >= 8 * 60 - 3      # the whole day came over that evening
        assert d["plan"]["status"] == "applied"


def test_every_day_matches_what_the_wearer_did(demo):
    """Worn, upright and slouched minutes and alerted episodes, day by day, against the truth.

    Upright (seated) is upright sitting, recline and side lean; the clip counts the seconds of
    brief slouches and reaches past its angle as slouched, so those may add to the slouch."""
    out, figures, truth = demo
    conn = sqlite3.connect(figures["db"])
    for day in truth["days"]:
        segs = lived(day)
        s = day_summary(conn, day["date"])
        worn = segs[-1].end_s / 60 - minutes(segs, "off_body")
        assert abs(s["wear_min"] - worn) <= 0.01 * worn + 1, day["date"]
        up = minutes(segs, "upright", "recline", "side_lean")
        assert abs(s["upright_min"] - up) <= 0.03 * up + 2, day["date"]
        sl, brief = minutes(segs, "slouch"), minutes(segs, "brief_slouch", "reach")
        assert sl - 0.05 * sl - 1 <= s["slouch_min"] <= sl + brief + 0.05 * sl + 2, day["date"]
        must = scenario.sustained_slouches(segs, 45)     # delay + 15 s: these must alert
        may = scenario.sustained_slouches(segs, 30)      # longer than the delay: these may
        assert len(must) <= s["alerted_episodes"] <= len(may), day["date"]


def test_the_clip_buzzed_only_while_it_trained_and_the_wearer_answered(demo):
    """The wearer answers only buzzes: with all-day alerts but a minutes budget, only the first
    part of a day buzzes; every answer is a slouch cut short (an 'answered' upright segment)."""
    out, figures, truth = demo
    for fig, day in zip(figures["days"], truth["days"]):
        answered = [s for s in lived(day) if s.params.get("answered")]
        assert len(answered) == fig["answered"] <= fig["buzzes"]
        assert fig["buzzes"] <= fig["slouch_alerts"] + fig["reminders"]
    assert sum(d["answered"] for d in figures["days"]) >= 10


def test_the_budget_the_clip_used_is_the_plan_sent_the_evening_before(demo):
    out, figures, truth = demo
    sent = [figures["setup_plan"]] + [d["plan"]["message"] for d in figures["days"][:-1]]
    for fig, message in zip(figures["days"], sent):
        assert f"POSTURE_TRAIN_MIN {fig['train_min']})" in message


def test_the_plan_advances_after_goal_days(demo):
    """Each evening judges the day before (the day in progress never is): a met day with quick
    answers (or no buzz needed) moves the budget one step up the ladder."""
    out, figures, truth = demo
    conn = sqlite3.connect(figures["db"])
    rated = {d["date"]: d for d in pl.measured_days(conn, date.fromisoformat(truth["days"][-1]["date"])
                                                    , None, Goal())}
    budgets = [d["train_min"] for d in figures["days"]]
    advances = 0
    for k in range(1, DAYS - 1):   # evening k+1 judged day k
        judged = rated[figures["days"][k - 1]["date"]]
        quick = judged["median_response_s"] is None or judged["median_response_s"] <= pl.FAST_RESPONSE_S
        if judged["status"] == MET and quick:
            i = pl.LADDER.index(budgets[k])
            assert budgets[k + 1] == pl.LADDER[min(i + 1, len(pl.LADDER) - 1)], figures["days"][k]
            advances += 1
    assert advances >= 4 and budgets[-1] >= 4 * budgets[0]


def test_alerts_fall_as_the_plan_and_the_habit_grow(demo):
    out, figures, truth = demo
    conn = sqlite3.connect(figures["db"])
    days = figures["days"]
    alerts = []
    for d in days:
        start, end = day_span(date.fromisoformat(d["date"]), date.fromisoformat(d["date"]))
        alerts.append(conn.execute("SELECT count(*) FROM events WHERE kind = ? AND wall >= ? AND wall < ?",
                                   (ev.SLOUCH_ALERT, start, end)).fetchone()[0])
    assert alerts == [d["slouch_alerts"] for d in days]   # the database holds what the clip raised
    assert mean(alerts[-4:]) < 0.75 * mean(alerts[:4])
    habits = [d["habit"] for d in days]
    assert habits == sorted(habits) and habits[-1] > habits[0] + 0.2
    share = [day_summary(conn, d["date"])["upright_share"] for d in days]
    assert mean(share[-4:]) > mean(share[:4]) + 0.05


def test_the_week_summary_has_the_streak_and_the_week_before(demo, capsys):
    out, figures, truth = demo
    conn = sqlite3.connect(figures["db"])
    s = summarise(conn, *last_days(conn, 7))
    text = json.dumps(s)
    assert "streak" in text and s["wear_min"] > 7 * 7 * 60


def test_report_written_next_to_the_database(demo):
    out, figures, truth = demo
    assert figures["report"] == str(out / "posture-report.html")
    html = (out / "posture-report.html").read_text()
    assert "<img" in html and "data:image/png;base64," in html


def test_the_demo_runs_its_days_in_under_a_minute(demo):
    out, figures, truth = demo
    assert figures["seconds"] < 60


def test_syncing_the_demo_clip_again_adds_nothing(demo, capsys):
    out, figures, truth = demo
    conn = sqlite3.connect(figures["db"])
    before = conn.execute("SELECT (SELECT count(*) FROM minutes), (SELECT count(*) FROM events)").fetchone()
    assert main(["summary", "--db", figures["db"], "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["wear_min"] > 0
    after = conn.execute("SELECT (SELECT count(*) FROM minutes), (SELECT count(*) FROM events)").fetchone()
    assert before == after


def test_one_day_and_the_printed_next_commands_work_verbatim(tmp_path):
    """`posture demo --days 1` as a user runs it, then every command it prints under "Next",
    run by a shell from the same folder exactly as printed."""
    exe = Path(sys.executable).parent / "posture"
    env = dict(os.environ, COLUMNS="200")
    run = subprocess.run([str(exe), "demo", "--days", "1", "--out", "demo-out"], cwd=tmp_path,
                         capture_output=True, text=True, env=env, timeout=300)
    assert run.returncode == 0, run.stderr
    assert "Report:" in run.stdout and "day  1" in run.stdout
    lines = run.stdout.rsplit("Next commands", 1)[1].splitlines()[1:]
    commands = [ln.strip() for ln in lines if ln.strip()]
    assert len(commands) == 4
    for cmd in commands:
        assert "--db demo-out/posture.db" in cmd
        done = subprocess.run(cmd, shell=True, cwd=tmp_path, capture_output=True, text=True,
                              env=env, timeout=300)
        assert done.returncode == 0, (cmd, done.stderr)
    assert re.search(r"report --days 1 ", commands[-1])
    assert (tmp_path / "demo-out" / "posture-report.html").exists()
    assert shlex.split(commands[0])[0] in ("posture", os.path.relpath(exe, tmp_path))


def test_bad_days_is_a_clear_error(tmp_path, capsys):
    assert main(["demo", "--out", str(tmp_path), "--days", "0"]) == 2
    assert "--days" in capsys.readouterr().err


def test_bad_hours_is_a_clear_error(tmp_path, capsys):
    assert main(["demo", "--out", str(tmp_path), "--hours", "0"]) == 2
    assert "--hours" in capsys.readouterr().err
