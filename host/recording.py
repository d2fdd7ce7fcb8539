"""Reading and validating IMU recordings: CSV with header t_s,ax,ay,az,gx,gy,gz.

Seconds, m/s^2 and rad/s in the sensor's axes, as adafruit_lsm6ds reports them.
Everything wrong with a file is reported with its line number as a PostureError.
"""

from __future__ import annotations

import csv
import math
from array import array
from pathlib import Path

from host.errors import PostureError

COLUMNS = ("t_s", "ax", "ay", "az", "gx", "gy", "gz")
MIN_RATE_HZ = 10.0
MAX_RATE_HZ = 104.0
_RATE_SLACK = 0.1   # 10 % either side of the allowed rates


class Recording:
    """Columns of a recording as compact float arrays."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.t = array("d")
        self.ax = array("d")
        self.ay = array("d")
        self.az = array("d")
        self.gx = array("d")
        self.gy = array("d")
        self.gz = array("d")

    def __len__(self) -> int:
        return len(self.t)

    @property
    def duration_s(self) -> float:
        return self.t[-1] - self.t[0] if len(self.t) > 1 else 0.0

    @property
    def rate_hz(self) -> float:
        d = self.duration_s
        return (len(self.t) - 1) / d if d > 0 else 0.0


def read_recording(path: str | Path) -> Recording:
    path = Path(path)
    try:
        handle = open(path, newline="", encoding="utf-8")
    except FileNotFoundError:
        raise PostureError(f"{path}: no such file") from None
    except OSError as exc:
        raise PostureError(f"{path}: cannot read ({exc.strerror})") from None
    rec = Recording(path)
    cols = (rec.t, rec.ax, rec.ay, rec.az, rec.gx, rec.gy, rec.gz)
    with handle:
        reader = csv.reader(handle)
        try:
            header = next(reader, None)
        except (csv.Error, UnicodeDecodeError) as exc:
            raise PostureError(f"{path}: line 1: not a CSV text file ({exc})") from None
        if header is None:
            raise PostureError(f"{path}: the file is empty; expected a header {','.join(COLUMNS)}")
        names = [h.strip() for h in header]
        missing = [c for c in COLUMNS if c not in names]
        if missing:
            raise PostureError(
                f"{path}: line 1: missing column(s) {', '.join(missing)}; "
                f"the header must name {','.join(COLUMNS)}")
        index = [names.index(c) for c in COLUMNS]
        width = len(names)
        prev_t = -math.inf
        line = 1
        t_i, ax_i, ay_i, az_i, gx_i, gy_i, gz_i = index
        ta, axa, aya, aza, gxa, gya, gza = (c.append for c in cols)
        isfinite = math.isfinite
        try:
            for row in reader:
                line += 1
                if len(row) != width:
                    if not row or (len(row) == 1 and not row[0].strip()):
                        continue   # blank line
                    raise PostureError(
                        f"{path}: line {line}: expected {width} fields, found {len(row)}")
                try:
                    t = float(row[t_i])
                    v = (float(row[ax_i]), float(row[ay_i]), float(row[az_i]),
                         float(row[gx_i]), float(row[gy_i]), float(row[gz_i]))
                except ValueError:
                    bad = next(c for c, i in zip(COLUMNS, index) if not _is_number(row[i]))
                    raise PostureError(
                        f"{path}: line {line}: column {bad} is not a number: {row[index[COLUMNS.index(bad)]]!r}"
                    ) from None
                if not (isfinite(t) and isfinite(v[0]) and isfinite(v[1]) and isfinite(v[2])
                        and isfinite(v[3]) and isfinite(v[4]) and isfinite(v[5])):
                    raise PostureError(f"{path}: line {line}: a value is infinite or not a number")
                if t <= prev_t:
                    raise PostureError(
                        f"{path}: line {line}: time goes backwards or repeats "
                        f"({t:g} s after {prev_t:g} s)")
                prev_t = t
                ta(t); axa(v[0]); aya(v[1]); aza(v[2]); gxa(v[3]); gya(v[4]); gza(v[5])
        except csv.Error as exc:
            raise PostureError(f"{path}: line {line}: malformed CSV ({exc})") from None
        except UnicodeDecodeError:
            raise PostureError(f"{path}: line {line + 1}: not UTF-8 text") from None
    if len(rec) == 0:
        raise PostureError(f"{path}: the file has a header but no samples")
    if len(rec) > 1:
        rate = rec.rate_hz
        if not (MIN_RATE_HZ * (1 - _RATE_SLACK) <= rate <= MAX_RATE_HZ * (1 + _RATE_SLACK)):
            raise PostureError(
                f"{path}: the sample rate is {rate:.1f} Hz; recordings must be "
                f"{MIN_RATE_HZ:g} to {MAX_RATE_HZ:g} Hz")
    return rec


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
