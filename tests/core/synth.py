"""A small, independent signal maker for detector unit tests.

The trunk pose is given as flexion and side-lean angles over time; the clip is
mounted face out at `spin` degrees about its Z axis with `tilt` degrees of
mount tilt. Accelerations are gravity's reaction in sensor axes; gyro rates
come from the finite difference of the orientation. Breathing and noise are
optional. (The full wearer simulator lives in host/sim; this one is kept
deliberately simple and separate so the two check each other.)
"""

from __future__ import annotations

import math
import random
from typing import Callable, Iterator

import numpy as np

G = 9.80665


def _rot(axis: str, deg: float) -> np.ndarray:
    r = math.radians(deg)
    c, s = math.cos(r), math.sin(r)
    if axis == "x":
        return np.array([[1, 0, 0], [0, c, -s], [0, s, c]])
    if axis == "y":
        return np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]])
    return np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]])


def mount(spin: float = 0.0, tilt: float = 0.0) -> np.ndarray:
    """Sensor axes in body axes (body: x forward, y left, z up). Sensor +Z points backward."""
    # columns: sensor x -> body up, sensor y -> body left, sensor z -> body backward
    base = np.array([[0, 0, -1], [0, 1, 0], [1, 0, 0]], dtype=float)
    return base @ _rot("z", spin) @ _rot("x", tilt)


def body_rotation(flexion: float, lean: float) -> np.ndarray:
    """Body axes in world axes: flexion is a forward pitch about body y (left), lean a roll to the left."""
    return _rot("y", flexion) @ _rot("x", -lean)


def samples(pose: Callable[[float], tuple[float, float]], seconds: float, rate: float = 26.0,
            spin: float = 0.0, tilt: float = 0.0, breathing: float = 0.5, noise: float = 0.018,
            gyro_noise: float = 0.003, seed: int = 0, t0: float = 0.0,
            extra_acc: Callable[[float], np.ndarray] | None = None,
            breath_hz: float = 0.25) -> Iterator[tuple[float, ...]]:
    """Yield (t_s, ax, ay, az, gx, gy, gz); breathing is a flexion of that amplitude (deg) at breath_hz."""
    rng = random.Random(seed)
    m = mount(spin, tilt)
    n = int(seconds * rate)
    dt = 1.0 / rate
    prev = None
    up = np.array([0.0, 0.0, G])
    for i in range(n + 1):
        t = t0 + i * dt
        flex, lean = pose(t)
        flex += breathing * math.sin(2 * math.pi * breath_hz * t)
        r = body_rotation(flex, lean) @ m            # sensor axes in world axes
        acc_world = up + (extra_acc(t) if extra_acc is not None else 0.0)
        a = r.T @ acc_world
        if prev is None:
            w = np.zeros(3)
        else:
            d = prev.T @ r                            # rotation over dt in sensor axes
            w = np.array([d[2, 1] - d[1, 2], d[0, 2] - d[2, 0], d[1, 0] - d[0, 1]]) / (2 * dt)
        prev = r
        yield (t, a[0] + rng.gauss(0, noise), a[1] + rng.gauss(0, noise), a[2] + rng.gauss(0, noise),
               w[0] + rng.gauss(0, gyro_noise), w[1] + rng.gauss(0, gyro_noise), w[2] + rng.gauss(0, gyro_noise))


def steps(*segments: tuple[float, float, float]) -> Callable[[float], tuple[float, float]]:
    """A pose from (start_s, flexion, lean) breakpoints with 1.5 s smooth transitions."""
    def pose(t: float) -> tuple[float, float]:
        flex, lean = segments[0][1], segments[0][2]
        for start, f, side in segments[1:]:
            if t >= start + 1.5:
                flex, lean = f, side
            elif t > start:
                k = 0.5 - 0.5 * math.cos(math.pi * (t - start) / 1.5)
                flex, lean = flex + (f - flex) * k, lean + (side - lean) * k
                break
            else:
                break
        return flex, lean
    return pose
