"""A register-level LSM6DS emulator on the simulated I2C bus.

It answers the real adafruit_lsm6ds driver byte for byte: a 128-byte register
file with datasheet defaults, WHO_AM_I per variant, the register pointer with
auto-increment (CTRL3_C IF_INC), SW_RESET, the accelerometer and gyroscope ODR
and full-scale fields, and output registers in the chip's own format (16-bit
little-endian two's complement at the configured sensitivity, saturating).

Output data follow the configured ODR: sample k of a sensor switched on at t0
is taken from the motion source at t0 + (k+1)/ODR and held until the next one
(STATUS_REG XLDA/GDA/TDA say a new sample waits; reading the outputs clears
them). A sensor in power-down reads 0. Outputs change only between I2C
transactions, so a multi-byte read is always coherent (what BDU guarantees);
split single-byte reads across a sample boundary can mix samples, as without BDU.

The motion source is any object with `at(t_ms) -> (ax, ay, az, gx, gy, gz)`
(m/s² and rad/s in the sensor frame); t_ms is the clock's elapsed ms.

Faults (the chaos tier drives these with random schedules; each one is also counted):
- `fail_next(n, errno=5)` fails the next n transactions with OSError (calls add up);
- `vanish()` takes the chip off the bus (NACK, OSError 19) and `reappear()`
  brings it back powered up anew, at its register defaults;
- `reset(nack_ms=0)`: the chip resets (a brown-out of its own supply): registers at their
  power-on defaults, sensors off, every output 0. With nack_ms=0 no transaction fails, so
  the host is told nothing; with nack_ms it first does not answer for that long (booting);
- `output_fault("frozen" | "zero" | "gain", gain=..., persist=False)`: the outputs stop
  updating, read all zero with the configuration intact, or the accelerometer reads
  `gain` times the truth. A software reset (what a driver rebuild does) or a power-on
  clears it unless `persist` (a damaged chip); `clear_output_fault()` ends it.
  (For the chip vanishing from the bus for N ms, see SimI2CBus.dropout.)

Wake-up interrupt (what the clip arms before a deep sleep; firmware/sleep.py): WAKE_UP_THS
(0x5B, WK_THS 5:0, 1 LSB = full scale / 64), WAKE_UP_DUR (0x5C, WAKE_DUR 6:5), MD1_CFG (0x5E,
INT1_WU bit 5), the enable bit (0x58 bit 7 INTERRUPTS_ENABLE on the LSM6DSOX, ISM330DHCX and
LSM6DS3TR-C; the LSM6DS33 has none) and the latch (LIR: 0x56 bit 0 on the LSM6DSOX and
ISM330DHCX, 0x58 bit 0 on the others). While armed the chip runs the slope filter on every
accelerometer sample, on its own clock (no I2C traffic needed): slope = (a(tn) - a(tn-1)) / 2
per axis; a wake-up event is an axis above the threshold for more than WAKE_DUR samples in
a row. WAKE_UP_SRC (0x1B) shows WU_IA (bit 3) and the axes; a latched event holds until
WAKE_UP_SRC is read. `int1()` is the INT1 line (host/sim/device.py drives a board pin with it).

Timestamp counter (what the clip uses to carry wall time across a deep sleep; firmware/sleep.py):
on the LSM6DSOX and ISM330DHCX a 32-bit count at 0x40-0x43 (TIMESTAMP0..3), 25 us per LSB; on
the LSM6DS3TR-C a 24-bit count at 0x40-0x42, 6.4 ms per LSB (25 us with WAKE_UP_DUR bit 4
TIMER_HR); both wrap after 2**32 * 25 us = 2**24 * 6.4 ms = 29.8 h. It counts only while
CTRL10_C bit 5 (TIMESTAMP_EN / TIMER_EN) is set, on the chip's own clock (no I2C traffic
needed); writing 0xAA to 0x42 sets it to 0. A power-on or a software reset clears the enable
bit and the count (control registers to their defaults). `timestamp_error` is the chip's
oscillator error (0.001: counts 0.1 % fast). The LSM6DS33's timer is not modelled (reads 0):
the clip does not use it.

For the power model: `time_in_modes()` gives ms spent per (sensor, ODR Hz, mode),
where mode is "power-down", "high-performance", "normal", "low-power" or "sleep"
(from ODR, CTRL6_C XL_HM_MODE, CTRL7_G G_HM_MODE and CTRL4_C SLEEP_G);
`mode_timeline` lists (t_ms, sensor, odr_hz, mode) at every change.
"""

from __future__ import annotations

import errno as _errno
import math
from typing import Any, Protocol

WHO_AM_I_VALUES = {"LSM6DSOX": 0x6C, "LSM6DS3TRC": 0x6A, "LSM6DS33": 0x69, "ISM330DHCX": 0x6B}

FUNC_CFG_ACCESS = 0x01
WHO_AM_I = 0x0F
CTRL1_XL = 0x10
CTRL2_G = 0x11
CTRL3_C = 0x12
CTRL4_C = 0x13
CTRL6_C = 0x15
CTRL7_G = 0x16
CTRL9_XL = 0x18
CTRL10_C = 0x19
STATUS_REG = 0x1E
WAKE_UP_SRC = 0x1B
TAP_CFG0 = 0x56
TAP_CFG = 0x58
WAKE_UP_THS = 0x5B
WAKE_UP_DUR = 0x5C
MD1_CFG = 0x5E
TIMESTAMP0 = 0x40
TIMESTAMP2 = 0x42
_TS_BITS = {"LSM6DSOX": 32, "ISM330DHCX": 32, "LSM6DS3TRC": 24}
_WAKE_REGS = (CTRL1_XL, TAP_CFG0, TAP_CFG, WAKE_UP_THS, WAKE_UP_DUR, MD1_CFG)
_FS_G = {0: 2.0, 1: 16.0, 2: 4.0, 3: 8.0}
OUT_TEMP_L = 0x20
OUTX_L_G = 0x22
OUTX_L_A = 0x28

_XLDA, _GDA, _TDA = 0x01, 0x02, 0x04
_G = 9.80665  # the driver's mg -> m/s² factor is 0.00980665

# ODR field -> rate in mHz (integer, so sample times are exact); code 11 is 1.6 Hz in
# low-power mode and 12.5 Hz in high-performance mode.
_ODR_MHZ = {0: 0, 1: 12_500, 2: 26_000, 3: 52_000, 4: 104_000, 5: 208_000, 6: 416_000,
            7: 833_000, 8: 1_666_000, 9: 3_332_000, 10: 6_664_000, 11: 1_600}
# FS_XL field -> mg/LSB; FS_G -> mdps/LSB
_XL_SENS = {0: 0.061, 1: 0.488, 2: 0.122, 3: 0.244}
_G_SENS = {0: 8.75, 1: 17.5, 2: 35.0, 3: 70.0}
_READ_ONLY = set(range(0x1A, 0x1F)) | set(range(0x20, 0x2E)) | set(range(0x35, 0x4D)) | {WHO_AM_I}


class MotionSource(Protocol):
    def at(self, t_ms: int) -> tuple[float, float, float, float, float, float]: ...


def _defaults(variant: str) -> bytearray:
    regs = bytearray(128)
    regs[WHO_AM_I] = WHO_AM_I_VALUES[variant]
    regs[CTRL3_C] = 0x04  # IF_INC
    if variant == "LSM6DS33":
        regs[CTRL9_XL] = 0x38  # Zen_XL, Yen_XL, Xen_XL
        regs[CTRL10_C] = 0x38  # Zen_G, Yen_G, Xen_G
    else:
        regs[CTRL9_XL] = 0xE0  # DEN_X, DEN_Y, DEN_Z
    return regs


def _raw16(value: float, per_lsb: float) -> int:
    raw = int(round(value / per_lsb))
    return max(-32767, min(32767, raw))


class _Channel:
    """Timing of one sensor (accelerometer or gyroscope): ODR, start time, last sample."""

    def __init__(self) -> None:
        self.odr_mhz = 0
        self.t0_us = 0
        self.last_k = -1

    def set_rate(self, odr_mhz: int, now_us: int) -> bool:
        if odr_mhz == self.odr_mhz:
            return False
        self.odr_mhz = odr_mhz
        self.t0_us = now_us
        self.last_k = -1
        return True

    def sample_due(self, now_us: int) -> int | None:
        """Index of the newest sample output by now, if it is new; None otherwise."""
        if not self.odr_mhz:
            return None
        k = (now_us - self.t0_us) * self.odr_mhz // 1_000_000_000 - 1
        if k < 0 or k == self.last_k:
            return None
        self.last_k = k
        return k

    def sample_time_us(self, k: int) -> int:
        return self.t0_us + (k + 1) * 1_000_000_000 // self.odr_mhz


class LSM6DSEmulator:
    """One LSM6DS chip. Attach with `board.i2c_bus.attach(0x6A, emu)` or `emu.attach(bus)`."""

    def __init__(self, motion: MotionSource, variant: str = "LSM6DSOX", clock: Any = None,
                 address: int = 0x6A) -> None:
        if variant not in WHO_AM_I_VALUES:
            raise ValueError("unknown LSM6DS variant %r (known: %s)" % (variant, ", ".join(WHO_AM_I_VALUES)))
        if clock is None:
            raise ValueError("the emulator needs the simulated clock")
        self.motion = motion
        self.variant = variant
        self.clock = clock
        self.address = address
        self.temperature_c = 25.0
        self.present = True
        self.transactions = 0
        self.failures = 0
        self.samples_taken = 0
        self._fail_left = 0
        self._fail_errno = _errno.EIO
        self._absent_until_us = 0        # reset(nack_ms): not answering until then
        self.resets = 0                  # resets and power-ons after the first (faults injected)
        self.sw_resets = 0               # CTRL3_C SW_RESET writes (a driver being built)
        self.output_fault_kind: str | None = None   # "frozen", "zero", "gain" or None
        self._output_gain = 1.0
        self._output_persist = False
        self._mode_ms: dict[tuple[str, float, str], float] = {}
        self.mode_timeline: list[tuple[int, str, float, str]] = []
        self.timestamp_error = 0.0       # the timestamp oscillator's error (0.001: 0.1 % fast)
        self._power_on()

    # -- power and configuration
    def _power_on(self) -> None:
        if not self._output_persist:
            self.output_fault_kind = None
        self.regs = _defaults(self.variant)
        self.embedded = bytearray(128)  # the embedded-functions bank (FUNC_CFG_ACCESS bit 7)
        self.pointer = 0
        self._wu_reset()
        self.wake_events = 0            # wake-up events seen (latched or not)
        self.xl = _Channel()
        self.g = _Channel()
        self._ts_reset()
        self._modes_since_us = self.clock.now_us
        self._modes = self._current_modes()
        self._log_modes()

    # -- the timestamp counter
    def _ts_reset(self) -> None:
        self._ts_us = 0.0                # counted time (the chip's clock) up to _ts_mark_us
        self._ts_mark_us = self.clock.now_us

    def _ts_settle(self, running: bool) -> None:
        now = self.clock.now_us
        if running:
            self._ts_us += (now - self._ts_mark_us) * (1.0 + self.timestamp_error)
        self._ts_mark_us = now

    def _ts_running(self) -> bool:
        return self.variant in _TS_BITS and bool(self.regs[CTRL10_C] & 0x20)

    def timestamp(self) -> int:
        """The count TIMESTAMP0.. read now (0 on a chip without a modelled timer)."""
        bits = _TS_BITS.get(self.variant)
        if bits is None:
            return 0
        self._ts_settle(self._ts_running())
        lsb = 25 if bits == 32 or self.regs[WAKE_UP_DUR] & 0x10 else 6400
        return int(self._ts_us // lsb) & ((1 << bits) - 1)

    def attach(self, bus: Any) -> "LSM6DSEmulator":
        bus.attach(self.address, self)
        return self

    def accel_odr_hz(self) -> float:
        return self._accel_mhz() / 1000

    def gyro_odr_hz(self) -> float:
        return self._gyro_mhz() / 1000

    def _xl_low_power(self) -> bool:
        return bool(self.regs[CTRL6_C] & 0x10)

    def _accel_mhz(self) -> int:
        code = self.regs[CTRL1_XL] >> 4
        if code == 11 and not self._xl_low_power():
            return 12_500
        return _ODR_MHZ.get(code, 0)

    def _gyro_mhz(self) -> int:
        code = self.regs[CTRL2_G] >> 4
        if code == 11:
            return 12_500
        return _ODR_MHZ.get(code, 0)

    def accel_sensitivity_mg(self) -> float:
        return _XL_SENS[(self.regs[CTRL1_XL] >> 2) & 3]

    def gyro_sensitivity_mdps(self) -> float:
        ctrl2 = self.regs[CTRL2_G]
        if self.variant == "ISM330DHCX" and ctrl2 & 0x01:
            return 140.0
        if ctrl2 & 0x02:
            return 4.375
        return _G_SENS[(ctrl2 >> 2) & 3]

    @staticmethod
    def _mode_name(odr_mhz: int, low_power_bit: bool) -> str:
        if not odr_mhz:
            return "power-down"
        if not low_power_bit or odr_mhz > 208_000:
            return "high-performance"
        return "low-power" if odr_mhz <= 52_000 else "normal"

    def _current_modes(self) -> tuple[tuple[float, str], tuple[float, str]]:
        xl_mhz = self._accel_mhz()
        g_mhz = self._gyro_mhz()
        xl = (xl_mhz / 1000, self._mode_name(xl_mhz, self._xl_low_power()))
        if g_mhz and self.regs[CTRL4_C] & 0x40:
            g = (g_mhz / 1000, "sleep")
        else:
            g = (g_mhz / 1000, self._mode_name(g_mhz, bool(self.regs[CTRL7_G] & 0x80)))
        return xl, g

    def _flush_modes(self) -> None:
        now = self.clock.now_us
        span_ms = (now - self._modes_since_us) / 1000
        if span_ms > 0:
            for name, (hz, mode) in zip(("accel", "gyro"), self._modes):
                key = (name, hz, mode)
                self._mode_ms[key] = self._mode_ms.get(key, 0.0) + span_ms
        self._modes_since_us = now

    def _log_modes(self, which: list[int] | tuple[int, ...] = (0, 1)) -> None:
        for i in which:
            hz, mode = self._modes[i]
            self.mode_timeline.append((self.clock.now_ms, ("accel", "gyro")[i], hz, mode))

    def _config_changed(self) -> None:
        now = self.clock.now_us
        if self.xl.set_rate(self._accel_mhz(), now) and not self.xl.odr_mhz:
            self.regs[OUTX_L_A:OUTX_L_A + 6] = bytes(6)
            self.regs[STATUS_REG] &= ~_XLDA & 0xFF
        gyro_mhz = 0 if self.regs[CTRL4_C] & 0x40 else self._gyro_mhz()
        if self.g.set_rate(gyro_mhz, now) and not self._gyro_mhz():
            self.regs[OUTX_L_G:OUTX_L_G + 6] = bytes(6)
            self.regs[STATUS_REG] &= ~_GDA & 0xFF
        modes = self._current_modes()
        if modes != self._modes:
            self._flush_modes()
            changed = [i for i in (0, 1) if modes[i] != self._modes[i]]
            self._modes = modes
            self._log_modes(changed)

    def time_in_modes(self) -> dict[tuple[str, float, str], float]:
        """ms spent so far per (sensor, ODR in Hz, mode)."""
        self._flush_modes()
        return dict(self._mode_ms)

    # -- sampling
    def _refresh(self) -> None:
        now = self.clock.now_us
        k_xl = self.xl.sample_due(now)
        k_g = self.g.sample_due(now)
        if k_xl is None and k_g is None:
            return
        fault = self.output_fault_kind
        if fault == "frozen":
            return   # the sample clock runs on, the outputs and STATUS_REG do not change
        status = self.regs[STATUS_REG]
        if k_xl is not None:
            ax, ay, az, _, _, _ = self.motion.at(self.xl.sample_time_us(k_xl) // 1000)
            if fault == "zero":
                ax = ay = az = 0.0
            elif fault == "gain":
                ax, ay, az = ax * self._output_gain, ay * self._output_gain, az * self._output_gain
            per_lsb = self.accel_sensitivity_mg() * _G / 1000
            self._put3(OUTX_L_A, ax, ay, az, per_lsb)
            status |= _XLDA | _TDA
            self.samples_taken += 1
        if k_g is not None:
            _, _, _, gx, gy, gz = self.motion.at(self.g.sample_time_us(k_g) // 1000)
            if fault == "zero":
                gx = gy = gz = 0.0
            per_lsb = math.radians(self.gyro_sensitivity_mdps() / 1000)
            self._put3(OUTX_L_G, gx, gy, gz, per_lsb)
            status |= _GDA | _TDA
        temp_sens = 16.0 if self.variant == "LSM6DS33" else 256.0
        temp = _raw16(self.temperature_c - 25.0, 1.0 / temp_sens) & 0xFFFF
        self.regs[OUT_TEMP_L] = temp & 0xFF
        self.regs[OUT_TEMP_L + 1] = temp >> 8
        self.regs[STATUS_REG] = status

    def _put3(self, reg: int, x: float, y: float, z: float, per_lsb: float) -> None:
        for i, value in enumerate((x, y, z)):
            raw = _raw16(value, per_lsb) & 0xFFFF
            self.regs[reg + 2 * i] = raw & 0xFF
            self.regs[reg + 2 * i + 1] = raw >> 8

    # -- the wake-up interrupt
    def _wu_reset(self) -> None:
        self._wu_k: int | None = None   # the last accelerometer sample the detector looked at
        self._wu_prev: tuple[float, float, float] | None = None
        self._wu_run = 0

    def _latched(self) -> bool:
        reg = TAP_CFG0 if self.variant in ("LSM6DSOX", "ISM330DHCX") else TAP_CFG
        return bool(self.regs[reg] & 0x01)

    def wake_armed(self) -> bool:
        """The wake-up detector runs: enabled (where the chip has the bit) and the accelerometer on."""
        enabled = self.variant == "LSM6DS33" or bool(self.regs[TAP_CFG] & 0x80)
        return enabled and self.xl.odr_mhz > 0 and (self.regs[WAKE_UP_THS] & 0x3F) > 0

    def _wake_scan(self) -> None:
        """Run the slope filter over every accelerometer sample up to now."""
        if not self.wake_armed() or self.output_fault_kind is not None:
            self._wu_reset()
            return
        ch = self.xl
        k_now = (self.clock.now_us - ch.t0_us) * ch.odr_mhz // 1_000_000_000 - 1
        if self._wu_k is None or self._wu_k > k_now:
            self._wu_k = k_now      # armed just now: it starts from the current sample
            self._wu_prev = None
            self._wu_run = 0
        threshold = (self.regs[WAKE_UP_THS] & 0x3F) * _FS_G[(self.regs[CTRL1_XL] >> 2) & 3] / 64 * _G
        duration = (self.regs[WAKE_UP_DUR] >> 5) & 3
        latched = self._latched()
        while self._wu_k < k_now:
            self._wu_k += 1
            ax, ay, az, _, _, _ = self.motion.at(ch.sample_time_us(self._wu_k) // 1000)
            prev = self._wu_prev
            self._wu_prev = (ax, ay, az)
            if prev is None:
                continue
            axes = 0
            for bit, now_v, before in ((4, ax, prev[0]), (2, ay, prev[1]), (1, az, prev[2])):
                if abs(now_v - before) / 2 > threshold:
                    axes |= bit
            self._wu_run = self._wu_run + 1 if axes else 0
            if self._wu_run > duration:
                if not self.regs[WAKE_UP_SRC] & 0x08:
                    self.wake_events += 1
                self.regs[WAKE_UP_SRC] = (self.regs[WAKE_UP_SRC] if latched else 0) | 0x08 | axes
            elif not latched:
                self.regs[WAKE_UP_SRC] = 0

    def int1(self) -> bool:
        """The INT1 line now: high while a wake-up event routed to it (MD1_CFG INT1_WU) stands."""
        if not self.present:
            return False
        self._wake_scan()
        return bool(self.regs[MD1_CFG] & 0x20) and bool(self.regs[WAKE_UP_SRC] & 0x08)

    # -- faults
    def fail_next(self, n: int, errno: int = _errno.EIO) -> None:
        """The next n transactions addressed to the chip fail with OSError(errno). Calls add up:
        failures not yet used stay pending (all with the latest errno)."""
        self._fail_left += n
        self._fail_errno = errno

    @property
    def failures_pending(self) -> int:
        return self._fail_left

    def vanish(self) -> None:
        """Off the bus: every transaction NACKs (OSError 19) until reappear()."""
        self.present = False

    def reappear(self) -> None:
        """Back on the bus, freshly powered: registers at their defaults, sensors off."""
        self.present = True
        self.power_on_reset()

    def power_on_reset(self) -> None:
        """The supply came back (the board lost power): registers at their defaults."""
        self._flush_modes()
        self.resets += 1
        self._power_on()

    def reset(self, nack_ms: float = 0) -> None:
        """The chip resets on its own (a brown-out of its supply, a glitch): registers at their
        power-on defaults from now, sensors off, outputs 0. With nack_ms = 0 no transaction
        fails: the driver is told nothing and reads zeros. With nack_ms > 0 the chip does not
        answer for that long first (supply low, then booting): transactions fail with
        OSError 19 (ENODEV), as if it were missing."""
        if nack_ms < 0:
            raise ValueError("nack_ms must be >= 0")
        self.power_on_reset()
        self._absent_until_us = max(self._absent_until_us, self.clock.now_us + int(round(nack_ms * 1000)))

    def output_fault(self, kind: str, gain: float = 2.0, persist: bool = False) -> None:
        """From now the outputs are wrong, the configuration intact: "frozen" (the outputs and
        STATUS_REG stop updating: every read returns the last sample), "zero" (every output
        reads 0) or "gain" (the accelerometer reads `gain` times the truth). A software reset
        or a power-on clears it (a driver rebuild cures it) unless `persist` (a damaged chip)."""
        if kind not in ("frozen", "zero", "gain"):
            raise ValueError("output fault must be 'frozen', 'zero' or 'gain', not %r" % (kind,))
        self.output_fault_kind = kind
        self._output_gain = float(gain)
        self._output_persist = persist
        if kind == "zero":
            self.regs[OUTX_L_G:OUTX_L_A + 6] = bytes(OUTX_L_A + 6 - OUTX_L_G)

    def clear_output_fault(self) -> None:
        """The outputs follow the motion again."""
        self.output_fault_kind = None
        self._output_persist = False

    # -- the I2C target protocol (host.sim.fakes.i2c)
    def acks(self) -> bool:
        return self.present and self.clock.now_us >= self._absent_until_us

    def i2c_begin(self) -> None:
        self.transactions += 1
        if self._fail_left > 0:
            self._fail_left -= 1
            self.failures += 1
            raise OSError(self._fail_errno, "Input/output error" if self._fail_errno == _errno.EIO
                          else "I2C transaction failed")
        self._refresh()
        self._wake_scan()
        count = self.timestamp()
        for i in range(4 if _TS_BITS.get(self.variant) == 32 else 3):
            self.regs[TIMESTAMP0 + i] = (count >> (8 * i)) & 0xFF

    def _bank(self, reg: int) -> bytearray:
        if reg != FUNC_CFG_ACCESS and self.regs[FUNC_CFG_ACCESS] & 0x80:
            return self.embedded
        return self.regs

    def _advance(self) -> None:
        if self.regs[CTRL3_C] & 0x04:
            self.pointer = (self.pointer + 1) & 0x7F

    def i2c_write(self, data: bytes) -> None:
        if not data:
            return
        self.pointer = data[0] & 0x7F
        for byte in data[1:]:
            self._write_reg(self.pointer, byte)
            self._advance()

    def _write_reg(self, reg: int, value: int) -> None:
        bank = self._bank(reg)
        if bank is self.embedded:
            bank[reg] = value
            return
        if reg == TIMESTAMP2 and value == 0xAA and self.variant in _TS_BITS:
            self._ts_reset()               # the datasheets' timestamp reset
            return
        if reg in _READ_ONLY:
            return
        if reg in (CTRL10_C, WAKE_UP_DUR):
            self._ts_settle(self._ts_running())   # counted so far, under the old enable bit
        if reg in _WAKE_REGS:
            self._wake_scan()          # events up to now under the old settings
            self._wu_reset()
        if reg == CTRL3_C and value & 0x01:  # SW_RESET: control registers to defaults, bit self-clears
            self.sw_resets += 1
            if not self._output_persist:
                self.output_fault_kind = None
            self.regs[:] = _defaults(self.variant)
            self.embedded[:] = bytes(128)
            self._ts_reset()
            self._config_changed()
            return
        if reg == CTRL3_C:
            value &= 0x7F  # BOOT self-clears at once
        self.regs[reg] = value
        if reg in (CTRL1_XL, CTRL2_G, CTRL4_C, CTRL6_C, CTRL7_G):
            self._config_changed()

    def i2c_read(self, n: int) -> bytes:
        out = bytearray(n)
        cleared = 0
        for i in range(n):
            reg = self.pointer
            out[i] = self._bank(reg)[reg]
            if OUTX_L_A <= reg < OUTX_L_A + 6:
                cleared |= _XLDA
            elif OUTX_L_G <= reg < OUTX_L_G + 6:
                cleared |= _GDA
            elif OUT_TEMP_L <= reg < OUT_TEMP_L + 2:
                cleared |= _TDA
            self._advance()
            if reg == WAKE_UP_SRC and self._latched():
                cleared |= 0x100                  # reading the source ends a latched event
        if cleared & 0x100:
            self.regs[WAKE_UP_SRC] = 0
        if cleared & 0xFF:
            self.regs[STATUS_REG] &= ~cleared & 0xFF
        return bytes(out)
