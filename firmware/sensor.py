"""Adapter around the real adafruit_lsm6ds driver: configure for low current, read, recover."""

# (The module's notes are comments, not its docstring: MicroPython keeps a docstring in RAM.)
# Data rate: 26 Hz for both sensors. Posture changes over seconds and steps are
# near 2 Hz, so 26 Hz resolves both with room to spare, while the accelerometer
# in low-power mode draws about 26 uA there (0.55 mA for both sensors in high
# performance at the driver's default 104 Hz). The gyro is the expensive part:
# the monitor switches it off while the wearer sits still (`set_gyro(False)`),
# and the tilt filter falls back to the accelerometer alone.
#
# `read()` never raises: an I2C error returns None and is counted; after a run
# of failures (the sensor vanished, a cable came loose) the driver is rebuilt
# at most once a second until it answers again. Supervision: see below.

from micropython import const

from firmware import events as ev
from firmware.ticks import ticks_diff

# Supervision. A chip can stop giving real data without one failed transaction:
# a brown-out or a short dropout (a loose STEMMA QT cable also cuts its supply)
# brings it back at its power-on defaults, sensors off, every output 0; an output
# can freeze or read nonsense. `read()` classifies every sample with one
# run counter (no allocation) and reads CTRL1_XL back through the driver's
# i2c_device (one preallocated buffer) every _CHECK_EVERY reads, about once a
# second. A real accelerometer never reads exactly (0, 0, 0) (gravity and noise),
# never repeats all three axes for 300 ms, eight output periods (its noise is
# several LSB even at the widest range), and human motion never keeps |a| outside 0.7-1.3 g for
# 1.5 s (steps swing it across g twice a second; only an 11 m fall would). So a
# run of _ZERO_AFTER all-zero samples, of _ODD_MS with |a| outside 0.7-1.3 g or
# of _STUCK_MS of identical ones, or CTRL1_XL not as written, is a fault: CTRL1_XL is
# read (`fault_detail`); found at another value the cause is FAULT_RESET (a reset
# explains zeros and odd data), else the run's kind. `fault` holds the cause
# (events.FAULT_*), `faults` counts faults, and the driver is rebuilt and
# configured again (while the fault lasts: after 1, 2, 4, then every 8 s). Zero
# samples and, after a fault, every sample until _GOOD_AFTER good ones in a row,
# are withheld (None): the detector never calibrates on them. Then `fault` goes
# back to 0.

_CTRL1_XL = const(0x10)    # accelerometer ODR and full scale: 0 after a reset (power-down)
_CTRL6_C = const(0x15)     # bit 4 XL_HM_MODE: 1 = accelerometer high-performance off (low power)
_CTRL7_G = const(0x16)     # bit 7 G_HM_MODE: 1 = gyro high-performance off (low power)
_RATE_CODE_26HZ = const(2)  # adafruit_lsm6ds Rate.RATE_26_HZ
_RATE_CODE_OFF = const(0)   # Rate.RATE_SHUTDOWN
RATE_HZ = const(26)
REINIT_AFTER = const(5)    # consecutive failures before the driver is rebuilt
_REINIT_EVERY_MS = const(1000)
_CHECK_EVERY = const(26)   # reads between CTRL1_XL read-backs (about 1 s at 26 Hz)
_ZERO_AFTER = const(4)     # all-zero samples in a row: a fault (about 150 ms)
_ODD_MS = const(1500)      # |a| outside 0.7-1.3 g in every sample this long
_STUCK_MS = const(300)     # identical samples this long: a frozen output (8 output periods)
_GOOD_AFTER = const(13)    # good samples in a row after a fault before data flows again (0.5 s)


class ImuSensor:
    """`make_driver()` returns a configured-or-not driver object (it may raise)."""

    def __init__(self, make_driver, clock):
        self._make = make_driver
        self._clock = clock
        self._drv = None
        self.failures = 0          # consecutive failed reads
        self.total_errors = 0
        self.last_errno = 0
        self.gyro_on = True
        self._last_try = None
        self._buf = bytearray(2)   # register reads and writes: allocated once
        self._dev = None           # the driver's i2c_device, for the CTRL1_XL read-back
        self._ctrl1 = -1           # CTRL1_XL as configured (-1: no read-back possible)
        self.fault = 0             # events.FAULT_* of the fault not yet recovered from, or 0
        self.fault_detail = 0      # CTRL1_XL as read when the fault was found (-1 unknown)
        self.faults = 0            # faults found since start (each one rebuilt the driver)
        self._run = 0              # kind (FAULT_*, 0 good) of the current run of samples
        self._run_n = 0            # its length
        self._run_t = 0            # when it began (ticks ms; frozen and odd runs only)
        self._check_n = 0
        self._tries = 0            # rebuilds in this fault after the first (sets the back-off)
        self._rebuild = False      # a fault was found: rebuild the driver on the next read
        self._last = None          # the last acceleration tuple read
        self.connect()

    @property
    def connected(self):
        return self._drv is not None

    def connect(self):
        """Build and configure the driver. Returns True on success."""
        self._last_try = self._clock.ticks_ms()
        try:
            drv = self._make()
            self._configure(drv)
        except (OSError, RuntimeError, ValueError) as exc:
            self._drv = None
            self.last_errno = exc.args[0] if exc.args and isinstance(exc.args[0], int) else 0
            return False
        self._drv = drv
        self.failures = self._run = self._run_n = self._check_n = 0
        return True

    def _configure(self, drv):
        drv.accelerometer_data_rate = _RATE_CODE_26HZ
        drv.gyro_data_rate = _RATE_CODE_26HZ if self.gyro_on else _RATE_CODE_OFF
        dev = self._dev = getattr(drv, "i2c_device", None)
        self._ctrl1 = -1
        if dev is not None:
            buf = self._buf
            # low-power modes for both sensors (datasheet: CTRL6_C XL_HM_MODE, CTRL7_G G_HM_MODE)
            for reg, bit in ((_CTRL6_C, 0x10), (_CTRL7_G, 0x80)):
                buf[0] = reg
                with dev as bus:
                    bus.write_then_readinto(buf, buf, out_end=1, in_start=1)
                buf[1] |= bit
                with dev as bus:
                    bus.write(buf)
            self._ctrl1 = self._reg(_CTRL1_XL)

    def _reg(self, reg):
        # one register as the chip has it now (may raise OSError)
        buf = self._buf
        buf[0] = reg
        with self._dev as bus:  # type: ignore[union-attr]  # set whenever _ctrl1 >= 0
            bus.write_then_readinto(buf, buf, out_end=1, in_start=1)
        return buf[1]

    def set_gyro(self, on):
        """Switch the gyro on or off (it costs most of the IMU's current)."""
        if on == self.gyro_on:
            return
        self.gyro_on = on
        if self._drv is not None:
            try:
                self._drv.gyro_data_rate = _RATE_CODE_26HZ if on else _RATE_CODE_OFF
            except OSError:
                self._fail(None)

    def read(self):
        drv = self._drv
        if self._rebuild:
            self._rebuild = False
            self.connect()
            return None
        if drv is None:
            if ticks_diff(self._clock.ticks_ms(), self._last_try) >= _REINIT_EVERY_MS:
                self.connect()
            return None
        try:
            acc = drv.acceleration
            if self.gyro_on:
                gx, gy, gz = drv.gyro
            else:
                gx = gy = gz = 0.0
            self._check_n += 1
            if self._check_n >= _CHECK_EVERY and self._ctrl1 >= 0:
                self._check_n = 0
                if self._reg(_CTRL1_XL) != self._ctrl1:
                    return self._found(ev.FAULT_RESET)
        except OSError as exc:
            self._fail(exc)
            return None
        self.failures = 0
        ax, ay, az = acc
        if ax == 0.0 and ay == 0.0 and az == 0.0:
            kind = ev.FAULT_ZERO
        elif not 47.1 < ax * ax + ay * ay + az * az < 162.5:   # (0.7 g)^2, (1.3 g)^2 in (m/s^2)^2
            kind = ev.FAULT_IMPLAUSIBLE
        elif acc == self._last:     # the driver's own tuple, kept: no allocation
            kind = ev.FAULT_STUCK
        else:
            kind = 0
        self._last = acc
        # one counter: the length of the current run of samples of one kind (0: good ones)
        n = self._run_n + 1 if kind == self._run else 1
        self._run = kind
        self._run_n = n
        if kind:
            if kind == ev.FAULT_ZERO:
                if n >= _ZERO_AFTER:
                    return self._found(kind)
            else:
                # frozen and odd runs are timed, not counted: a loop catching up after a long
                # block reads the same sample many times within a few ms
                now = self._clock.ticks_ms()
                if n == 1:
                    self._run_t = now
                elif ticks_diff(now, self._run_t) >= (_ODD_MS if kind == ev.FAULT_IMPLAUSIBLE
                                                      else _STUCK_MS):
                    return self._found(kind)
            if kind == ev.FAULT_ZERO or self.fault:
                return None
        elif self.fault:
            if n < _GOOD_AFTER:   # after a fault, data flows again once it has looked real a while
                return None
            self.fault = 0
        return (ax, ay, az, gx, gy, gz)

    def _found(self, kind):
        # a fault: note it (once until recovered) and rebuild the driver; returns None
        if self.fault and ticks_diff(self._clock.ticks_ms(), self._last_try) < _REINIT_EVERY_MS << self._tries:
            # already noted and rebuilt lately: again after 1, 2, 4, then every 8 s (a rebuild
            # blocks the loop about 0.4 s: the driver waits 0.2 s for each range to settle)
            return None
        reg = -1
        if self._ctrl1 >= 0:
            try:
                reg = self._reg(_CTRL1_XL)
            except OSError as exc:
                self._fail(exc)
                return None
            if reg != self._ctrl1:
                kind = ev.FAULT_RESET
        if not self.fault:
            self.fault = kind
            self.fault_detail = reg
            self.faults += 1
            self._tries = 0
        elif self._tries < 3:
            self._tries += 1
        self._rebuild = True   # by the next read, so the monitor reports first (a rebuild blocks 0.4 s)
        return None

    def _fail(self, exc):
        self.failures += 1
        self.total_errors += 1
        if exc is not None and exc.args and isinstance(exc.args[0], int):
            self.last_errno = exc.args[0]
        if self.failures >= REINIT_AFTER:
            self._drv = None
            self._last_try = self._clock.ticks_ms()
