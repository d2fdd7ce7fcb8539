"""Issue 3's acceptance: whole simulated days through `posture replay`.

Days come from host/sim (the synthetic wearer) with its truth labels; the
events come from the firmware logic exactly as `posture replay` runs it
(CSV written, read back, validated, replayed).
"""

from __future__ import annotations

import json

import pytest

from host.cli import main
from host.sim import scenario
from host.sim.wearer import render

DELAY_S = 30
DAYS = [(seed, mount, hours, rate) for seed, mount, hours, rate in (
    (1, "nominal", 3, 26), (2, "rotated", 3, 26), (3, "rotated", 3, 52),
    (4, "nominal", 2, 13), (5, "rotated", 2, 104), (6, "rotated", 3, 26),
)]


def replay_day(tmp_path, capsys, seed, mount, hours, rate):
    segments = scenario.make_day(hours, seed)
    rec = render(segments, rate_hz=rate, mount=mount, seed=seed)
    path = tmp_path / f"day{seed}.csv"
    rec.to_csv(path)
    assert main(["replay", str(path), "--json"]) == 0
    events = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    return segments, events


@pytest.mark.parametrize("seed,mount,hours,rate", DAYS)
def test_every_sustained_slouch_alerts_in_time_and_nothing_else_does(tmp_path, capsys, seed, mount,
                                                                     hours, rate):
    segments, events = replay_day(tmp_path, capsys, seed, mount, hours, rate)
    assert events[0]["event"] == "calibrated" and events[0]["t"] <= scenario.CALIBRATION_S
    alerts = [e for e in events if e["event"] == "slouch_alert"]
    sustained = scenario.sustained_slouches(segments, DELAY_S + 15)
    assert sustained, "the simulated day has no sustained slouch to check"
    for seg in sustained:
        inside = [a["t"] - seg.start_s for a in alerts if seg.start_s <= a["t"] <= seg.end_s]
        assert len(inside) == 1, f"slouch at {seg.start_s:.0f} s ({seg.duration_s:.0f} s): alerts {inside}"
        assert DELAY_S - 2 <= inside[0] <= DELAY_S + 15, f"slouch at {seg.start_s:.0f} s alerted after {inside[0]:.1f} s"
    buzz = [e for e in events if e["event"] in ("slouch_alert", "slouch_reminder")]
    for start, end, label in scenario.quiet_windows(segments):
        wrong = [e for e in buzz if start <= e["t"] < end]
        assert not wrong, f"{label} {start:.0f}-{end:.0f} s got {wrong}"
    # every alert belongs to a slouch segment
    for e in buzz:
        assert scenario.label_at(segments, e["t"] - 3) in ("slouch", "transition") or \
            scenario.label_at(segments, e["t"]) == "slouch", e


def test_off_body_and_walking_are_recognised(tmp_path, capsys):
    segments, events = replay_day(tmp_path, capsys, 11, "rotated", 6, 26)
    acts = [(e["t"], e["activity"]) for e in events if e["event"] == "activity"]
    for seg in segments:
        if seg.label in ("walking", "off_body") and seg.duration_s >= 90:
            want = "walking" if seg.label == "walking" else "off_body"
            seen = [t for t, a in acts if a == want and seg.start_s <= t <= seg.start_s + 60]
            assert seen, f"{seg.label} at {seg.start_s:.0f} s not recognised within 60 s: {acts}"
