"""Summary figures against the truth of a simulated day run through the real firmware logic.

The synthetic wearer (host/sim) renders a scripted hour into IMU samples; `host.replay`
runs them through the detector; its minute summaries and events are encoded as the
clip's binary log records and stored by host.db as a sync would. The summary must
agree with the script's labels.
"""

from __future__ import annotations

from datetime import date

import pytest

from firmware import record
from host.db import Database
from host.recording import read_recording
from host.replay import replay
from host.settings_input import build_settings
from host.sim import scenario
from host.sim.wearer import render
from host.summary import summarise

from .daybuilder import BERLIN, day_bounds, wall_at

SCRIPT = [
    ("upright", 60, {"flex": 0.0, "calibration": True}),
    ("upright", 600), ("slouch", 120, {"flex": 25}), ("upright", 300),
    ("slouch", 200, {"flex": 28}), ("upright", 300), ("brief_slouch", 15, {"flex": 22}),
    ("upright", 300), ("transition", 3, {"kind": "stand_up"}), ("walking", 300),
    ("transition", 3, {"kind": "sit_down"}), ("upright", 300),
    ("transition", 5, {"kind": "take_off"}), ("off_body", 600), ("transition", 5, {"kind": "put_on"}),
    ("upright", 420),
]
START = wall_at(BERLIN, 2026, 3, 2, 13, 50)  # crosses 14:00 local


@pytest.fixture(scope="module")
def day(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("simday")
    segments = scenario.build(SCRIPT)
    render(segments, rate_hz=26, seed=3).to_csv(tmp / "day.csv")
    result = replay(read_recording(tmp / "day.csv"), build_settings({}))
    raw = [record.encode_time(1, 1, 0, int(START))]
    items = [(t, 0, m) for t, m in result.minutes]
    items += [(e["t"], 1, e) for e in result.events]
    seq = 1
    for t, kind, item in sorted(items, key=lambda x: (x[0], x[1])):
        seq += 1
        if kind == 0:
            raw.append(record.encode_minute(seq, 1, item))
        else:
            fields = {k: v for k, v in item.items() if k not in ("t", "event")}
            a, b = _ab(item["event"], fields)
            raw.append(record.encode_event(seq, 1, (int(round(t * 1000)), item["event"], a, b)))
    db = Database(tmp / "posture.sqlite3")
    db.store("sim", raw, acked=seq)
    return segments, summarise(db.conn, *day_bounds(date(2026, 3, 2)), tz=BERLIN)


def _ab(kind: str, f: dict) -> tuple[int, int]:
    """Back from firmware.events.describe() to the event's integers."""
    if kind == "slouch_alert":
        return int(round(f["after_s"] * 1000)), int(round(f["flexion_deg"] * 10))
    if kind == "slouch_reminder":
        return int(round(f["after_s"] * 1000)), f["reminder"]
    if kind == "slouch_end":
        return int(round(f["duration_s"] * 1000)), int(round(f["peak_deg"] * 10))
    if kind in ("break_alert", "break_taken"):
        return f["seated_min"], 0
    return 0, 0


def test_episodes_and_alert_response_match_the_script(day):
    segments, s = day
    truth = [seg for seg in segments if seg.label == "slouch"]
    assert s["episodes"] == len(truth) == 2
    assert s["alerted_episodes"] == 2
    # the wearer sits up when the slouch segment ends: response = duration - 30 s alert delay
    want = [seg.duration_s - 30 for seg in truth]
    assert s["responses_s"] == pytest.approx(want, abs=3)
    assert s["median_response_s"] == pytest.approx(sum(want) / 2, abs=3)
    assert s["slouch_alerts"] == 2 and s["slouch_reminders"] == 1  # at 150 s into the 200 s one


def test_time_figures_match_the_script(day):
    segments, s = day
    whole = int(segments[-1].end_s // 60) * 60  # partial last minute is not summarised
    off = sum(seg.duration_s for seg in segments if seg.label == "off_body")
    slouch = sum(seg.duration_s for seg in segments if seg.label == "slouch")
    walking = sum(seg.duration_s for seg in segments if seg.label == "walking")
    assert s["wear_min"] == pytest.approx((whole - off) / 60, abs=1.0)
    assert s["slouch_min"] == pytest.approx(slouch / 60, abs=0.6)  # plus a few brief seconds
    assert s["moving_min"] == pytest.approx(walking / 60, abs=1.0)
    assert s["breaks"]["taken"] == 2 and s["breaks"]["reminded"] == 0  # the walk and the clip off
    # first 10 minutes until 14:00, the rest after it
    hours = {r["hour"]: r["wear_min"] for r in s["by_hour"] if r["wear_min"]}
    assert set(hours) == {13, 14} and hours[13] == pytest.approx(10, abs=0.1)
    # upright from the put-on (off ends at 3106 s) to the end: 7 whole minutes at least
    assert s["longest_upright_streak_min"] >= 7
