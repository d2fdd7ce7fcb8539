"""The adaptive training plan: a pure function of the measured days, and `posture sync` sending
it to the simulated clip over a pseudo-terminal (the real firmware protocol and settings)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from firmware import settings as fw_settings
from host import plan as pl
from host.cli import main
from host.goals import Goal
from host.sim.ptydevice import PtyDevice, prefill

GOAL = Goal()


def rated(date, status, share, med=None, alerted=0):
    return {"date": date, "status": status, "upright_share": share, "median_response_s": med,
            "alerted_episodes": alerted}


MET_FAST = rated("2026-03-02", "met", 0.9, 12.0, 4)


def test_starts_small_like_the_anchors():
    p = pl.next_plan([], None, 30, GOAL)
    assert p["train_min"] == pl.START_MIN == 6 and p["action"] == "start"
    p = pl.next_plan([rated("2026-03-01", "not worn", 0.9)], None, 30, GOAL)
    assert p["train_min"] == 6 and "No full day worn 2 h or more" in p["reason"]


def test_advances_on_a_met_goal_answered_quickly():
    p = pl.next_plan([MET_FAST], 6, 30, GOAL)
    assert (p["train_min"], p["action"], p["based_on"], p["delay_s"]) == (10, "advance", "2026-03-02", None)
    assert p["reason"] == ("On 2026-03-02 you met the goal (90% upright) and you sat up a median 12 s "
                           "after an alert, so training grows from 6 to 10 min a day.")
    assert pl.next_plan([rated("2026-03-02", "met", 0.95)], 10, 30, GOAL)["train_min"] == 15


def test_holds_when_answers_are_slow_or_the_miss_is_narrow():
    p = pl.next_plan([rated("2026-03-02", "met", 0.9, 75.0, 4)], 10, 30, GOAL)
    assert (p["train_min"], p["action"]) == (10, "hold") and "1 min 15" not in p["reason"]
    assert "a median 75 s" in p["reason"] and "within 30 s" in p["reason"]
    p = pl.next_plan([rated("2026-03-02", "missed", 0.75, 20.0, 3)], 10, 30, GOAL)
    assert (p["train_min"], p["action"]) == (10, "hold") and "just short" in p["reason"]


def test_steps_back_on_a_far_miss_or_two_misses_running():
    p = pl.next_plan([rated("2026-03-02", "missed", 0.6, 20.0, 3)], 15, 30, GOAL)
    assert (p["train_min"], p["action"]) == (10, "step back")
    two = [rated("2026-03-01", "missed", 0.78), rated("2026-03-02", "not worn", 0.9),
           rated("2026-03-03", "missed", 0.77)]
    p = pl.next_plan(two, 15, 30, GOAL)
    assert p["train_min"] == 10 and "second worn day running" in p["reason"]
    assert pl.next_plan([rated("2026-03-02", "missed", 0.5)], 6, 30, GOAL)["train_min"] == 6  # floor


def test_a_day_is_judged_once():
    p = pl.next_plan([MET_FAST], 10, 30, GOAL, judged_before="2026-03-02")
    assert (p["train_min"], p["action"]) == (10, "hold") and "No new full day" in p["reason"]


def test_the_delay_moves_only_when_the_data_argues():
    slow = [rated("2026-03-01", "missed", 0.78, 150.0, 5), rated("2026-03-02", "missed", 0.78, 140.0, 4)]
    p = pl.next_plan(slow, 20, 30, GOAL)
    assert p["delay_s"] == 20 and "after 20 s of slouching instead of 30 s" in p["reason"]
    assert pl.next_plan(slow, 20, None, GOAL)["delay_s"] is None  # the clip's delay is unknown
    few = [dict(d, alerted_episodes=2) for d in slow]
    assert pl.next_plan(few, 20, 30, GOAL)["delay_s"] is None
    top = [dict(MET_FAST, date="2026-03-0%d" % i) for i in (1, 2, 3)]
    p = pl.next_plan(top, 600, 30, GOAL)
    assert p["train_min"] == 600 and p["delay_s"] == 40
    assert pl.next_plan(top, 480, 30, GOAL)["delay_s"] is None  # not at the top yet


# ---- posture sync sends it -----------------------------------------------------------------

ROW = ("POSTURE_TRAIN_MIN", "train_min", fw_settings.INT, 0, 0, 600)


def firmware_knows_the_plan(monkeypatch, knows: bool) -> None:
    """The simulated clip runs firmware.settings in this process: give it the key or take it
    away, whichever the firmware in the tree has today."""
    spec = tuple(r for r in fw_settings.SPEC if r[0] != ROW[0]) + ((ROW,) if knows else ())
    monkeypatch.setattr(fw_settings, "SPEC", spec)
    by_key = {k: v for k, v in fw_settings._BY_KEY.items() if k != ROW[0]}
    if knows:
        by_key[ROW[0]] = next(r for r in fw_settings.SPEC if r[0] == ROW[0])
    monkeypatch.setattr(fw_settings, "_BY_KEY", by_key)


@pytest.fixture
def clip_log(tmp_path: Path) -> Path:
    prefill(str(tmp_path / "log"), 1)
    return tmp_path / "log"


def plans(db: Path) -> list:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT device_id, train_min, delay_s FROM plans").fetchall()
    finally:
        conn.close()


def test_sync_on_firmware_without_the_plan_says_deploy_and_exits_0(clip_log, tmp_path, monkeypatch, capsys):
    firmware_knows_the_plan(monkeypatch, False)
    db = tmp_path / "p.db"
    with PtyDevice(str(clip_log)) as dev:
        assert main(["sync", "--port", dev.port, "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "new minutes" in out
    assert "the clip's firmware does not support the training plan yet; run `posture deploy`" in out
    assert plans(db) == []
    with PtyDevice(str(clip_log)) as dev:
        assert main(["sync", "--port", dev.port, "--db", str(db), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["plan"]["status"] == "unsupported"


def test_sync_applies_the_plan_and_records_it(clip_log, tmp_path, monkeypatch, capsys):
    firmware_knows_the_plan(monkeypatch, True)
    db = tmp_path / "p.db"
    with PtyDevice(str(clip_log)) as dev:
        assert main(["sync", "--port", dev.port, "--db", str(db)]) == 0
        out = capsys.readouterr().out
        assert "training plan: 6 min a day (POSTURE_TRAIN_MIN 6)" in out
        assert main(["config", "--port", dev.port, "POSTURE_TRAIN_MIN"]) == 0
        assert "POSTURE_TRAIN_MIN = 6" in capsys.readouterr().out
    assert "POSTURE_TRAIN_MIN=6" in (clip_log / "settings.txt").read_text()
    assert plans(db) == [("SIM0001", 6, None)]
    assert main(["suggest", "--db", str(db), "--json"]) == 0
    training = json.loads(capsys.readouterr().out)["training"]
    assert training["text"].startswith("Since ") and "the plan is 6 min of training a day" in training["text"]


def test_no_plan_sends_nothing(clip_log, tmp_path, monkeypatch, capsys):
    firmware_knows_the_plan(monkeypatch, True)
    db = tmp_path / "p.db"
    with PtyDevice(str(clip_log)) as dev:
        assert main(["sync", "--port", dev.port, "--db", str(db), "--no-plan", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["plan"] is None
    assert plans(db) == []
    assert not (clip_log / "settings.txt").exists() or "TRAIN" not in (clip_log / "settings.txt").read_text()
