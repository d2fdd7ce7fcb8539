"""Runs a binary sample file through the firmware's Monitor and reports what happened.

The same file runs under MicroPython (copied into its filesystem) and CPython, so
the two tiers are compared on identical code and identical input. A sample file
is records of "<Iffffff": ticks_ms, then ax, ay, az (m/s^2) and gx, gy, gz
(rad/s) as float32, which both runtimes decode to the same values.

`run(path, emit)` (or `Replay`, chunk by chunk) calls emit(line) once per event
("E t kind a b") and per minute summary ("M t worn upright slouch moving lying
mean peak alerts"). Optional hooks: `wrap(x)` applied to each input value and
`after(detector)` after each sample.
"""

import struct

from firmware.detector import PostureDetector
from firmware.haptics import NullMotor, Player
from firmware.monitor import Monitor
from firmware.settings import Settings

RECORD = "<Iffffff"
RECORD_SIZE = 28


def build(emit):
    settings = Settings()

    def on_minute(m):
        emit("M " + " ".join([str(v) for v in m]))

    def on_event(e):
        emit("E %d %s %d %d" % (e[0], e[1], e[2], e[3]))

    det = PostureDetector(settings, on_minute=on_minute)
    mon = Monitor(det, Player(NullMotor(), settings.haptic_strength), on_event=on_event)
    return det, mon


class Replay:
    """Feeds a sample file to the Monitor a chunk at a time (MicroPython's wasm port
    collects garbage only between top-level calls, so long runs come back in chunks)."""

    def __init__(self, path, emit, wrap=None, after=None):
        self.det, self.mon = build(emit)
        self.wrap = wrap
        self.after = after
        self.buf = bytearray(RECORD_SIZE)
        self.f = open(path, "rb")
        self.count = 0
        self.last_t = 0

    def chunk(self, limit):
        """Process up to `limit` samples; returns how many (0 at the end of the file)."""
        buf, f, mon, det, wrap, after = self.buf, self.f, self.mon, self.det, self.wrap, self.after
        done = 0
        while done < limit and f.readinto(buf) == RECORD_SIZE:
            t, ax, ay, az, gx, gy, gz = struct.unpack_from(RECORD, buf, 0)
            if wrap is not None:
                ax, ay, az, gx, gy, gz = wrap(ax), wrap(ay), wrap(az), wrap(gx), wrap(gy), wrap(gz)
            mon.process(t, ax, ay, az, gx, gy, gz)
            if after is not None:
                after(det)
            done += 1
        self.count += done
        if done == 0:
            self.f.close()
        return done


def run(path, emit, wrap=None, after=None):
    """The whole file in one go; returns the sample count."""
    replay = Replay(path, emit, wrap, after)
    while replay.chunk(1 << 30):
        pass
    return replay.count
