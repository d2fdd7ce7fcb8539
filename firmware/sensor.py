"""Adapter around the real adafruit_lsm6ds driver: configure for low current, read, recover.

Data rate: 26 Hz for both sensors. Posture changes over seconds and steps are
near 2 Hz, so 26 Hz resolves both with room to spare, while the accelerometer
in low-power mode draws about 26 uA there (0.55 mA for both sensors in high
performance at the driver's default 104 Hz). The gyro is the expensive part:
the monitor switches it off while the wearer sits still (`set_gyro(False)`),
and the tilt filter falls back to the accelerometer alone.

`read()` never raises: an I2C error returns None and is counted; after a run
of failures (the sensor vanished, a cable came loose) the driver is rebuilt
at most once a second until it answers again.
"""

from micropython import const

from firmware.ticks import ticks_diff

_CTRL6_C = const(0x15)     # bit 4 XL_HM_MODE: 1 = accelerometer high-performance off (low power)
_CTRL7_G = const(0x16)     # bit 7 G_HM_MODE: 1 = gyro high-performance off (low power)
_RATE_CODE_26HZ = const(2)  # adafruit_lsm6ds Rate.RATE_26_HZ
_RATE_CODE_OFF = const(0)   # Rate.RATE_SHUTDOWN
RATE_HZ = const(26)
REINIT_AFTER = const(5)    # consecutive failures before the driver is rebuilt
_REINIT_EVERY_MS = const(1000)


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
        self.failures = 0
        return True

    def _configure(self, drv):
        drv.accelerometer_data_rate = _RATE_CODE_26HZ
        drv.gyro_data_rate = _RATE_CODE_26HZ if self.gyro_on else _RATE_CODE_OFF
        dev = getattr(drv, "i2c_device", None)
        if dev is not None:
            buf = bytearray(2)
            # low-power modes for both sensors (datasheet: CTRL6_C XL_HM_MODE, CTRL7_G G_HM_MODE)
            for reg, bit in ((_CTRL6_C, 0x10), (_CTRL7_G, 0x80)):
                buf[0] = reg
                with dev as bus:
                    bus.write_then_readinto(buf, buf, out_end=1, in_start=1)
                buf[1] |= bit
                with dev as bus:
                    bus.write(buf)

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
        if drv is None:
            if ticks_diff(self._clock.ticks_ms(), self._last_try) >= _REINIT_EVERY_MS:
                self.connect()
            return None
        try:
            ax, ay, az = drv.acceleration
            if self.gyro_on:
                gx, gy, gz = drv.gyro
            else:
                gx = gy = gz = 0.0
        except OSError as exc:
            self._fail(exc)
            return None
        self.failures = 0
        return (ax, ay, az, gx, gy, gz)

    def _fail(self, exc):
        self.failures += 1
        self.total_errors += 1
        if exc is not None and exc.args and isinstance(exc.args[0], int):
            self.last_errno = exc.args[0]
        if self.failures >= REINIT_AFTER:
            self._drv = None
            self._last_try = self._clock.ticks_ms()
