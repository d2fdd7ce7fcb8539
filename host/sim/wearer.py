"""Synthetic wearer: scripted posture segments -> physically consistent IMU samples with truth labels.

`render(segments, rate_hz, mount, seed)` turns a list of segments (see
host/sim/scenario.py: `make_day`, `build`) into a `Recording`: the trunk's
flexion, side lean and heading over time (ramps between postures, breathing,
fidgets, gait), the clip's orientation (trunk times mount, or a desk when off
the body), and from that the sensor-frame signals exactly as adafruit_lsm6ds
reports them:
  accel = R^T (g up + linear acceleration) in m/s^2 (a still sensor reads +g along up),
  gyro  = angular velocity in the sensor frame in rad/s, differentiated from the same R,
plus per-recording biases and white noise. Linear acceleration is the second
derivative of the clip's position (it sits on a lever 0.45 m up the spine from
the hips), plus the pelvis's own motion (gait bounce, rising from a chair).
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from host.sim import motion as m
from host.sim.scenario import (  # re-exported: tests and the detector's acceptance tests import from here
    CALIBRATION_S,
    LABELS,
    LYING_POSES,
    NO_ALERT_LABELS,
    Segment,
    build,
    check_segments,
    label_at,
    load_truth,
    make_day,
    quiet_windows,
    sustained_slouches,
)
from host.sim.wearer_recording import Mount, Recording  # noqa: F401  (Mount: re-exported)

__all__ = [
    "CALIBRATION_S", "LABELS", "LYING_POSES", "NO_ALERT_LABELS", "Mount", "Recording", "Segment",
    "build", "label_at", "load_truth", "make_day", "make_mount", "quiet_windows", "render",
    "sustained_slouches",
]

RATE_HZ = 26.0
ACCEL_NOISE = 0.0018 * m.G      # 1.8 mg RMS per axis
GYRO_NOISE = 0.004              # rad/s RMS per axis
ACCEL_BIAS_MAX = 0.040 * m.G    # +-40 mg per axis, drawn per recording
GYRO_BIAS_MAX = 0.02            # +-0.02 rad/s per axis
MAX_TILT_DEG = 25.0
LEVER_M = (-0.10, 0.0, 0.45)    # clip relative to the trunk's pivot at the hips (body frame)
DESK_M = (0.45, 0.0, 0.30)      # where the desk spot is, relative to the hips, heading frame
SEAT_RISE_M = 0.45

DEFAULT_FLEX = {"upright": 0.0, "slouch": 25.0, "brief_slouch": 22.0, "reach": 35.0,
                "recline": -18.0, "walking": 3.0, "standing": 2.0}
DEFAULT_LEAN = {"side_lean": 15.0}
DEFAULT_RAMP = {"slouch": 2.0, "brief_slouch": 1.5, "reach": 0.8, "recline": 2.0,
                "side_lean": 2.0, "standing": 1.0, "lying": 1.0}
DEFAULT_WANDER = {"upright": 0.8, "slouch": 2.0, "recline": 1.0, "side_lean": 1.0,
                  "standing": 1.0, "lying": 1.0}
FIDGET_PER_MIN = {"upright": 0.8, "slouch": 0.5, "recline": 0.5, "side_lean": 0.5,
                  "standing": 2.0, "lying": 0.3}
LYING_ANGLES = {"supine": (-90.0, 0.0), "prone": (90.0, 0.0), "left": (0.0, -90.0), "right": (0.0, 90.0)}
EXCURSIONS = ("reach", "brief_slouch")  # go out and come back within the segment


def make_mount(mount: str | Mount, seed: int) -> Mount:
    if isinstance(mount, Mount):
        return mount
    rng = np.random.default_rng([int(seed), 1])
    if mount == "nominal":
        return Mount(0.0, float(rng.uniform(0.0, 6.0)), float(rng.uniform(0.0, 360.0)))
    if mount == "rotated":
        return Mount(float(rng.uniform(0.0, 360.0)), float(rng.uniform(0.0, MAX_TILT_DEG)),
                     float(rng.uniform(0.0, 360.0)))
    raise ValueError("mount must be 'nominal', 'rotated' or a Mount, not %r" % (mount,))


def make_wearer(seed: int, overrides: dict[str, float] | None = None) -> dict[str, float]:
    rng = np.random.default_rng([int(seed), 2])
    traits = {
        "breath_deg": float(rng.uniform(0.3, 1.0)),
        "breath_hz": float(rng.uniform(0.2, 0.3)),
        "upright_deg": float(rng.uniform(-3.0, 3.0)),
        "fidget_scale": float(rng.uniform(0.5, 1.5)),
    }
    for key, value in (overrides or {}).items():
        if key not in traits:
            raise ValueError("unknown wearer trait %r (known: %s)" % (key, ", ".join(traits)))
        traits[key] = float(value)
    return traits


def _target(seg: Segment, wearer: dict[str, float]) -> tuple[float, float]:
    p = seg.params
    if seg.label == "lying":
        pose = p.get("pose", "supine")
        if pose not in LYING_ANGLES:
            raise ValueError("lying pose must be one of %s, not %r" % (", ".join(LYING_POSES), pose))
        f, lean = LYING_ANGLES[pose]
        return f + float(p.get("flex", 0.0)), lean + float(p.get("lean", 0.0))
    flex = float(p.get("flex", DEFAULT_FLEX.get(seg.label, 0.0)))
    return wearer["upright_deg"] + flex, float(p.get("lean", DEFAULT_LEAN.get(seg.label, 0.0)))


def _worn(seg: Segment) -> bool:
    return seg.label != "off_body"


class _Body:
    """Whole-timeline arrays filled in segment by segment."""

    def __init__(self, n: int) -> None:
        self.flex = np.zeros(n)
        self.lean = np.zeros(n)
        self.head = np.zeros(n)
        self.acc_local = np.zeros((n, 3))  # pelvis acceleration: forward, left, up (heading frame)
        self.codes = np.zeros(n, dtype=np.uint8)


def _segment_body(body: _Body, sl: slice, tl: np.ndarray, seg: Segment, i: int,
                  segments: Sequence[Segment], wearer: dict[str, float],
                  prev: tuple[float, float, float], rng: np.random.Generator) -> tuple[float, float, float]:
    """Fill one segment's trunk angles; returns (flex, lean, heading) at its end."""
    prev_f, prev_l, head0 = prev
    p, lab, dur = seg.params, seg.label, seg.duration_s
    n = len(tl)
    if lab == "transition":
        nxt = segments[i + 1] if i + 1 < len(segments) else None
        f0, l0 = _target(nxt, wearer) if nxt is not None and _worn(nxt) else (prev_f, prev_l)
    elif lab == "off_body":
        f0, l0 = prev_f, prev_l
    else:
        f0, l0 = _target(seg, wearer)
    f = np.full(n, f0)
    lean = np.full(n, l0)
    dh = np.zeros(n)
    amp = float(p.get("wander", DEFAULT_WANDER.get(lab, 0.0)))
    if p.get("calibration"):
        amp = 0.0
    drift = m.wander(tl, amp, rng)
    if lab == "side_lean":
        lean += drift
    else:
        f += drift
    if lab == "standing":  # postural sway: never quite still on two feet
        sway = float(p.get("sway_deg", 0.7))
        f += m.wander(tl, sway, rng, (1.5, 6.0))
        lean += m.wander(tl, sway, rng, (1.5, 6.0))
    turn = float(p.get("turn_deg", 0.0))
    ramp_s = float(p.get("ramp_s", DEFAULT_RAMP.get(lab, 1.5)))
    if lab in EXCURSIONS:
        w = m.plateau(tl, dur, ramp_s)
        dh += turn * w
    elif lab == "transition":
        w = m.ramp(tl, dur)
        kind = p.get("kind", "move")
        if kind in ("stand_up", "sit_down"):
            f += float(p.get("bump_deg", 25.0 if kind == "stand_up" else 20.0)) * m.bump(tl, 0.0, dur)
            rise = SEAT_RISE_M if kind == "stand_up" else -SEAT_RISE_M
            lift = min(1.2, 0.6 * dur)  # the hips rise (or drop) in about a second, mid-move
            body.acc_local[sl, 2] += rise * m.ramp_accel(tl - 0.35 * dur, lift)
    elif lab == "walking":
        w = m.ramp(tl, ramp_s)
        step = float(p.get("step_hz", 1.8))
        vert = float(p.get("vert_acc", 2.5))
        env = m.plateau(tl, dur, 1.5)
        ph = 2.0 * np.pi * step * tl + rng.uniform(0, 2 * np.pi)
        body.acc_local[sl, 2] += vert * env * np.sin(ph)
        body.acc_local[sl, 0] += 0.35 * vert * env * np.sin(ph - 0.8)
        body.acc_local[sl, 1] += float(p.get("sway_acc", 0.8)) * env * np.sin(ph / 2.0)
        f += env * 1.0 * np.sin(ph + 0.3)
        lean += env * float(p.get("roll_deg", 2.0)) * np.sin(ph / 2.0 + 0.4)
        dh += env * float(p.get("yaw_deg", 4.0)) * np.sin(ph / 2.0 + 0.9)
        dh += turn * m.ramp(tl - (dur / 2.0 - 1.25), 2.5)
    else:
        w = m.ramp(tl, ramp_s)
        dh += turn * m.ramp(tl, max(ramp_s, 1.0))
    f = prev_f + w * (f - prev_f)
    lean = prev_l + w * (lean - prev_l)
    _fidget(f, lean, dh, tl, dur, lab, wearer, p, rng)
    body.flex[sl] = f
    body.lean[sl] = lean
    body.head[sl] = head0 + dh
    body.codes[sl] = LABELS.index(lab)
    return float(f[-1]), float(lean[-1]), float(head0 + dh[-1])


def _fidget(f: np.ndarray, lean: np.ndarray, dh: np.ndarray, tl: np.ndarray, dur: float,
            lab: str, wearer: dict[str, float], p: dict[str, Any], rng: np.random.Generator) -> None:
    """Occasional small rotations (sin^2 bumps) that come back where they started."""
    rate = FIDGET_PER_MIN.get(lab, 0.0) * wearer["fidget_scale"]
    if p.get("calibration") or rate <= 0.0 or dur < 8.0:
        return
    limit = 1.0 if lab == "slouch" else 2.0
    for _ in range(int(rng.poisson(rate * dur / 60.0))):
        length = rng.uniform(0.6, 2.0)
        start = rng.uniform(3.0, dur - 3.0 - length)
        k0, k1 = np.searchsorted(tl, [start, start + length])
        shape = m.bump(tl[k0:k1], start, length)
        f[k0:k1] += float(np.clip(rng.normal(0.0, 1.0), -limit, limit)) * shape
        lean[k0:k1] += float(np.clip(rng.normal(0.0, 1.0), -2.0, 2.0)) * shape
        dh[k0:k1] += float(np.clip(rng.normal(0.0, 3.0), -6.0, 6.0)) * shape


def _breathing(t: np.ndarray, wearer: dict[str, float], seed: int) -> np.ndarray:
    rng = np.random.default_rng([int(seed), 4])
    dt = t[1] - t[0] if len(t) > 1 else 1.0
    freq = wearer["breath_hz"] * (1.0 + 0.08 * np.sin(2 * np.pi * t / 173.0 + rng.uniform(0, 6.3)))
    amp = wearer["breath_deg"] * (1.0 + 0.2 * np.sin(2 * np.pi * t / 97.0 + rng.uniform(0, 6.3)))
    phase = 2.0 * np.pi * np.cumsum(freq) * dt + rng.uniform(0, 6.3)
    return amp * np.sin(phase)


def _desk(seg: Segment, heading_deg: float, wearer: dict[str, float], mnt: Mount) -> tuple[m.Array, m.Array]:
    """The clip lying still on a desk: its quaternion and position.

    face "up"/"down": lying flat, tipped tilt_deg about the desk's x axis. face "propped":
    standing as it sat on the back but tipped forward by flex degrees from the wearer's
    upright (leaning on a monitor stand or in a pen pot), so it reads as a slouch of that
    size; nothing but the sensor's noise moves it.
    """
    p = seg.params
    face = p.get("face", "up")
    if face not in ("up", "down", "propped"):
        raise ValueError("off_body face must be 'up', 'down' or 'propped', not %r" % (face,))
    if face == "propped":
        q = m.quat_mul(m.trunk_quat(wearer["upright_deg"] + float(p.get("flex", 25.0)),
                                    float(p.get("lean", 0.0)), heading_deg), mnt.quat())
    else:
        q = m.quat_mul(m.quat_axis(2, math.radians(float(p.get("yaw_deg", 0.0)))),
                       m.quat_axis(0, math.radians(float(p.get("tilt_deg", 0.0)))))
    if face == "down":
        q = m.quat_mul(q, m.quat_axis(0, math.pi))
    pos = m.quat_rotate(m.quat_axis(2, math.radians(heading_deg)), np.array(DESK_M))
    return q, pos


def _remount(spec: dict[str, Any], cur: Mount) -> Mount:
    """The mount an off_body segment's "remount" param puts the clip back on at (what it
    leaves out stays as it was: clipped on the same spot, turned by spin_deg)."""
    unknown = set(spec) - {"spin_deg", "tilt_deg", "tilt_dir_deg"}
    if unknown:
        raise ValueError("remount knows spin_deg, tilt_deg and tilt_dir_deg, not %s" % ", ".join(sorted(unknown)))
    return Mount(float(spec.get("spin_deg", cur.spin_deg)), float(spec.get("tilt_deg", cur.tilt_deg)),
                 float(spec.get("tilt_dir_deg", cur.tilt_dir_deg)))


def _handle(q: np.ndarray, pos: np.ndarray, sl: slice, tl: np.ndarray, dur: float,
            to_desk: bool, q_desk: m.Array, p_desk: m.Array, rng: np.random.Generator) -> None:
    """The clip in the hand between the back and the desk: a slerp with wobble and shake."""
    w = m.ramp(tl, dur)
    env = np.sin(np.pi * np.clip(tl / dur, 0.0, 1.0)) ** 2
    if to_desk:
        q[sl] = m.slerp_towards(q[sl], q_desk, w)
        pos[sl] = pos[sl] + w[:, None] * (p_desk - pos[sl])
    else:
        q[sl] = m.slerp_towards(np.broadcast_to(q_desk, (len(tl), 4)), q[sl], w)
        pos[sl] = p_desk + w[:, None] * (pos[sl] - p_desk)
    wobble = np.zeros((len(tl), 3))
    shake = np.zeros((len(tl), 3))
    for axis in range(3):
        hz, ph = rng.uniform(0.5, 2.0), rng.uniform(0, 2 * np.pi)
        wobble[:, axis] = math.radians(rng.uniform(5, 20)) * env * np.sin(2 * np.pi * hz * tl + ph)
        hz, ph = rng.uniform(1.0, 3.0), rng.uniform(0, 2 * np.pi)
        shake[:, axis] = rng.uniform(0.005, 0.02) * env * np.sin(2 * np.pi * hz * tl + ph)
    q[sl] = m.quat_mul(q[sl], m.quat_exp(wobble))
    pos[sl] += shake


def render(segments: Sequence[Segment], rate_hz: float = RATE_HZ, mount: str | Mount = "nominal",
           seed: int = 0, noise: bool = True, wearer: dict[str, float] | None = None) -> Recording:
    """Render segments into sensor-frame samples (see the module docstring).

    noise=False leaves out sensor noise and biases (not breathing or fidgets);
    wearer overrides traits (breath_deg, breath_hz, upright_deg, fidget_scale).
    """
    check_segments(segments)
    if not rate_hz > 0:
        raise ValueError("rate must be positive, got %r" % (rate_hz,))
    dt = 1.0 / rate_hz
    t0, t1 = segments[0].start_s, segments[-1].end_s
    n = int(math.ceil((t1 - t0) * rate_hz - 1e-9))
    t = t0 + np.arange(n) / rate_hz
    traits = make_wearer(seed, wearer)
    mnt = make_mount(mount, seed)
    bounds = np.searchsorted(t, [s.start_s - 1e-9 for s in segments] + [t1 - 1e-9])
    body = _Body(n)
    f0, l0 = _target(segments[0], traits) if _worn(segments[0]) else (traits["upright_deg"], 0.0)
    state = (f0, l0, 0.0)
    heads = []
    for i, seg in enumerate(segments):
        sl = slice(bounds[i], bounds[i + 1])
        heads.append(state[2])
        if sl.stop > sl.start:
            rng = np.random.default_rng([int(seed), 100, i])
            state = _segment_body(body, sl, t[sl] - seg.start_s, seg, i, segments, traits, state, rng)
    body.flex += _breathing(t, traits, seed)
    q_body = m.trunk_quat(body.flex, body.lean, body.head)
    # the clip's mount: the recording's, until an off_body segment with "remount" clips it on anew
    mounts = []
    cur = mnt
    for seg in segments:
        mounts.append(cur)
        if seg.label == "off_body" and "remount" in seg.params:
            cur = _remount(seg.params["remount"], cur)
    q_mount = np.empty((n, 4))
    for i in range(len(segments)):
        q_mount[bounds[i]:bounds[i + 1]] = mounts[i].quat()
    q = m.quat_mul(q_body, q_mount)
    pos = m.quat_rotate(q_body, np.array(LEVER_M))
    worn = np.ones(n, dtype=bool)
    for i, seg in enumerate(segments):
        if seg.label != "off_body":
            continue
        sl = slice(bounds[i], bounds[i + 1])
        q_desk, p_desk = _desk(seg, heads[i], traits, mounts[i])
        q[sl] = q_desk
        pos[sl] = p_desk
        worn[sl] = False
        for j, to_desk in ((i - 1, True), (i + 1, False)):
            if 0 <= j < len(segments) and segments[j].label == "transition":
                hs = slice(bounds[j], bounds[j + 1])
                if hs.stop > hs.start:
                    rng = np.random.default_rng([int(seed), 200, j])
                    _handle(q, pos, hs, t[hs] - segments[j].start_s, segments[j].duration_s,
                            to_desk, q_desk, p_desk, rng)
                    worn[hs] = False
    h = np.radians(body.head)
    c, s = np.cos(h), np.sin(h)
    al = body.acc_local
    pelvis = np.column_stack((c * al[:, 0] - s * al[:, 1], s * al[:, 0] + c * al[:, 1], al[:, 2]))
    lin = m.second_derivative(pos, dt) + pelvis
    accel = m.quat_rotate_inv(q, lin + m.G * m.UP)
    gyro = m.angular_rate(q, dt)
    accel_bias = np.zeros(3)
    gyro_bias = np.zeros(3)
    if noise:
        rng = np.random.default_rng([int(seed), 3])
        accel_bias = rng.uniform(-ACCEL_BIAS_MAX, ACCEL_BIAS_MAX, 3)
        gyro_bias = rng.uniform(-GYRO_BIAS_MAX, GYRO_BIAS_MAX, 3)
        accel += accel_bias + rng.normal(0.0, ACCEL_NOISE, (n, 3))
        gyro += gyro_bias + rng.normal(0.0, GYRO_NOISE, (n, 3))
    return Recording(
        t_s=t, accel=accel, gyro=gyro, label_codes=body.codes, segments=list(segments),
        rate_hz=float(rate_hz), seed=int(seed), mount=mnt, wearer=traits,
        accel_bias=accel_bias, gyro_bias=gyro_bias, flex_deg=body.flex - traits["upright_deg"],
        lean_deg=body.lean, heading_deg=body.head, orientation=q, worn=worn,
    )
