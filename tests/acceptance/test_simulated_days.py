"""Issue 3's acceptance: whole simulated days through `posture replay`.

Days come from host/sim (the synthetic wearer) with its truth labels; the
events come from the firmware logic exactly as `posture replay` runs it
(CSV written, read back, validated, replayed).

How tight the alert window is, and why. The detector decides once a second.
An episode starts at the first second whose flexion is past the threshold;
with a breath seen since the last large motion (always, on these days), the
alert comes at the first second `delay` s later, so its own "since" is the
delay to the millisecond. Against the truth, the episode starts while the
wearer slumps: within the segment's ramp (1-3 s), plus up to 1 s for the tilt
filter (time constant 1 s, but the gyro carries a slump) and up to 1 s for
the once-a-second cadence. So an alert lands at delay <= t - start <= delay +
ramp + 2 s (measured on these days: at most ramp + 1.7 s; slouches only 1.5-2.5
degrees over the threshold, whose breathing trough can dip under it, at most
ramp + 2.5 s, allowed 3 s); anything later is a bug, not jitter.
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
# the harder days (host/sim/scenario.make_hard_day), some with the very still slow breather;
# at the board's 26 Hz and above (below it the noise floor hides a 0.19 degree breath: README)
HARD_DAYS = [(21, "nominal", 26, False), (22, "rotated", 26, True), (23, "rotated", 52, True),
             (24, "nominal", 104, False), (25, "rotated", 26, True)]


def replay_segments(tmp_path, capsys, segments, seed, mount, rate, wearer=None):
    rec = render(segments, rate_hz=rate, mount=mount, seed=seed, wearer=wearer)
    path = tmp_path / f"day{seed}.csv"
    rec.to_csv(path)
    assert main(["replay", str(path), "--json"]) == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def replay_day(tmp_path, capsys, seed, mount, hours, rate):
    segments = scenario.make_day(hours, seed)
    return segments, replay_segments(tmp_path, capsys, segments, seed, mount, rate)


def check_alerts(segments, events, sustained_s):
    """Every slouch of sustained_s or more alerts once, in the window the detector promises
    (module docstring); nothing buzzes where the truth says it must not."""
    assert events[0]["event"] == "calibrated" and events[0]["t"] <= scenario.CALIBRATION_S
    alerts = [e for e in events if e["event"] == "slouch_alert"]
    sustained = scenario.sustained_slouches(segments, sustained_s)
    assert sustained, "the simulated day has no sustained slouch to check"
    before = {b.start_s: a for a, b in zip(segments, segments[1:])}
    for seg in sustained:
        inside = [a["t"] - seg.start_s for a in alerts if seg.start_s <= a["t"] <= seg.end_s]
        assert len(inside) == 1, f"slouch at {seg.start_s:.0f} s ({seg.duration_s:.0f} s): alerts {inside}"
        early, late = DELAY_S, DELAY_S + float(seg.params.get("ramp_s", 2.0)) + 2.0
        if float(seg.params.get("flex", 25.0)) < 18.0:
            late += 1.0     # 1.5-2.5 degrees over: a breath's trough may hold the reading under 15
        prev = before.get(seg.start_s)
        if prev is not None and prev.params.get("kind") == "put_on":
            # clipped on while slumped: slumped already in the hand, and the old frame may read
            # nonsense until the new one is taken (5 still seconds)
            early, late = DELAY_S - prev.duration_s, DELAY_S + 15.0
        assert early <= inside[0] <= late, \
            f"slouch at {seg.start_s:.0f} s alerted after {inside[0]:.2f} s, not within {early:.1f}-{late:.1f} s"
    buzz = [e for e in events if e["event"] in ("slouch_alert", "slouch_reminder")]
    for start, end, label in scenario.quiet_windows(segments):
        wrong = [e for e in buzz if start <= e["t"] < end]
        assert not wrong, f"{label} {start:.0f}-{end:.0f} s got {wrong}"
    # every alert belongs to a slouch segment
    for e in buzz:
        assert scenario.label_at(segments, e["t"] - 3) in ("slouch", "transition") or \
            scenario.label_at(segments, e["t"]) == "slouch", e
    return len(sustained)


@pytest.mark.parametrize("seed,mount,hours,rate", DAYS)
def test_every_sustained_slouch_alerts_in_time_and_nothing_else_does(tmp_path, capsys, seed, mount,
                                                                     hours, rate):
    segments, events = replay_day(tmp_path, capsys, seed, mount, hours, rate)
    check_alerts(segments, events, DELAY_S + 15)


def test_off_body_and_walking_are_recognised(tmp_path, capsys):
    segments, events = replay_day(tmp_path, capsys, 11, "rotated", 6, 26)
    acts = [(e["t"], e["activity"]) for e in events if e["event"] == "activity"]
    for seg in segments:
        if seg.label in ("walking", "off_body") and seg.duration_s >= 90:
            want = "walking" if seg.label == "walking" else "off_body"
            seen = [t for t, a in acts if a == want and seg.start_s <= t <= seg.start_s + 25]
            assert seen, f"{seg.label} at {seg.start_s:.0f} s not recognised within 25 s: {acts}"


@pytest.mark.parametrize("seed,mount,rate,still", HARD_DAYS)
def test_hard_days_near_the_thresholds(tmp_path, capsys, seed, mount, rate, still):
    segments = scenario.make_hard_day(1.5, seed)
    events = replay_segments(tmp_path, capsys, segments, seed, mount, rate,
                             wearer=scenario.STILL_BREATHER if still else None)
    # slouches just over the threshold and just over the delay alert once, in the window;
    # walking bent forward, desks at a slouch's tilt and slouches just too short never do
    check_alerts(segments, events, scenario.HARD_SUSTAINED_S)
    labels = {s.label for s in segments}
    assert {"walking", "off_body", "brief_slouch"} <= labels
    ends = [e["t"] for e in events if e["event"] == "slouch_end"]
    acts = [(e["t"], e["activity"]) for e in events if e["event"] == "activity"]
    for i, seg in enumerate(segments):
        if seg.label == "walking":
            # walking bent forward straight out of a slouch: the episode ends as the walk starts
            assert segments[i - 2].label == "slouch"
            assert [t for t in ends if segments[i - 1].start_s <= t <= seg.start_s + 6], \
                f"walk at {seg.start_s:.0f} s did not end the slouch: {ends}"
        if seg.label == "off_body":
            # a desk is known well before the 30 s delay: within 25 s of being put down
            seen = [t for t, a in acts if a == "off_body" and seg.start_s <= t <= seg.start_s + 25]
            assert seen, f"desk at {seg.start_s:.0f} s ({seg.params}) not recognised within 25 s"
    # a worn clip, however still its wearer, is never taken off the body
    for t, a in acts:
        if a == "off_body":
            assert scenario.label_at(segments, t) in ("off_body", "transition"), \
                f"off_body at {t:.0f} s during {scenario.label_at(segments, t)}"


def test_a_still_side_lier_is_not_taken_for_a_re_wear(tmp_path, capsys):
    """make_day(8, 7011) (the demo engineer's day): around 10,560-11,400 s the wearer lies still
    on one side and the clip reads as off the body (breathing barely turns it there). A re-wear
    frame taken from that lying pose made upright sitting read as a slouch for the rest of the
    day (110 reminders, 66 during upright sitting). The clip never moved: keep the old frame."""
    segments, events = replay_day(tmp_path, capsys, 7011, "rotated", 8, 26)
    assert any(s.label == "lying" and s.start_s < 11400 and s.end_s > 10560 for s in segments)
    check_alerts(segments, events, DELAY_S + 15)
