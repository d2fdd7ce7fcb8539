"""Reading and validating IMU recordings: CSV with header t_s,ax,ay,az,gx,gy,gz.

Seconds, m/s^2 and rad/s in the sensor's axes, as adafruit_lsm6ds reports them.
Everything wrong with a file is reported with its line number as a PostureError.

Files are read as a stream, one line at a time, with a cap on a line's length,
so memory stays flat whatever the file holds (a header and then gigabytes of
NUL bytes, /dev/zero, a multi-GB recording). What people actually feed in is
tolerated or named: a spreadsheet's UTF-8 byte-order mark and any header case
are accepted; the first samples are checked for units before any is used:
|a| near 1 at rest is g (refused with a hint, or scaled with units="g"),
|a| far from both is not a sensor recording, and a time column stepping by
whole milliseconds is named as such.
"""

from __future__ import annotations

import csv
import math
import statistics
from array import array
from pathlib import Path
from typing import IO, Iterator

from host.errors import PostureError

COLUMNS = ("t_s", "ax", "ay", "az", "gx", "gy", "gz")
MIN_RATE_HZ = 10.0
MAX_RATE_HZ = 104.0
_RATE_SLACK = 0.1   # 10 % either side of the allowed rates
MAX_LINE = 4096     # bytes in one line; a sample line is under 120
PROBE = 256         # samples looked at for units and rate before any is used (2.5 s at 104 Hz)
G = 9.80665
UNITS = ("m/s2", "g")
# |a| (median over the probe) a body at rest can show: gravity plus the wearer's own movement
MS2_RANGE = (4.0, 20.0)
G_RANGE = (0.4, 2.0)

Sample = tuple[float, float, float, float, float, float, float]


def _rate_ok(rate: float) -> bool:
    return MIN_RATE_HZ * (1 - _RATE_SLACK) <= rate <= MAX_RATE_HZ * (1 + _RATE_SLACK)


class RecordingStream:
    """The samples of a recording file, read and checked one line at a time.

    Iterate once; afterwards `samples`, `duration_s` and `rate_hz` describe what was read.
    `units`: None (m/s^2, with g refused and named), "m/s2" (taken as given) or "g".
    """

    def __init__(self, path: str | Path, units: str | None = None) -> None:
        self.path = Path(path)
        if units not in (None,) + UNITS:
            raise PostureError("units must be one of %s" % ", ".join(UNITS))
        self.units = units
        self.scale = G if units == "g" else 1.0
        self.samples = 0
        self.first_t = self.last_t = 0.0
        try:
            self._file: IO[bytes] = open(self.path, "rb")
        except FileNotFoundError:
            raise PostureError(f"{self.path}: no such file") from None
        except IsADirectoryError:
            raise PostureError(f"{self.path}: is a folder, not a recording") from None
        except OSError as exc:
            raise PostureError(f"{self.path}: cannot read ({exc.strerror})") from None
        self._reader = csv.reader(self._lines())
        self._index = self._header()
        self._probe: list[Sample] = []
        self._rows = self._parse()
        try:
            for s in self._rows:
                self._probe.append(s)
                if len(self._probe) >= PROBE:
                    break
            if not self._probe:
                raise PostureError(f"{self.path}: the file has a header but no samples")
            self._check_probe()
        except BaseException:
            self._file.close()
            raise

    # ---- reading --------------------------------------------------------------------
    def _fail(self, text: str, line: int | None = None) -> PostureError:
        n = self._reader.line_num if line is None else line
        return PostureError(f"{self.path}: line {n}: {text}")

    def _lines(self) -> Iterator[str]:
        n = 0
        readline = self._file.readline
        while True:
            try:
                raw = readline(MAX_LINE + 1)
            except OSError as exc:
                raise PostureError(f"{self.path}: line {n + 1}: cannot read ({exc.strerror})") from None
            if not raw:
                return
            n += 1
            if len(raw) > MAX_LINE:
                raise PostureError(f"{self.path}: line {n}: longer than {MAX_LINE} bytes; "
                                   f"not a recording (a line holds one sample)")
            try:
                text = raw.decode("utf-8-sig" if n == 1 else "utf-8")
            except UnicodeDecodeError:
                raise PostureError(f"{self.path}: line {n}: not UTF-8 text; not a CSV recording") from None
            if "\0" in text:
                raise PostureError(f"{self.path}: line {n}: holds NUL bytes; not a CSV recording")
            yield text

    def _header(self) -> list[int]:
        try:
            header = next(self._reader, None)
        except csv.Error as exc:
            raise self._fail(f"not a CSV text file ({exc})", 1) from None
        if header is None:
            raise PostureError(f"{self.path}: the file is empty; expected a header {','.join(COLUMNS)}")
        names = [h.strip().lower() for h in header]
        missing = [c for c in COLUMNS if c not in names]
        if missing:
            raise self._fail(f"missing column(s) {', '.join(missing)}; "
                             f"the header must name {','.join(COLUMNS)}", self._reader.line_num)
        self._width = len(names)
        return [names.index(c) for c in COLUMNS]

    def _parse(self) -> Iterator[Sample]:
        width = self._width
        t_i, ax_i, ay_i, az_i, gx_i, gy_i, gz_i = self._index
        isfinite = math.isfinite
        k = self.scale
        prev_t = -math.inf
        reader = self._reader
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise self._fail(f"malformed CSV ({exc})") from None
            if len(row) != width:
                if not row or (len(row) == 1 and not row[0].strip()):
                    continue   # blank line
                raise self._fail(f"expected {width} fields, found {len(row)}")
            try:
                s = (float(row[t_i]), float(row[ax_i]) * k, float(row[ay_i]) * k,
                     float(row[az_i]) * k, float(row[gx_i]), float(row[gy_i]), float(row[gz_i]))
            except ValueError:
                bad = next(c for c, i in zip(COLUMNS, self._index) if not _is_number(row[i]))
                raise self._fail(f"column {bad} is not a number: "
                                 f"{row[self._index[COLUMNS.index(bad)]][:40]!r}") from None
            if not (isfinite(s[0]) and isfinite(s[1]) and isfinite(s[2]) and isfinite(s[3])
                    and isfinite(s[4]) and isfinite(s[5]) and isfinite(s[6])):
                raise self._fail("a value is infinite or not a number")
            t = s[0]
            if t <= prev_t:
                raise self._fail(f"time goes backwards or repeats ({t:g} s after {prev_t:g} s)")
            prev_t = t
            yield s

    def _check_probe(self) -> None:
        """Units and rate from the first samples, before the firmware sees any of them."""
        p = self._probe
        last = 1 + len(p)  # the line of the last probe sample (close enough: blank lines aside)
        where = f"lines 2-{last}" if len(p) > 1 else "line 2"
        if len(p) > 1:
            step = statistics.median(b[0] - a[0] for a, b in zip(p, p[1:]))
            rate = 1.0 / step
            if not _rate_ok(rate):
                if _rate_ok(rate * 1000):
                    raise PostureError(
                        f"{self.path}: {where}: t_s steps by about {step:g} per sample, which "
                        f"looks like milliseconds ({rate * 1000:.0f} Hz); t_s must be seconds: "
                        f"divide the column by 1000")
                raise PostureError(
                    f"{self.path}: {where}: the sample rate is {rate:.3g} Hz; recordings must be "
                    f"{MIN_RATE_HZ:g} to {MAX_RATE_HZ:g} Hz")
        mag = statistics.median(math.sqrt(s[1] ** 2 + s[2] ** 2 + s[3] ** 2) for s in p)
        if self.units is None and G_RANGE[0] <= mag <= G_RANGE[1]:
            raise PostureError(
                f"{self.path}: {where}: the acceleration is about {mag:.2f} at rest, which is g, "
                f"not m/s² (about 9.8); replay with --units g")
        lo, hi = MS2_RANGE
        if not lo <= mag <= hi:
            raise PostureError(
                f"{self.path}: {where}: the acceleration is about {mag:.3g} "
                f"{'g' if self.units == 'g' else 'm/s²'} at rest; a worn sensor shows about 1 g "
                f"(9.8 m/s²): this is not a recording of the clip's sensor"
                f"{' (all zero?)' if mag == 0 else ''}")

    def __iter__(self) -> Iterator[Sample]:
        try:
            first = True
            for stream in (self._probe, self._rows):
                for s in stream:
                    if first:
                        self.first_t = s[0]
                        first = False
                    self.last_t = s[0]
                    self.samples += 1
                    yield s
        finally:
            self._file.close()
        self._probe = []
        if self.samples > 1 and not _rate_ok(self.rate_hz):
            raise PostureError(
                f"{self.path}: the sample rate is {self.rate_hz:.1f} Hz over the whole file "
                f"(gaps?); recordings must be {MIN_RATE_HZ:g} to {MAX_RATE_HZ:g} Hz")

    def close(self) -> None:
        self._file.close()

    @property
    def duration_s(self) -> float:
        return self.last_t - self.first_t

    @property
    def rate_hz(self) -> float:
        d = self.duration_s
        return (self.samples - 1) / d if d > 0 else 0.0


class Recording:
    """A whole recording in memory, as compact float arrays (tests and benchmarks)."""

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

    def __iter__(self) -> Iterator[Sample]:
        return zip(self.t, self.ax, self.ay, self.az, self.gx, self.gy, self.gz)

    @property
    def duration_s(self) -> float:
        return self.t[-1] - self.t[0] if len(self.t) > 1 else 0.0

    @property
    def rate_hz(self) -> float:
        d = self.duration_s
        return (len(self.t) - 1) / d if d > 0 else 0.0


def read_recording(path: str | Path, units: str | None = None) -> Recording:
    """The whole file in memory (checked as RecordingStream checks it)."""
    stream = RecordingStream(path, units)
    rec = Recording(Path(path))
    cols = (rec.t, rec.ax, rec.ay, rec.az, rec.gx, rec.gy, rec.gz)
    appends = [c.append for c in cols]
    for s in stream:
        for add, v in zip(appends, s):
            add(v)
    return rec


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
