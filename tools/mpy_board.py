"""A minimal board for running the firmware with the real adafruit_lsm6ds driver
under MicroPython (and CPython): a clock, a `time` stand-in, and an I2C bus with
an LSM6DS register file whose output registers are loaded from recorded samples.

Runs unchanged on MicroPython (no typing, no dataclasses). The register file
keeps a mode log for the power model: milliseconds spent per (accelerometer
ODR code, accelerometer low-power bit, gyro ODR code, gyro low-power bit).
"""

import math
import struct

from micropython import const

_WHO_AM_I = const(0x0F)
_CTRL1_XL = const(0x10)
_CTRL2_G = const(0x11)
_CTRL3_C = const(0x12)
_CTRL6_C = const(0x15)
_CTRL7_G = const(0x16)
_OUTX_L_G = const(0x22)
_OUTX_L_A = const(0x28)
_TICKS_MASK = const((1 << 29) - 1)

# FS_XL field -> mg/LSB, FS_G field -> mdps/LSB (datasheet sensitivity tables)
_XL_SENS = (0.061, 0.488, 0.122, 0.244)
_G_SENS = (8.75, 17.5, 35.0, 70.0)
_MG = 0.00980665


class Clock:
    """ticks_ms()/sleep_ms(ms) as the Monitor wants; time moves only when told (or slept)."""

    def __init__(self, start_ticks=0):
        self.elapsed_ms = 0
        self.start = start_ticks
        self.slept_ms = 0

    def ticks_ms(self):
        return (self.start + self.elapsed_ms) & _TICKS_MASK

    def set_ticks(self, ticks):
        """Move on to `ticks` (ticks already passed, e.g. while a driver slept, leave time alone)."""
        ahead = (ticks - self.ticks_ms()) & _TICKS_MASK
        if ahead < (1 << 28):
            self.elapsed_ms += ahead

    def sleep_ms(self, ms):
        if ms > 0:
            self.elapsed_ms += ms
            self.slept_ms += ms


class TimeModule:
    """Stands in for `time` (drivers sleep while configuring): sleeps on the Clock only."""

    def __init__(self, clock):
        self._clock = clock

    def sleep(self, seconds):
        self._clock.sleep_ms(int(seconds * 1000 + 0.5))

    def monotonic(self):
        return self._clock.elapsed_ms / 1000

    def monotonic_ns(self):
        return self._clock.elapsed_ms * 1000000


class LSM6DSRegisters:
    """The register file of one LSM6DS chip (auto-increment addressing, SW_RESET)."""

    def __init__(self, clock, chip_id=0x6C):
        self.clock = clock
        self.chip_id = chip_id
        self.regs = bytearray(128)
        self.pointer = 0
        self.mode_ms = {}
        self._mode = None
        self._mode_since = clock.elapsed_ms
        self._defaults()

    def _defaults(self):
        regs = self.regs
        for i in range(128):
            regs[i] = 0
        regs[_WHO_AM_I] = self.chip_id
        regs[_CTRL3_C] = 0x04
        self._mode_changed()

    def mode(self):
        r = self.regs
        return (r[_CTRL1_XL] >> 4, 1 if r[_CTRL6_C] & 0x10 else 0, r[_CTRL2_G] >> 4, 1 if r[_CTRL7_G] & 0x80 else 0)

    def _mode_changed(self):
        mode = self.mode()
        if mode != self._mode:
            self.flush_modes()
            self._mode = mode

    def flush_modes(self):
        now = self.clock.elapsed_ms
        if self._mode is not None and now > self._mode_since:
            self.mode_ms[self._mode] = self.mode_ms.get(self._mode, 0) + now - self._mode_since
        self._mode_since = now

    def write(self, buf, start, end):
        if end <= start:
            return
        reg = buf[start] & 0x7F
        for i in range(start + 1, end):
            self.regs[reg] = buf[i]
            if reg == _CTRL3_C and buf[i] & 0x01:
                self._defaults()
            reg = (reg + 1) & 0x7F
        self.pointer = reg if end > start + 1 else buf[start] & 0x7F
        self._mode_changed()

    def read(self, buf, start, end):
        reg = self.pointer
        for i in range(start, end):
            buf[i] = self.regs[reg]
            reg = (reg + 1) & 0x7F
        self.pointer = reg

    def load(self, ax, ay, az, gx, gy, gz):
        """Put one sample (m/s^2, rad/s) in the output registers at the configured full scales."""
        r = self.regs
        if r[_CTRL1_XL] >> 4:
            k = 1.0 / (_XL_SENS[(r[_CTRL1_XL] >> 2) & 3] * _MG)
            struct.pack_into("<hhh", r, _OUTX_L_A, _raw(ax * k), _raw(ay * k), _raw(az * k))
        else:
            struct.pack_into("<hhh", r, _OUTX_L_A, 0, 0, 0)
        if r[_CTRL2_G] >> 4:
            sens = 4.375 if r[_CTRL2_G] & 0x02 else _G_SENS[(r[_CTRL2_G] >> 2) & 3]
            k = 180000.0 / math.pi / sens
            struct.pack_into("<hhh", r, _OUTX_L_G, _raw(gx * k), _raw(gy * k), _raw(gz * k))
        else:
            struct.pack_into("<hhh", r, _OUTX_L_G, 0, 0, 0)


def _raw(x):
    v = int(x + 0.5) if x >= 0 else -int(-x + 0.5)
    return 32767 if v > 32767 else (-32768 if v < -32768 else v)


class FakeI2C:
    """busio.I2C's methods, answering at one address with an LSM6DSRegisters."""

    def __init__(self, chip, address=0x6A):
        self.chip = chip
        self.address = address
        self.transactions = 0
        self.bytes = 0   # bytes on the wire, address bytes included (for the I2C time)

    def try_lock(self):
        return True

    def unlock(self):
        pass

    def _check(self, address):
        if address != self.address:
            raise OSError(19)
        self.transactions += 1

    def writeto(self, address, buf, *, start=0, end=None):
        self._check(address)
        end = len(buf) if end is None else end
        self.bytes += 1 + end - start
        self.chip.write(buf, start, end)

    def readfrom_into(self, address, buf, *, start=0, end=None):
        self._check(address)
        end = len(buf) if end is None else end
        self.bytes += 1 + end - start
        self.chip.read(buf, start, end)

    def writeto_then_readfrom(self, address, out_buf, in_buf, *, out_start=0, out_end=None,
                              in_start=0, in_end=None):
        self._check(address)
        out_end = len(out_buf) if out_end is None else out_end
        in_end = len(in_buf) if in_end is None else in_end
        self.bytes += 2 + out_end - out_start + in_end - in_start
        self.chip.write(out_buf, out_start, out_end)
        self.chip.read(in_buf, in_start, in_end)

    def scan(self):
        return [self.address]


class CountingMotor:
    """A motor backend that integrates its duty: on_ms and level-weighted duty_ms (0..255 = off..full)."""

    def __init__(self, clock):
        self.clock = clock
        self.level = 0
        self.since = 0
        self.on_ms = 0
        self.duty_ms = 0.0
        self.starts = 0

    def set(self, level):
        now = self.clock.elapsed_ms
        if self.level:
            span = now - self.since
            self.on_ms += span
            self.duty_ms += span * self.level / 255
        elif level:
            self.starts += 1
        self.level = level
        self.since = now
