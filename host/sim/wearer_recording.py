"""A rendered synthetic recording: sensor-frame samples plus the truth behind them."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from host.sim import motion as m
from host.sim.scenario import LABELS, NO_ALERT_LABELS, Segment, segments_to_json

CSV_HEADER = "t_s,ax,ay,az,gx,gy,gz"


@dataclass(frozen=True)
class Mount:
    """How the clip sits on the back: +Z within tilt_deg of the back normal (posterior),
    spun spin_deg about it (0: +X up the spine, +Y to the wearer's left)."""

    spin_deg: float
    tilt_deg: float
    tilt_dir_deg: float = 0.0

    def quat(self) -> m.Array:
        """Sensor-to-body quaternion."""
        base = m.quat_axis(1, -math.pi / 2.0)  # sensor x = spine up, z = posterior
        d = math.radians(self.tilt_dir_deg)
        tilt = m.quat_exp(np.array([0.0, math.cos(d), math.sin(d)]) * math.radians(self.tilt_deg))
        return m.quat_mul(tilt, m.quat_mul(base, m.quat_axis(2, math.radians(self.spin_deg))))

    def matrix(self) -> m.Array:
        """Rotation matrix whose columns are the sensor axes in the body frame."""
        return m.quat_to_matrix(self.quat())

    def to_json(self) -> dict[str, Any]:
        return {"spin_deg": round(self.spin_deg, 3), "tilt_deg": round(self.tilt_deg, 3),
                "tilt_dir_deg": round(self.tilt_dir_deg, 3),
                "matrix": np.round(self.matrix(), 6).tolist()}


@dataclass(eq=False)
class Recording:
    t_s: np.ndarray            # (N,) seconds
    accel: np.ndarray          # (N, 3) m/s^2, sensor frame, as adafruit_lsm6ds reports
    gyro: np.ndarray           # (N, 3) rad/s, sensor frame
    label_codes: np.ndarray    # (N,) index into LABELS
    segments: list[Segment]
    rate_hz: float
    seed: int
    mount: Mount
    wearer: dict[str, float]
    accel_bias: np.ndarray     # (3,) the fixed biases included in accel / gyro
    gyro_bias: np.ndarray
    flex_deg: np.ndarray       # (N,) truth: trunk flexion relative to the wearer's upright
    lean_deg: np.ndarray       # (N,) truth: side lean (positive = right)
    heading_deg: np.ndarray    # (N,) truth: heading
    orientation: np.ndarray    # (N, 4) truth: sensor-to-world quaternion (w, x, y, z)
    worn: np.ndarray           # (N,) truth: clip on the back (False on the desk and in the hand)
    _six: np.ndarray | None = field(default=None, repr=False)

    def __len__(self) -> int:
        return len(self.t_s)

    @property
    def mount_matrix(self) -> np.ndarray:
        """Columns: the sensor's x, y, z axes in the trunk frame (forward, left, up the spine)."""
        return self.mount.matrix()

    @cached_property
    def labels(self) -> np.ndarray:
        """Per-sample segment labels (strings)."""
        return np.asarray(LABELS, dtype=object)[self.label_codes]

    def index_at(self, t_ms: float) -> int:
        """Index of the last sample at or before t_ms (clamped to the recording)."""
        i = math.floor((t_ms / 1000.0 - self.t_s[0]) * self.rate_hz + 1e-6)
        return min(max(i, 0), len(self.t_s) - 1)

    def at(self, t_ms: float) -> tuple[float, float, float, float, float, float]:
        """(ax, ay, az, gx, gy, gz) of the last sample at or before t_ms.

        Past the end the wearer goes on as in the recording's last 30 s (played again and
        again): holding one sample would be a frozen sensor, which the clip rightly reports."""
        if self._six is None:
            self._six = np.hstack((self.accel, self.gyro))
        n = len(self.t_s)
        raw = math.floor((t_ms / 1000.0 - self.t_s[0]) * self.rate_hz + 1e-6)
        if raw >= n:
            tail = max(1, min(n, int(30 * self.rate_hz)))
            i = n - tail + (raw - n) % tail
        else:
            i = self.index_at(t_ms)
        ax, ay, az, gx, gy, gz = self._six[i].tolist()
        return ax, ay, az, gx, gy, gz

    def to_csv(self, path: str | Path) -> None:
        rows = np.column_stack((self.t_s, self.accel, self.gyro)).tolist()
        fmt = "%.3f,%.5f,%.5f,%.5f,%.5f,%.5f,%.5f\n"
        with open(path, "w", encoding="ascii", newline="\n") as fh:
            fh.write(CSV_HEADER + "\n")
            fh.writelines(fmt % tuple(r) for r in rows)

    def truth(self) -> dict[str, Any]:
        return {
            "format": "posture-sim-truth/1",
            "rate_hz": self.rate_hz,
            "seed": self.seed,
            "samples": len(self.t_s),
            "start_s": round(float(self.t_s[0]), 3) if len(self.t_s) else 0.0,
            "duration_s": round(self.segments[-1].end_s - self.segments[0].start_s, 3),
            "mount": self.mount.to_json(),
            "wearer": {k: round(v, 4) for k, v in self.wearer.items()},
            "accel_bias": np.round(self.accel_bias, 5).tolist(),
            "gyro_bias": np.round(self.gyro_bias, 5).tolist(),
            "no_alert_labels": list(NO_ALERT_LABELS),
            "segments": segments_to_json(self.segments),
        }

    def truth_to_json(self, path: str | Path) -> None:
        with open(path, "w", encoding="utf-8") as fh:
            json.dump(self.truth(), fh, indent=1)
            fh.write("\n")
