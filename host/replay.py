"""Run a recording through the firmware's own Monitor and detector.

The recording's clock becomes ticks (wrapping at 2**29 like the board's), so
replay exercises the same wrap-safe arithmetic as the device.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Iterable

from firmware import events as ev
from firmware.detector import PostureDetector
from firmware.haptics import NullMotor, Player
from firmware.monitor import Monitor
from firmware.settings import Settings
from firmware.ticks import TICKS_PERIOD, ticks_diff
from host.recording import Sample

Event = tuple[int, str, int, int]
Minute = tuple[int, ...]


class ReplayResult:
    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.minutes: list[tuple[float, Minute]] = []
        self.samples = 0
        self.duration_s = 0.0
        self.calibrated = False     # the detector calibrated at least once
        self.tried = False          # ... or reported why it could not


def replay(rec: Iterable[Sample], settings: Settings, calibrate_at_s: float | None = None,
           ticks_start: int = 0,
           on_event: Callable[[dict[str, Any]], None] | None = None) -> ReplayResult:
    """Feed every sample (t, ax, ay, az, gx, gy, gz); event times are seconds from the first.

    `rec` is any iterable of samples: a RecordingStream reads the file as it goes, so memory
    does not grow with the recording.
    """
    if calibrate_at_s is not None and not (math.isfinite(calibrate_at_s) and calibrate_at_s >= 0):
        raise ValueError("the calibration time must be a finite number of seconds, 0 or more")
    result = ReplayResult()
    row_ms = 0
    row_ticks = 0

    def record(event: Event) -> None:
        d = ev.describe(event)
        del d["t_ms"]
        out = {"t": round((row_ms + ticks_diff(event[0], row_ticks)) / 1000, 3)}
        out.update(d)
        if out["event"] == ev.CALIBRATED:
            result.calibrated = True
        elif out["event"] == ev.CALIBRATION_FAILED:
            result.tried = True
        result.events.append(out)
        if on_event is not None:
            on_event(out)

    def minute(summary: Minute) -> None:
        result.minutes.append(((row_ms + ticks_diff(summary[0], row_ticks)) / 1000, summary))

    detector = PostureDetector(settings, on_minute=minute, calibrate_now=calibrate_at_s is None)
    monitor = Monitor(detector, Player(NullMotor(), settings.haptic_strength), on_event=record)
    process = monitor.process
    mask = TICKS_PERIOD - 1
    cal_due = calibrate_at_s is not None
    t0 = None
    n = 0
    ts = 0.0
    for t, ax, ay, az, gx, gy, gz in rec:
        if t0 is None:
            t0 = t
        ts = t - t0
        row_ms = int(ts * 1000 + 0.5)
        row_ticks = (ticks_start + row_ms) & mask
        if cal_due and ts >= calibrate_at_s:  # type: ignore[operator]
            cal_due = False
            detector.request_calibration()
        process(row_ticks, ax, ay, az, gx, gy, gz)
        n += 1
    result.samples = n
    result.duration_s = ts
    result.calibrated = result.calibrated or detector.calibrated
    return result
