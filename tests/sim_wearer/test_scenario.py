"""Day scripts and recordings: timeline coverage, labels, determinism, files."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

from host.sim.wearer import (
    CALIBRATION_S,
    LABELS,
    NO_ALERT_LABELS,
    build,
    label_at,
    load_truth,
    make_day,
    quiet_windows,
    render,
    sustained_slouches,
)


@pytest.fixture(scope="module")
def days():
    return {seed: make_day(8, seed) for seed in range(6)}


def test_day_starts_with_still_upright_calibration_and_covers_the_timeline(days):
    for segs in days.values():
        first = segs[0]
        assert first.label == "upright" and first.params.get("calibration")
        assert first.start_s == 0.0 and first.duration_s >= CALIBRATION_S
        assert segs[-1].end_s == pytest.approx(8 * 3600.0)
        for a, b in zip(segs, segs[1:]):
            assert b.start_s == pytest.approx(a.end_s)
            assert b.duration_s > 0
        assert {s.label for s in segs} <= set(LABELS)


def test_day_has_a_realistic_mix(days):
    seen: set[str] = set()
    for segs in days.values():
        labels = [s.label for s in segs]
        seen.update(labels)
        for needed in ("upright", "slouch", "brief_slouch", "reach", "walking", "transition"):
            assert needed in labels
        total = {lab: sum(s.duration_s for s in segs if s.label == lab) for lab in set(labels)}
        assert total["upright"] > 0.4 * 8 * 3600  # mostly upright desk work
        walks = [s.start_s for s in segs if s.label == "walking"]
        assert 3 <= len(walks) <= 8
        assert max(np.diff([0.0] + walks)) < 2.6 * 3600  # a walk every hour or two
        slouches = [s for s in segs if s.label == "slouch"]
        lengths = sorted(s.duration_s for s in slouches)
        assert lengths[0] >= 40 or lengths[0] == slouches[-1].duration_s  # only the day's end cuts one
        assert lengths[-1] > 120  # some long ones, some short ones
        for s in segs:
            if s.label == "brief_slouch":
                assert 5 <= s.duration_s < 25 and s.params["flex"] > 15
            if s.label == "reach":
                assert 2 <= s.duration_s <= 10 and 20 <= s.params["flex"] <= 45
            if s.label == "recline":
                assert -25 <= s.params["flex"] <= -10
            if s.label == "side_lean":
                assert 10 <= abs(s.params["lean"]) <= 20
        # the wearer sits up after every slouch, so no reminder can spill into other postures
        for a, b in zip(segs, segs[1:]):
            if a.label in ("slouch", "brief_slouch", "reach"):
                assert b.label == "upright"
            if a.label == "off_body":
                assert b.params.get("kind") == "put_on"
    assert {"off_body", "lying", "recline", "side_lean", "standing"} <= seen


def test_helpers_for_acceptance_tests():
    segs = build([("upright", 30), ("slouch", 40), ("upright", 20), ("slouch", 120),
                  ("upright", 10), ("recline", 60)])
    assert [s.start_s for s in sustained_slouches(segs, 45)] == [90.0]
    assert len(sustained_slouches(segs, 40)) == 2
    windows = quiet_windows(segs, grace_s=3)
    assert (213.0, 220.0, "upright") in windows and (223.0, 280.0, "recline") in windows
    assert all(lab in NO_ALERT_LABELS for _, _, lab in windows)
    assert "slouch" not in NO_ALERT_LABELS and "transition" not in NO_ALERT_LABELS
    for lab in ("recline", "lying", "walking", "reach", "brief_slouch", "off_body"):
        assert lab in NO_ALERT_LABELS
    assert label_at(segs, 50.0) == "slouch" and label_at(segs, 1000.0) is None
    with pytest.raises(ValueError):
        build([("sloutch", 10)])
    with pytest.raises(ValueError):
        build([("upright", 0)])
    with pytest.raises(ValueError):
        make_day(0.001, 1)


def test_per_sample_labels_follow_the_segments():
    segs = make_day(1.0, 3)
    rec = render(segs, seed=3, mount="rotated")
    assert len(rec) == round(3600 * 26)
    assert np.allclose(np.diff(rec.t_s), 1 / 26)
    for s in segs:
        inside = (rec.t_s >= s.start_s) & (rec.t_s < s.end_s)
        assert inside.any()
        assert set(rec.labels[inside]) == {s.label}
    assert set(rec.labels) == {s.label for s in segs}


def test_same_seed_same_recording_other_seed_differs():
    a = render(make_day(0.5, 7), seed=7, mount="rotated")
    b = render(make_day(0.5, 7), seed=7, mount="rotated")
    c = render(make_day(0.5, 8), seed=8, mount="rotated")
    assert np.array_equal(a.accel, b.accel) and np.array_equal(a.gyro, b.gyro)
    assert a.segments == b.segments
    assert [s.label for s in a.segments] != [s.label for s in c.segments] or \
        [s.end_s for s in a.segments] != [s.end_s for s in c.segments]
    n = min(len(a), len(c))
    assert np.abs(a.accel[:n] - c.accel[:n]).mean() > 0.1
    assert a.mount != c.mount


def test_at_returns_the_last_sample_at_or_before():
    rec = render(build([("upright", 30), ("slouch", 30)]), seed=1)
    for k in (0, 1, 25, 26, 777, len(rec) - 1):
        t_ms = rec.t_s[k] * 1000.0
        expected = tuple(rec.accel[k]) + tuple(rec.gyro[k])
        assert rec.at(t_ms) == pytest.approx(expected)
        assert rec.at(t_ms + 30.0) == pytest.approx(expected)  # 38.5 ms between samples at 26 Hz
        if k:
            prev = tuple(rec.accel[k - 1]) + tuple(rec.gyro[k - 1])
            assert rec.at(t_ms - 1.0) == pytest.approx(prev)
    # past the end the last 30 s play again (holding one sample would be a frozen sensor)
    tail = {tuple(rec.accel[i]) + tuple(rec.gyro[i]) for i in range(len(rec) - 30 * 26, len(rec))}
    end_ms = rec.t_s[-1] * 1000.0
    later = [rec.at(end_ms + 1000.0 / 26 * j + 1.0) for j in range(1, 2000)]
    assert all(v in tail for v in later)
    first = len(rec) - 30 * 26
    assert len(set(later)) > 700 and later[0] == tuple(rec.accel[first]) + tuple(rec.gyro[first])
    assert all(isinstance(v, float) for v in rec.at(1234))


def test_csv_and_truth_files(tmp_path):
    rec = render(build([("upright", 25, {"calibration": True}), ("slouch", 60),
                        ("upright", 20)]), seed=4, mount="rotated")
    out = tmp_path / "r.csv"
    rec.to_csv(out)
    with open(out, newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["t_s", "ax", "ay", "az", "gx", "gy", "gz"]
    assert len(rows) == len(rec) + 1
    assert rows[2][0] == "0.038" and all(len(v.split(".")[1]) == 5 for v in rows[2][1:])
    data = np.array(rows[1:], dtype=float)
    assert np.allclose(data[:, 1:4], rec.accel, atol=6e-6)
    assert np.allclose(data[:, 4:], rec.gyro, atol=6e-6)
    truth_path = tmp_path / "r.csv.truth.json"
    rec.truth_to_json(truth_path)
    truth = load_truth(truth_path)
    assert truth["segments"] == rec.segments
    assert truth["samples"] == len(rec) and truth["rate_hz"] == 26.0
    raw = json.loads(truth_path.read_text())
    assert raw["no_alert_labels"] == list(NO_ALERT_LABELS)
    m = np.array(raw["mount"]["matrix"])
    assert np.allclose(m @ m.T, np.eye(3), atol=1e-5)


def test_eight_hour_day_renders_whole():
    segs = make_day(8, 2)
    rec = render(segs, seed=2, mount="rotated")
    assert rec.accel.shape == (748800, 3) and rec.gyro.shape == (748800, 3)
    assert np.isfinite(rec.accel).all() and np.isfinite(rec.gyro).all()
    # truth angles hold what the labels promise
    for s in sustained_slouches(segs, 45):
        inside = (rec.t_s >= s.start_s + 4) & (rec.t_s < s.end_s)
        assert rec.flex_deg[inside].min() > 12, s
    for s in segs:
        if s.label == "recline":
            inside = (rec.t_s >= s.start_s + 4) & (rec.t_s < s.end_s)
            assert rec.flex_deg[inside].max() < -5


def test_hard_days_hold_what_they_promise():
    from host.sim.scenario import HARD_SUSTAINED_S, check_segments, make_hard_day
    for seed in range(4):
        segs = make_hard_day(1.5, seed)
        check_segments(segs)
        assert segs[0].params.get("calibration")
        labels = [s.label for s in segs]
        for i, s in enumerate(segs):
            if s.label == "slouch" and s.params.get("wander") == 0.3:
                assert 16.5 <= s.params["flex"] <= 17.5 and s.duration_s >= 45
            if s.label == "brief_slouch":
                assert 25 <= s.duration_s <= 27
            if s.label == "walking":
                assert 18 <= s.params["flex"] <= 30 and segs[i - 2].label == "slouch"
            if s.label == "off_body" and s.params.get("face") == "propped":
                assert 20 <= s.params["flex"] <= 30
            if s.label == "off_body" and "remount" in s.params and i + 2 < len(segs):
                assert segs[i + 2].label == "slouch" and segs[i + 2].params["flex"] >= 20
        short = [s for s in segs if s.label == "slouch" and HARD_SUSTAINED_S <= s.duration_s <= 36]
        assert short, "no slouch just over the delay"
        assert {"walking", "brief_slouch", "off_body"} <= set(labels)
