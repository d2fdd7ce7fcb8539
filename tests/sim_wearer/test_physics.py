"""The synthetic wearer's signals obey physics: gravity, rotation and mount are mutually consistent."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from host.sim import motion as m
from host.sim.wearer import ACCEL_NOISE, GYRO_NOISE, MAX_TILT_DEG, Mount, build, make_mount, render

G = 9.80665
DT_RATE = 26.0


def _angle_deg(u: np.ndarray, v: np.ndarray) -> float:
    c = float(np.dot(u, v) / (np.linalg.norm(u) * np.linalg.norm(v)))
    return math.degrees(math.acos(max(-1.0, min(1.0, c))))


def _mask(rec, label):
    return np.asarray(rec.labels == label)


def test_still_sensor_reads_g_within_noise():
    segs = build([("upright", 60, {"calibration": True}), ("transition", 4, {"kind": "take_off"}),
                  ("off_body", 120, {"face": "up", "yaw_deg": 30}),
                  ("transition", 4, {"kind": "put_on"}), ("upright", 30)])
    rec = render(segs, seed=11)
    for label in ("upright", "off_body"):
        a = rec.accel[_mask(rec, label)] - rec.accel_bias
        norms = np.linalg.norm(a, axis=1)
        # mean within 4 standard errors of g (breathing adds only ~0.01 m/s^2 of motion)
        assert abs(norms.mean() - G) < 0.02, (label, norms.mean())
        assert 0.5 * ACCEL_NOISE < norms.std() < 2.0 * ACCEL_NOISE, (label, norms.std())
    # the raw reading includes the recording's fixed bias, drawn within +-40 mg per axis
    assert np.all(np.abs(rec.accel_bias) <= 0.04 * G) and np.any(rec.accel_bias != 0)
    assert np.all(np.abs(rec.gyro_bias) <= 0.02) and np.any(rec.gyro_bias != 0)


def test_desk_is_still_apart_from_noise_and_worn_time_breathes():
    segs = build([("upright", 60, {"calibration": True}), ("transition", 4, {"kind": "take_off"}),
                  ("off_body", 120, {"face": "down"}), ("transition", 4, {"kind": "put_on"}),
                  ("upright", 30)])
    rec = render(segs, seed=5, mount="rotated")
    desk = _mask(rec, "off_body")
    g = rec.gyro[desk] - rec.gyro_bias
    assert np.all(np.abs(g.mean(axis=0)) < 4 * GYRO_NOISE / math.sqrt(desk.sum()))
    assert np.all(np.abs(g.std(axis=0) - GYRO_NOISE) < 0.1 * GYRO_NOISE)
    a = rec.accel[desk].mean(axis=0) - rec.accel_bias
    assert a[2] < -G * math.cos(math.radians(5))  # face down: +Z points at the desk
    clean = render(segs, seed=5, mount="rotated", noise=False)
    inner = np.flatnonzero(desk)[1:-1]  # the end samples still see the hand let go
    assert np.abs(clean.gyro[inner]).max() < 1e-9
    worn = np.asarray(clean.labels == "upright") & (clean.t_s < 60)
    rms = float(np.sqrt((clean.gyro[worn] ** 2).sum(axis=1).mean()))
    assert rms > 0.0015, rms  # breathing micro-motion while worn
    flex = clean.flex_deg[worn] - clean.flex_deg[worn].mean()
    spectrum = np.abs(np.fft.rfft(flex))
    freqs = np.fft.rfftfreq(len(flex), 1 / DT_RATE)
    assert 0.17 <= freqs[np.argmax(spectrum)] <= 0.33
    assert 0.4 <= np.ptp(flex) <= 2.6


@pytest.mark.parametrize("mount", [Mount(0, 3, 10), Mount(137, 20, 45), Mount(180, 25, 250),
                                   Mount(270, 12, 100)])
def test_gyro_integrates_to_the_orientation_change(mount):
    segs = build([("upright", 10), ("slouch", 20, {"flex": 30, "ramp_s": 2.5}),
                  ("side_lean", 15, {"lean": -15}), ("recline", 15, {"flex": -20}),
                  ("upright", 15, {"turn_deg": 60}), ("reach", 6, {"flex": 40, "turn_deg": 20}),
                  ("upright", 10)])
    rec = render(segs, mount=mount, seed=2, noise=False)
    dt = 1.0 / rec.rate_hz
    # pairs of calm moments on either side of each transition
    moments = [8.0, 18.0, 27.0, 38.0, 45.0, 52.0, 58.0, 66.0, 74.5, 77.0, 84.0]
    idx = [int(t * rec.rate_hz) for t in moments]
    for k0, k1 in zip(idx, idx[1:]):
        q_int = m.integrate_rate(np.array([1.0, 0, 0, 0]), rec.gyro[k0:k1], dt)
        # against the truth orientation (all three axes)
        truth = m.quat_mul(m.quat_conj(rec.orientation[k0]), rec.orientation[k1])
        err = math.degrees(np.linalg.norm(m.quat_log(m.quat_mul(m.quat_conj(truth), q_int))))
        rotated = math.degrees(np.linalg.norm(m.quat_log(truth)))
        assert err < 0.05 * rotated + 0.3, (k0, k1, err, rotated)
        # against the accelerometer alone: gravity seen at k0, carried by the gyro, matches k1
        if 10 < k0 / rec.rate_hz:
            carried = m.quat_rotate_inv(q_int, rec.accel[k0])
            assert _angle_deg(carried, rec.accel[k1]) < 1.0


def test_slouch_really_tilts_gravity_in_the_sensor_frame():
    segs = build([("upright", 20), ("slouch", 30, {"flex": 30}), ("upright", 20)])
    for seed in range(6):
        rec = render(segs, mount="rotated", seed=seed, noise=False)
        up = rec.accel[int(15 * rec.rate_hz)]
        bent = rec.accel[int(40 * rec.rate_hz)]
        assert abs(_angle_deg(up, bent) - 30.0) < 4.0  # breathing, wander and fidgets: a few degrees


def test_mount_is_face_out_at_any_rotation():
    spins = []
    for seed in range(300):
        mnt = make_mount("rotated", seed)
        spins.append(mnt.spin_deg)
        back_normal = mnt.matrix().T @ np.array([-1.0, 0.0, 0.0])  # posterior, in sensor axes
        assert _angle_deg(back_normal, np.array([0.0, 0.0, 1.0])) <= MAX_TILT_DEG + 1e-6
        assert abs(_angle_deg(back_normal, [0, 0, 1]) - mnt.tilt_deg) < 1e-6
    hist, _ = np.histogram(spins, bins=8, range=(0, 360))
    assert hist.min() > 15  # every octant, upside down and sideways included
    nominal = make_mount("nominal", 4).matrix()
    assert _angle_deg(nominal[:, 0], np.array([0.0, 0.0, 1.0])) < 7  # +X up the spine


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_lying_on_the_back_puts_gravity_along_minus_z(seed):
    segs = build([("upright", 20), ("transition", 4, {"kind": "lie_down"}),
                  ("lying", 60, {"pose": "supine"}), ("transition", 4, {"kind": "get_up"}),
                  ("lying", 60, {"pose": "prone"})])
    rec = render(segs, mount="rotated", seed=seed, noise=False)
    supine = rec.accel[np.asarray(rec.labels == "lying") & (rec.t_s < 90)].mean(axis=0)
    prone = rec.accel[np.asarray(rec.labels == "lying") & (rec.t_s > 100)].mean(axis=0)
    tilt = rec.mount.tilt_deg
    assert abs(_angle_deg(supine, np.array([0, 0, -1.0])) - tilt) < 3.0
    assert abs(_angle_deg(prone, np.array([0, 0, 1.0])) - tilt) < 3.0
    upright = rec.accel[int(10 * rec.rate_hz)]
    assert abs(_angle_deg(upright, np.array([0, 0, 1.0])) - 90.0) <= tilt + 5.0


def test_walking_bounces_at_the_step_frequency():
    segs = build([("upright", 20), ("transition", 2.5, {"kind": "stand_up"}), ("standing", 10),
                  ("walking", 120, {"step_hz": 1.7, "vert_acc": 2.5, "turn_deg": 180}),
                  ("standing", 10), ("transition", 2.5, {"kind": "sit_down"}), ("upright", 20)])
    rec = render(segs, mount="rotated", seed=9, noise=False)
    walk = np.asarray(rec.labels == "walking") & (rec.t_s > 40) & (rec.t_s < 140)
    world = m.quat_rotate(rec.orientation[walk], rec.accel[walk])
    vertical = world[:, 2] - G
    assert 1.5 < vertical.std() < 2.6  # +-2.5 m/s^2 sine plus the trunk's own sway
    spectrum = np.abs(np.fft.rfft(vertical))
    freqs = np.fft.rfftfreq(len(vertical), 1 / rec.rate_hz)
    assert abs(freqs[np.argmax(spectrum)] - 1.7) < 0.05
    turned = rec.heading_deg[rec.t_s > 160].mean() - rec.heading_deg[rec.t_s < 15].mean()
    assert abs(abs(turned) - 180) < 10
    # sitting down and standing up move the hips 0.45 m: a visible vertical acceleration
    stand = np.asarray(rec.labels == "transition")
    stand_world = m.quat_rotate(rec.orientation[stand], rec.accel[stand])[:, 2] - G
    assert np.abs(stand_world).max() > 1.0


def test_excursions_stay_within_their_segments():
    segs = build([("upright", 20), ("brief_slouch", 20, {"flex": 28}), ("upright", 20),
                  ("reach", 5, {"flex": 40}), ("upright", 20)])
    rec = render(segs, seed=1, noise=False)
    over = rec.flex_deg > 15
    labels = rec.labels[over]
    assert set(labels) <= {"brief_slouch", "reach"}
    assert over[np.asarray(rec.labels == "brief_slouch")].sum() / rec.rate_hz < 20
    assert 35 < rec.flex_deg[np.asarray(rec.labels == "reach")].max() < 45
    peak_rate = np.linalg.norm(rec.gyro[np.asarray(rec.labels == "reach")], axis=1).max()
    assert peak_rate > 0.8  # a reach is a fast rotation (rad/s)


@settings(max_examples=25, deadline=None)
@given(spin=st.floats(0, 360), tilt=st.floats(0, 25), tilt_dir=st.floats(0, 360),
       flex=st.floats(-25, 45), lean=st.floats(-20, 20), turn=st.floats(-90, 90),
       seed=st.integers(0, 1000))
def test_gravity_carried_by_the_gyro_matches_for_any_mount_and_move(spin, tilt, tilt_dir, flex, lean,
                                                                   turn, seed):
    segs = build([("upright", 8), ("slouch", 10, {"flex": flex, "lean": lean, "turn_deg": turn,
                                                  "ramp_s": 2.0, "wander": 0.5})])
    rec = render(segs, mount=Mount(spin, tilt, tilt_dir), seed=seed, noise=False)
    k0, k1 = int(6 * rec.rate_hz), int(16 * rec.rate_hz)
    q_int = m.integrate_rate(np.array([1.0, 0, 0, 0]), rec.gyro[k0:k1], 1.0 / rec.rate_hz)
    carried = m.quat_rotate_inv(q_int, rec.accel[k0])
    assert _angle_deg(carried, rec.accel[k1]) < 1.0
    back_normal = rec.mount_matrix.T @ np.array([-1.0, 0.0, 0.0])
    assert _angle_deg(back_normal, np.array([0.0, 0.0, 1.0])) <= 25.0 + 1e-6


def _tilt_from(rec, mask, ref_mask):
    """Angle (deg) of each masked sample's mean gravity direction from the reference's."""
    ref = rec.accel[ref_mask].mean(axis=0) - rec.accel_bias
    a = rec.accel[mask].mean(axis=0) - rec.accel_bias
    return _angle_deg(a, ref)


@pytest.mark.parametrize("flex", [20.0, 30.0])
def test_a_propped_desk_reads_as_a_slouch_tilt_and_holds_still(flex):
    segs = build([("upright", 60, {"calibration": True}), ("transition", 4, {"kind": "take_off"}),
                  ("off_body", 120, {"face": "propped", "flex": flex}),
                  ("transition", 4, {"kind": "put_on"}), ("upright", 30)])
    rec = render(segs, seed=3, mount="rotated")
    desk = _mask(rec, "off_body")
    calib = _mask(rec, "upright") & (rec.t_s < 60)
    assert abs(_tilt_from(rec, desk, calib) - flex) < 1.5      # the tilt of a slouch of that size
    clean = render(segs, seed=3, mount="rotated", noise=False)
    inner = np.flatnonzero(desk)[2:-2]
    assert np.ptp(clean.accel[inner], axis=0).max() < 1e-6    # nothing moves it but noise
    assert not clean.worn[desk].any()


def test_remount_turns_the_clip_on_the_back_from_the_put_on():
    segs = build([("upright", 60, {"calibration": True}), ("transition", 4, {"kind": "take_off"}),
                  ("off_body", 60, {"remount": {"spin_deg": 90.0}}),
                  ("transition", 4, {"kind": "put_on"}), ("upright", 60, {"flex": 0.0, "wander": 0.0})])
    rec = render(segs, seed=4, noise=False, wearer={"fidget_scale": 0.0})
    before = _mask(rec, "upright") & (rec.t_s < 60)
    after = _mask(rec, "upright") & (rec.t_s > 140)
    g0 = rec.accel[before].mean(axis=0)
    g1 = rec.accel[after].mean(axis=0)
    # turned 90 degrees within the back's plane: gravity turns 90 degrees about the clip's Z,
    # and its Z component (the face's elevation) stays
    assert abs(_angle_deg(g0[:2], g1[:2]) - 90.0) < 2.0
    assert abs(g0[2] - g1[2]) < 0.05
    with pytest.raises(ValueError):
        render(build([("upright", 10), ("off_body", 10, {"remount": {"spin": 3}}), ("upright", 10)]))


def test_the_still_breather_turns_the_trunk_at_012_deg_per_s_at_most():
    from host.sim.scenario import STILL_BREATHER
    segs = build([("upright", 300, {"wander": 0.0})])
    rec = render(segs, seed=5, noise=False, wearer=dict(STILL_BREATHER, fidget_scale=0.0))
    rate = np.abs(np.diff(rec.flex_deg)) * rec.rate_hz
    # 6 breaths a minute of +-0.19 degree: 2 pi 0.1 0.19 = 0.12 degree/s (+20 % amplitude swing)
    assert 0.09 < rate.max() < 0.16
    assert 0.3 < np.ptp(rec.flex_deg) < 0.5
