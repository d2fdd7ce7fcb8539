"""Rotation and motion maths for the synthetic wearer, vectorised with numpy.

Quaternions are arrays of shape (..., 4) ordered (w, x, y, z), unit length.
A quaternion q "of the sensor" maps sensor-frame vectors into the world frame
(v_world = q v_sensor q*). The world frame is x forward (heading 0), y left,
z up. The trunk (body) frame is x anterior (forward out of the chest), y left,
z up the spine.

Trunk angles, in degrees: flexion (positive = bending forward, a rotation
about the body's left axis that tips the spine towards the chest), side lean
(positive = leaning to the right, about the forward axis) and heading (yaw
about world up). The trunk quaternion is qz(heading) * qx(lean) * qy(flexion).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

Array = NDArray[np.float64]

G = 9.80665  # standard gravity, m/s^2: what a still LSM6DS reads along world up
UP = np.array([0.0, 0.0, 1.0])


def quat_mul(a: ArrayLike, b: ArrayLike) -> Array:
    """Hamilton product a * b (broadcasting over leading axes)."""
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    aw, ax, ay, az = a[..., 0], a[..., 1], a[..., 2], a[..., 3]
    bw, bx, by, bz = b[..., 0], b[..., 1], b[..., 2], b[..., 3]
    return np.stack(
        (
            aw * bw - ax * bx - ay * by - az * bz,
            aw * bx + ax * bw + ay * bz - az * by,
            aw * by - ax * bz + ay * bw + az * bx,
            aw * bz + ax * by - ay * bx + az * bw,
        ),
        axis=-1,
    )


def quat_conj(q: ArrayLike) -> Array:
    return np.asarray(q, dtype=float) * np.array([1.0, -1.0, -1.0, -1.0])


def quat_axis(axis: int, angle_rad: ArrayLike) -> Array:
    """Rotation by angle_rad about coordinate axis 0 (x), 1 (y) or 2 (z)."""
    angle = np.asarray(angle_rad, dtype=float)
    q = np.zeros(angle.shape + (4,))
    q[..., 0] = np.cos(angle / 2.0)
    q[..., 1 + axis] = np.sin(angle / 2.0)
    return q


def quat_exp(rotvec: ArrayLike) -> Array:
    """Unit quaternion of a rotation vector (axis times angle in rad)."""
    rv = np.asarray(rotvec, dtype=float)
    theta = np.linalg.norm(rv, axis=-1)
    half = theta / 2.0
    small = theta < 1e-8
    safe = np.where(small, 1.0, theta)
    scale = np.where(small, 0.5 - theta * theta / 48.0, np.sin(half) / safe)
    return np.concatenate((np.cos(half)[..., None], rv * scale[..., None]), axis=-1)


def quat_log(q: ArrayLike) -> Array:
    """Rotation vector (rad) of a unit quaternion, taking the shorter way round."""
    q = np.asarray(q, dtype=float)
    sign = np.where(q[..., 0] < 0.0, -1.0, 1.0)[..., None]
    q = q * sign
    v = q[..., 1:]
    s = np.linalg.norm(v, axis=-1)
    theta = 2.0 * np.arctan2(s, q[..., 0])
    small = s < 1e-12
    factor = np.where(small, 2.0, theta / np.where(small, 1.0, s))
    return v * factor[..., None]


def quat_rotate(q: ArrayLike, v: ArrayLike) -> Array:
    """Rotate vectors v (..., 3) by quaternions q (..., 4): q v q*."""
    q = np.asarray(q, dtype=float)
    v = np.asarray(v, dtype=float)
    u = q[..., 1:]
    t = 2.0 * np.cross(u, v)
    return v + q[..., :1] * t + np.cross(u, t)


def quat_rotate_inv(q: ArrayLike, v: ArrayLike) -> Array:
    """Express world vectors v in the frame of q: q* v q."""
    return quat_rotate(quat_conj(q), v)


def quat_to_matrix(q: ArrayLike) -> Array:
    """3x3 rotation matrix (columns: the rotated frame's axes in the outer frame)."""
    q = np.asarray(q, dtype=float)
    eye = np.eye(3)
    cols = [quat_rotate(q, eye[i]) for i in range(3)]
    return np.stack(cols, axis=-1)


def trunk_quat(flex_deg: ArrayLike, lean_deg: ArrayLike, heading_deg: ArrayLike) -> Array:
    """Trunk orientation from flexion, side lean and heading (degrees)."""
    f = np.radians(np.asarray(flex_deg, dtype=float))
    lean = np.radians(np.asarray(lean_deg, dtype=float))
    h = np.radians(np.asarray(heading_deg, dtype=float))
    return quat_mul(quat_axis(2, h), quat_mul(quat_axis(0, lean), quat_axis(1, f)))


def slerp_towards(qa: ArrayLike, qb: ArrayLike, w: ArrayLike) -> Array:
    """Per-sample slerp from qa to qb by fraction w (arrays broadcast)."""
    qa = np.asarray(qa, dtype=float)
    rel = quat_log(quat_mul(quat_conj(qa), qb))
    return quat_mul(qa, quat_exp(rel * np.asarray(w, dtype=float)[..., None]))


def angular_rate(q: Array, dt: float) -> Array:
    """Angular velocity in the rotating (sensor) frame, rad/s, from sampled orientations.

    Central difference on the group: omega_k = log(q_{k-1}* q_{k+1}) / (2 dt),
    one-sided at the ends. Integrating it back (q <- q exp(omega dt)) reproduces
    the orientation change to second order in dt.
    """
    n = len(q)
    out = np.zeros((n, 3))
    if n < 2:
        return out
    if n > 2:
        out[1:-1] = quat_log(quat_mul(quat_conj(q[:-2]), q[2:])) / (2.0 * dt)
    out[0] = quat_log(quat_mul(quat_conj(q[0]), q[1])) / dt
    out[-1] = quat_log(quat_mul(quat_conj(q[-2]), q[-1])) / dt
    return out


def integrate_rate(q0: ArrayLike, omega: Array, dt: float) -> Array:
    """Orientation after applying body rates omega (N, 3) one sample at a time."""
    q = np.asarray(q0, dtype=float).copy()
    steps = quat_exp(omega * dt)
    for step in steps:
        q = quat_mul(q, step)
        q /= np.linalg.norm(q)
    return q


def second_derivative(x: Array, dt: float) -> Array:
    """Three-point second difference along axis 0; the ends copy their neighbours."""
    out = np.zeros_like(x)
    if len(x) < 3:
        return out
    out[1:-1] = (x[2:] - 2.0 * x[1:-1] + x[:-2]) / (dt * dt)
    out[0] = out[1]
    out[-1] = out[-2]
    return out


def ramp(t: ArrayLike, duration: float) -> Array:
    """Raised cosine from 0 (t <= 0) to 1 (t >= duration); a step when duration <= 0."""
    t = np.asarray(t, dtype=float)
    if duration <= 0.0:
        return np.where(t >= 0.0, 1.0, 0.0)
    x = np.clip(t / duration, 0.0, 1.0)
    return 0.5 - 0.5 * np.cos(np.pi * x)


def ramp_accel(t: ArrayLike, duration: float) -> Array:
    """Second time derivative of ramp(t, duration), 1/s^2 (zero outside the ramp)."""
    t = np.asarray(t, dtype=float)
    if duration <= 0.0:
        return np.zeros_like(t)
    inside = (t > 0.0) & (t < duration)
    k = np.pi / duration
    return np.where(inside, 0.5 * k * k * np.cos(k * t), 0.0)


def bump(t: ArrayLike, start: float, duration: float) -> Array:
    """sin^2 pulse: 0 outside [start, start + duration], 1 at its middle."""
    t = np.asarray(t, dtype=float)
    if duration <= 0.0:
        return np.zeros_like(t)
    x = np.clip((t - start) / duration, 0.0, 1.0)
    return np.sin(np.pi * x) ** 2


def plateau(t: ArrayLike, duration: float, edge: float) -> Array:
    """0 -> 1 over the first `edge` seconds, 1, then back to 0 over the last `edge`."""
    edge = min(edge, duration / 2.0)
    t = np.asarray(t, dtype=float)
    return ramp(t, edge) * ramp(duration - t, edge)


def wander(t: ArrayLike, amplitude: float, rng: np.random.Generator,
           period_s: tuple[float, float] = (15.0, 90.0)) -> Array:
    """Slow drift: three sinusoids with random periods and phases, |sum| <= amplitude."""
    t = np.asarray(t, dtype=float)
    out = np.zeros_like(t)
    if amplitude <= 0.0:
        return out
    for _ in range(3):
        period = rng.uniform(*period_s)
        phase = rng.uniform(0.0, 2.0 * np.pi)
        out += (amplitude / 3.0) * np.sin(2.0 * np.pi * t / period + phase)
    return out
