"""Monitor.run(), the board's main loop, under MicroPython: paced by the clock, across the
ticks wrap, with the real driver; the same as under CPython.

The IMU lies still and upright (no breathing), so the detector calibrates, powers the
gyro down, and after half a minute without motion reports the clip off the body.
"""

import subprocess
import sys

from mpy_budget import TOOLS, driver_copies
from mpyrun import ROOT, run_mpy

LOOP = """
import sys
import mpy_board
clock = mpy_board.Clock((1 << 29) - 20000)          # wraps 20 s in
sys.modules['time'] = mpy_board.TimeModule(clock)
from adafruit_lsm6ds.lsm6dsox import LSM6DSOX
from firmware.detector import PostureDetector
from firmware.haptics import Player
from firmware.monitor import Monitor
from firmware.sensor import ImuSensor
from firmware.settings import Settings

chip = mpy_board.LSM6DSRegisters(clock)
i2c = mpy_board.FakeI2C(chip)
sensor = ImuSensor(lambda: LSM6DSOX(i2c, 0x6A), clock)
settings = Settings()
events = []
mon = Monitor(PostureDetector(settings), Player(mpy_board.CountingMotor(clock), settings.haptic_strength),
              sensor=sensor, clock=clock, on_event=events.append)
start = clock.elapsed_ms
slept0 = clock.slept_ms
for i in range(26 * 60):
    # worn face out, upright, still; a real chip's noise moves the lowest bits from sample to
    # sample (a reading identical for a second is a frozen sensor: firmware/sensor.py)
    chip.load(0.0, -9.80665 + (i % 3) * 0.002, 0.0, 0.0, 0.0, 0.0)
    mon.run(steps=1)
chip.flush_modes()
print('ran', clock.elapsed_ms - start, 'slept', clock.slept_ms - slept0, 'ticks', clock.ticks_ms())
for e in events:
    print('event', e[0], e[1], e[2], e[3])
for mode in sorted(chip.mode_ms):
    print('mode', mode[0], mode[1], mode[2], mode[3], chip.mode_ms[mode])
"""


def _cpython():
    code = "import sys\nsys.path.insert(0, %r)\n" % str(TOOLS) + LOOP
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT / "tools")
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.splitlines()


def test_main_loop_runs_paced_and_the_same_under_micropython():
    # one long call: this port collects only between calls, so the heap may grow here
    # (the heap budget is checked in test_mpy_budget.py, which runs in chunks)
    mpy = run_mpy(LOOP, copies=["firmware", TOOLS / "mpy_board.py", *driver_copies()],
                  grow_heap=True).splitlines()
    assert mpy == _cpython()
    ran = mpy[0].split()
    period = 1000 // 26
    assert int(ran[1]) == 26 * 60 * period            # one step per period, no drift
    assert int(ran[3]) == int(ran[1])                  # all of it asleep: steps take no simulated time
    assert int(ran[5]) < 60_000                        # the ticks wrapped
    kinds = [line.split()[2] for line in mpy if line.startswith("event ")]
    assert kinds[0] == "calibrated" and "activity" in kinds
    gyro_off = [line for line in mpy if line.startswith("mode ") and line.split()[3] == "0"
                and line.split()[1] == "2"]
    assert gyro_off, mpy                               # the gyro was powered down while still
