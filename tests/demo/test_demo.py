"""`posture demo` end to end: simulated day -> real firmware on the emulator -> pty sync -> DB -> summary.

The figures must match the truth of the simulated day they came from.
"""

from __future__ import annotations

import json
import sqlite3

import pytest

from host.cli import main
from host.sim import scenario
from host.summary import last_days, summarise

HOURS, SEED = 3, 5


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    import io
    from contextlib import redirect_stdout

    buf = io.StringIO()
    with redirect_stdout(buf):
        assert main(["demo", "--out", str(out), "--hours", str(HOURS), "--seed", str(SEED), "--json"]) == 0
    return out, json.loads(buf.getvalue())


def test_the_log_reaches_the_database_complete(demo):
    out, figures = demo
    conn = sqlite3.connect(figures["db"])
    minutes = conn.execute("SELECT count(*), count(wall) FROM minutes").fetchone()
    # one summary per minute of wear after calibration; every one anchored to wall time
    assert HOURS * 60 - 2 <= minutes[0] <= HOURS * 60
    assert minutes[1] == minutes[0]
    kinds = dict(conn.execute("SELECT kind, count(*) FROM events GROUP BY kind").fetchall())
    assert kinds.get("boot") == 1 and kinds.get("calibrated") == 1


def test_summary_matches_the_simulated_truth(demo):
    out, figures = demo
    segments = scenario.make_day(HOURS, SEED)
    conn = sqlite3.connect(figures["db"])
    start, end = last_days(conn, 1)
    s = summarise(conn, start, end)
    must = scenario.sustained_slouches(segments, 45)        # delay + 15 s: these must alert
    may = scenario.sustained_slouches(segments, 30)         # longer than the delay: these may
    assert len(must) <= s["alerted_episodes"] <= len(may)
    off_s = sum(g.duration_s for g in segments if g.label == "off_body")
    worn_truth_min = (HOURS * 3600 - off_s) / 60
    assert abs(s["wear_min"] - worn_truth_min) <= 0.03 * HOURS * 60
    slouch_truth_min = sum(g.duration_s for g in segments if g.label == "slouch") / 60
    assert abs(s["slouch_min"] - slouch_truth_min) <= 0.1 * slouch_truth_min + 2


def test_report_written_next_to_the_database(demo):
    out, figures = demo
    html = (out / "posture-report.html").read_text()
    assert "<img" in html and "data:image/png;base64," in html and "http://" not in html.replace(
        "http://www.w3.org", "")


def test_syncing_the_demo_clip_again_adds_nothing(demo, capsys):
    out, figures = demo
    conn = sqlite3.connect(figures["db"])
    before = conn.execute("SELECT (SELECT count(*) FROM minutes), (SELECT count(*) FROM events)").fetchone()
    assert main(["summary", "--db", figures["db"], "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["wear_min"] > 0
    after = conn.execute("SELECT (SELECT count(*) FROM minutes), (SELECT count(*) FROM events)").fetchone()
    assert before == after


def test_bad_hours_is_a_clear_error(tmp_path, capsys):
    assert main(["demo", "--out", str(tmp_path), "--hours", "0"]) == 2
    assert "--hours" in capsys.readouterr().err
