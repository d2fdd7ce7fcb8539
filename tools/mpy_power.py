"""Power model of the clip: average current and days of wear per charge, from one measured day.

`power_model(day, ops_per_sample)` takes tools/mpy_budget.measure_day()'s result (the
IMU's mode log, motor duty, I2C traffic) and CPython bytecode instructions per sample.
Every figure is cited below.
"""

from __future__ import annotations

from typing import Any

RATE_HZ = 26

# ---------------------------------------------------------------- power model
# Every figure is typical, at 3.3 V; sources in the comments. Where a datasheet has no
# figure for the exact mode used, the derivation is given.

# LSM6DSOX (ST DS12814 datasheet, "Electrical characteristics"; AN5272 power modes):
IMU_POWER_DOWN_MA = 0.003      # power-down: 3 uA typ.
IMU_XL_LP_1HZ6_MA = 0.0044     # accelerometer low-power mode at 1.6 Hz: 4.4 uA typ.
IMU_XL_LP_52HZ_MA = 0.026      # accelerometer low-power mode at 52 Hz: 26 uA typ.
IMU_COMBO_HP_MA = 0.55         # accelerometer + gyroscope, high-performance mode: 0.55 mA typ.
IMU_XL_HP_MA = 0.17            # accelerometer alone, high-performance mode: 170 uA typ.
# The gyroscope's own draw: the combo figure less the accelerometer's, 0.38 mA. The
# datasheet gives no lower figure for its low-power mode at 26 Hz, so the model charges
# the full 0.38 mA whenever the gyro runs (pessimistic).
IMU_GYRO_MA = IMU_COMBO_HP_MA - IMU_XL_HP_MA

# ODR field codes (CTRL1_XL / CTRL2_G bits 7:4) -> Hz
ODR_HZ = {0: 0.0, 1: 12.5, 2: 26.0, 3: 52.0, 4: 104.0, 5: 208.0, 6: 416.0, 7: 833.0, 8: 1666.0,
          9: 3332.0, 10: 6664.0, 11: 1.6}


def imu_current_ma(xl_odr: int, xl_lp: int, g_odr: int, g_lp: int) -> float:
    """Current of one IMU mode (see the figures above)."""
    hz = ODR_HZ.get(xl_odr, 104.0)
    if hz == 0:
        xl = 0.0
    elif xl_lp and hz <= 52:
        # low-power mode: linear in ODR between the datasheet's 1.6 Hz and 52 Hz figures
        xl = IMU_XL_LP_1HZ6_MA + (hz - 1.6) * (IMU_XL_LP_52HZ_MA - IMU_XL_LP_1HZ6_MA) / (52 - 1.6)
    else:
        xl = IMU_XL_HP_MA
    gyro = IMU_GYRO_MA if ODR_HZ.get(g_odr, 104.0) > 0 else 0.0
    if xl == 0 and gyro == 0:
        return IMU_POWER_DOWN_MA
    return xl + gyro


# Microcontroller boards. CircuitPython's time.sleep() idles the CPU between samples
# (a WFI/WFE light sleep; USB disconnected, since the clip runs from its cell).
BOARDS = {
    "QT Py RP2040": {
        # RP2040 datasheet (section 2.15.3, power consumption): about 20-25 mA running at
        # 125 MHz; CircuitPython on an RP2040 board idles near 20 mA, and time.sleep()
        # saves only a few mA (platform notes), so idle is taken as 16 mA.
        "run_ma": 22.0, "idle_ma": 16.0,
        # Cortex-M0+ at 125 MHz, no FPU (CircuitPython's floats in software): ~1.5 us a
        # bytecode operation on float-heavy code (estimate).
        "us_per_op": 1.5,
    },
    "Feather nRF52840 Sense": {
        # nRF52840 product specification v1.7, section 5.2 (current consumption): CPU
        # running CoreMark from flash at 64 MHz 3.3 mA with the DC/DC converter (6.3 mA
        # with the LDO); System ON idle 1.5 uA. The board's regulator, sensors and
        # CircuitPython's 1 kHz tick keep the idle floor near 0.5 mA (estimate).
        "run_ma": 6.3, "idle_ma": 0.5,
        # Cortex-M4F at 64 MHz with a single-precision FPU: ~1.0 us a bytecode operation.
        "us_per_op": 1.0,
    },
}
I2C_HZ = 400_000               # fast-mode I2C; 9 clocks per byte (8 bits + ACK)
I2C_BITS_PER_BYTE = 9
# A coin ERM vibration motor (e.g. Adafruit product 1201, 10 mm disc) draws 40-100 mA
# at 3 V while on (platform notes); the model takes 70 mA at full drive, scaled by PWM duty.
MOTOR_MA = 70.0
CELL_MAH = 400.0
WEAR_HOURS_PER_DAY = 8.0        # a desk day; the clip is switched off (or asleep) otherwise


def power_model(day: dict[str, Any], ops_per_sample: float) -> dict[str, Any]:
    """Average current and days per charge for each board, from one measured day."""
    sim_ms = float(day["sim_ms"]) or 1.0
    imu_mah_ms = 0.0
    modes = []
    for key, ms in day["modes"]:
        xl_odr, xl_lp, g_odr, g_lp = (int(v) for v in key.split("-"))
        ma = imu_current_ma(xl_odr, xl_lp, g_odr, g_lp)
        imu_mah_ms += ma * ms
        modes.append({"accel_hz": ODR_HZ.get(xl_odr), "accel_low_power": bool(xl_lp),
                      "gyro_hz": ODR_HZ.get(g_odr), "share": ms / sim_ms, "ma": round(ma, 4)})
    imu_ma = imu_mah_ms / sim_ms
    gyro_share = sum(m["share"] for m in modes if m["gyro_hz"])
    samples = max(1, int(day["n"]))
    i2c_ms_per_sample = day["i2c_bytes"] / samples * I2C_BITS_PER_BYTE / I2C_HZ * 1000
    motor_ma = MOTOR_MA * float(day["motor_duty_ms"]) / sim_ms
    boards = {}
    for name, b in BOARDS.items():
        active_ms = ops_per_sample * b["us_per_op"] / 1000 + i2c_ms_per_sample
        duty = min(1.0, active_ms * RATE_HZ / 1000)
        mcu_ma = b["run_ma"] * duty + b["idle_ma"] * (1 - duty)
        total = mcu_ma + imu_ma + motor_ma
        boards[name] = {"active_ms_per_sample": round(active_ms, 3), "cpu_duty": round(duty, 4),
                        "mcu_ma": round(mcu_ma, 3), "total_ma": round(total, 3),
                        "hours_per_charge": round(CELL_MAH / total, 1),
                        "wear_days_per_charge": round(CELL_MAH / total / WEAR_HOURS_PER_DAY, 1)}
    return {"imu_ma": round(imu_ma, 4), "gyro_on_share": round(gyro_share, 4), "imu_modes": modes,
            "motor_ma": round(motor_ma, 4), "i2c_ms_per_sample": round(i2c_ms_per_sample, 3),
            "boards": boards}


# ================================================================ the day model (issue 14)
# Currents per board and mode for `bench/power.py`: a realistic day (WORN_H hours worn,
# the rest on the desk) and continuous wear, in days per CELL_MAH charge. Every figure
# names its source; "estimate" marks the ones without a measurement behind them.

PICO_SOURCE = ("Raspberry Pi Pico, CircuitPython 9.2.3, measured at 5 V over USB with the serial port"
               " not connected (bablokb/pico-sleepcurrent, pico_pico2_current.md)")
NRF_IDLE_SOURCE = ("Feather nRF52840 Express, CircuitPython 7.0.0-rc.1: about 0.5 mA in time.sleep()"
                   " (adafruit/circuitpython issue 5318)")
NRF_DEEP_SOURCE = ("same report: deep sleep (time alarm) 'over twice' the time.sleep() draw, so >= 1.0 mA;"
                   " the issue is open. With a pin alarm the port uses the GPIO SENSE feature, ~2 uA more"
                   " than no alarm (adafruit/circuitpython PR 9534); no whole-board pin-alarm figure is"
                   " published, so the model keeps the pessimistic 1.0 mA")
NRF_BLE_SOURCE = ("about 7 mA while a BLE connection is held, in time.sleep() and light sleep alike "
                  "(pykey sleep measurements)")

# RP2040 board currents (mA) as measured on the Pico (PICO_SOURCE). They are the current
# drawn at 5 V into the Pico's buck-boost regulator; a QT Py on a LiPo feeds its 3.3 V
# regulator (an LDO: cell current = rail current) from about 3.7 V. The rail current is
# I_5V x 5 V x efficiency / 3.3 V, between 1.2x (80 %) and 1.5x (100 %) these figures:
# `bench/power.py` prints the days both as measured and with the 1.5x upper bound.
RP2040_SLEEP_125MHZ_MA = 18.6   # time.sleep() at the default 125 MHz
RP2040_SLEEP_25MHZ_MA = 7.7     # microcontroller.cpu.frequency = 25_000_000, then time.sleep()
RP2040_LIGHT_SLEEP_MA = 15.0    # alarm.light_sleep_until_alarms: gates the I2C clock, unusable
RP2040_DEEP_TIME_MA = 7.1       # deep sleep with a time alarm
RP2040_DEEP_PIN_MA = 1.3        # deep sleep with a pin alarm (the IMU's wake-up interrupt)
RP2040_BOOST_UPPER = 5.0 / 3.3  # the rail-current factor at a (perfect) 100 % efficient converter
# Running (not sleeping) adds the core's dynamic current, which scales with the clock: the
# model's 22 mA at 125 MHz (BOARDS above, an estimate) less the 18.6 mA idle is 3.4 mA at
# 125 MHz, so 0.68 mA at 25 MHz (estimate).
RP2040_RUN_EXTRA_MA_PER_MHZ = (22.0 - RP2040_SLEEP_125MHZ_MA) / 125.0

NRF_IDLE_MA = 0.5               # NRF_IDLE_SOURCE
NRF_DEEP_MA = 1.0               # NRF_DEEP_SOURCE (pessimistic)
NRF_BLE_HELD_MA = 7.0           # NRF_BLE_SOURCE
NRF_RUN_MA = 6.3                # nRF52840 PS v1.7 section 5.2, CPU running from flash at 64 MHz (LDO)

WORN_H = 8.0
DESK_H = 24.0 - WORN_H
SLEEP_MIN_DEFAULT = 5           # POSTURE_SLEEP_MIN's default (firmware/settings.py)
GOALS = {"feather_sense": 14.0, "qtpy_rp2040": 4.0}   # days per charge on the realistic day (issue 14)

# The IMU while the board sleeps: accelerometer alone, 26 Hz low-power (the wake-up
# interrupt needs it), gyro off.
IMU_SLEEP_MA = imu_current_ma(2, 1, 0, 0)
IMU_DESK_MA = IMU_SLEEP_MA      # off the body the wearer is still: the firmware turns the gyro off


def us_per_op(board: str, mhz: float) -> float:
    """Microseconds per bytecode operation at `mhz` (BOARDS' estimate at the nominal clock, scaled)."""
    nominal = {"QT Py RP2040": 125.0, "Feather nRF52840 Sense": 64.0}[board]
    return BOARDS[board]["us_per_op"] * nominal / mhz


def builds(cost: dict[str, Any], sleep_min: float = SLEEP_MIN_DEFAULT) -> list[dict[str, Any]]:
    """Each build's modes: [(mode, hours on the realistic day, hours in continuous wear, parts)].

    `cost` is measure_cost()'s result (ops per sample, gyro-on share while worn, motor mA,
    I2C ms per sample). A part is (name, mA, source)."""
    ops = cost["ops_mean"]
    i2c_ms = cost["i2c_ms_per_sample"]
    imu_worn = cost["imu_worn_ma"]
    motor = cost["motor_ma"]
    awake_desk_h = min(DESK_H, sleep_min / 60.0) if sleep_min else DESK_H
    asleep_h = DESK_H - awake_desk_h

    def rp2040(mhz: float, idle: float, idle_src: str) -> tuple[float, float, str]:
        active_ms = ops * us_per_op("QT Py RP2040", mhz) / 1000 + i2c_ms
        duty = min(1.0, active_ms * RATE_HZ / 1000)
        return duty, RP2040_RUN_EXTRA_MA_PER_MHZ * mhz * duty, "%.1f%% of the time computing" % (100 * duty)

    def nrf() -> tuple[float, float, str]:
        active_ms = ops * us_per_op("Feather nRF52840 Sense", 64.0) / 1000 + i2c_ms
        duty = min(1.0, active_ms * RATE_HZ / 1000)
        return duty, (NRF_RUN_MA - NRF_IDLE_MA) * duty, "%.1f%% of the time computing" % (100 * duty)

    out = []
    _d, nrf_run, nrf_note = nrf()
    worn_nrf = [("board idle (time.sleep)", NRF_IDLE_MA, NRF_IDLE_SOURCE),
                ("CPU running, " + nrf_note, nrf_run, "nRF52840 PS 5.2: 6.3 mA running; per-sample cost measured"),
                ("IMU (gyro on %.0f%% of worn time)" % (100 * cost["gyro_on_share"]), imu_worn,
                 "LSM6DS datasheet modes"),
                ("motor", motor, "70 mA ERM at the measured duty")]
    desk_nrf_awake = [("board idle (time.sleep)", NRF_IDLE_MA, NRF_IDLE_SOURCE),
                      ("CPU running, " + nrf_note, nrf_run, "as worn"),
                      ("IMU accelerometer only", IMU_DESK_MA, "LSM6DS datasheet, 26 Hz low-power")]
    desk_nrf_asleep = [("deep sleep, pin alarm", NRF_DEEP_MA, NRF_DEEP_SOURCE),
                       ("IMU wake-up detector", IMU_SLEEP_MA, "LSM6DS datasheet, 26 Hz low-power")]
    out.append({"key": "feather_sense", "name": "Feather nRF52840 Sense (recommended), BLE workflow off",
                "modes": [("worn", WORN_H, 24.0, worn_nrf),
                          ("desk, awake (first %g min, or all day with POSTURE_SLEEP_MIN = 0)" % sleep_min,
                           awake_desk_h, 0.0, desk_nrf_awake),
                          ("desk, asleep", asleep_h, 0.0, desk_nrf_asleep)]})
    out.append({"key": "feather_sense_no_sleep", "name": "Feather nRF52840 Sense, POSTURE_SLEEP_MIN = 0",
                "modes": [("worn", WORN_H, 24.0, worn_nrf), ("desk, awake", DESK_H, 0.0, desk_nrf_awake)]})
    out.append({"key": "feather_sense_ble", "name": "Feather nRF52840 Sense, a BLE connection held all day",
                "modes": [("worn", WORN_H, 24.0, worn_nrf + [("BLE connection held", NRF_BLE_HELD_MA - NRF_IDLE_MA,
                                                               NRF_BLE_SOURCE + ", less the idle already counted")]),
                          ("desk, awake", DESK_H, 0.0, desk_nrf_awake + [
                              ("BLE connection held", NRF_BLE_HELD_MA - NRF_IDLE_MA, NRF_BLE_SOURCE)])]})

    for key, name, mhz, idle, sleeping in (
            ("qtpy_rp2040_today", "QT Py RP2040 as before (125 MHz, never sleeps)", 125.0,
             RP2040_SLEEP_125MHZ_MA, False),
            ("qtpy_rp2040", "QT Py RP2040, 25 MHz on the cell, deep sleep off the body", 25.0,
             RP2040_SLEEP_25MHZ_MA, True)):
        _d, run, note = rp2040(mhz, idle, "")
        worn = [("board idle at %g MHz (time.sleep)" % mhz, idle, PICO_SOURCE),
                ("CPU running, " + note, run,
                 "estimate: dynamic current scaled to the clock; per-sample cost measured"),
                ("IMU (gyro on %.0f%% of worn time)" % (100 * cost["gyro_on_share"]), imu_worn, "LSM6DSOX datasheet"),
                ("motor", motor, "70 mA ERM at the measured duty")]
        desk_awake = [("board idle at %g MHz (time.sleep)" % mhz, idle, PICO_SOURCE),
                      ("CPU running, " + note, run, "as worn"),
                      ("IMU accelerometer only", IMU_DESK_MA, "LSM6DSOX datasheet, 26 Hz low-power")]
        desk_asleep = [("deep sleep, pin alarm", RP2040_DEEP_PIN_MA, PICO_SOURCE),
                       ("IMU wake-up detector", IMU_SLEEP_MA, "LSM6DSOX datasheet, 26 Hz low-power")]
        if sleeping:
            modes = [("worn", WORN_H, 24.0, worn),
                     ("desk, awake (first %g min)" % sleep_min, awake_desk_h, 0.0, desk_awake),
                     ("desk, asleep", asleep_h, 0.0, desk_asleep)]
        else:
            modes = [("worn", WORN_H, 24.0, worn), ("desk, awake", DESK_H, 0.0, desk_awake)]
        row: dict[str, Any] = {"key": key, "name": name, "modes": modes, "rp2040": True}
        out.append(row)
    return out


def day_figures(build: dict[str, Any], scale: float = 1.0) -> dict[str, Any]:
    """mAh a day, days per charge and each part's share, for the realistic day and continuous wear.

    `scale` multiplies the board's own currents (not the IMU's or the motor's): the RP2040
    rail-current factor."""
    out: dict[str, Any] = {}
    for label, column in (("realistic", 1), ("continuous", 2)):
        parts: dict[str, float] = {}
        total = 0.0
        for mode in build["modes"]:
            hours = mode[column]
            for name, ma, _src in mode[3]:
                own = scale if not (name.startswith("IMU") or name == "motor") else 1.0
                mah = ma * own * hours
                key = "%s: %s" % (mode[0].split(" (")[0], name)
                parts[key] = parts.get(key, 0.0) + mah
                total += mah
        days = CELL_MAH / total if total else float("inf")
        ranked = sorted(parts.items(), key=lambda kv: -kv[1])
        out[label] = {"mah_per_day": round(total, 2), "days": round(days, 1),
                      "parts": [(k, round(v, 3), round(v / total, 3)) for k, v in ranked if v > 0]}
    return out


def cpython_stack() -> tuple[Any, Any, Any, Any, Any]:
    """The board's stack under CPython on tools/mpy_board's clock and register file (the real
    driver, ImuSensor, PostureDetector, Player, Monitor): (clock, chip, i2c, motor, monitor)."""
    import sys

    import mpy_board

    clock = mpy_board.Clock(0)
    saved = sys.modules.get("time")
    sys.modules["time"] = mpy_board.TimeModule(clock)  # type: ignore[assignment]
    try:
        for name in [m for m in sys.modules if m.startswith("adafruit_lsm6ds")]:
            del sys.modules[name]
        from adafruit_lsm6ds.lsm6dsox import LSM6DSOX
    finally:
        if saved is not None:
            sys.modules["time"] = saved
    from firmware.detector import PostureDetector
    from firmware.haptics import Player
    from firmware.monitor import Monitor
    from firmware.sensor import ImuSensor
    from firmware.settings import Settings

    settings = Settings()
    chip = mpy_board.LSM6DSRegisters(clock)
    i2c = mpy_board.FakeI2C(chip)
    motor = mpy_board.CountingMotor(clock)
    sensor = ImuSensor(lambda: LSM6DSOX(i2c, 0x6A), clock)
    mon = Monitor(PostureDetector(settings), Player(motor, settings.haptic_strength), sensor=sensor, clock=clock)
    return clock, chip, i2c, motor, mon


def measure_cost(path: Any, seconds: float = 120.0, skip_s: float = 600.0) -> dict[str, Any]:
    """Per-sample cost of the board stack on a recorded wearer (CPython bytecode operations per
    Monitor.step(), driver included: mean and largest), the gyro's on-share, the motor's
    average current and the I2C time per sample, from one run over the whole recording."""
    import struct
    import sys

    clock, chip, i2c, motor, mon = cpython_stack()
    record = struct.Struct("<Iffffff")
    data = path.read_bytes()
    n = len(data) // record.size
    traced_from = int(skip_s * RATE_HZ)
    traced_to = traced_from + int(seconds * RATE_HZ)
    counts: list[int] = []
    ops = 0
    gyro_steps = 0

    def tracer(frame: Any, event: str, arg: Any) -> Any:
        nonlocal ops
        frame.f_trace_opcodes = True
        if event == "opcode":
            ops += 1
        return tracer

    t0 = None
    for i in range(n):
        t, ax, ay, az, gx, gy, gz = record.unpack_from(data, i * record.size)
        clock.set_ticks(t)
        t0 = clock.elapsed_ms if t0 is None else t0
        chip.load(ax, ay, az, gx, gy, gz)
        if traced_from <= i < traced_to:
            ops = 0
            sys.settrace(tracer)
            try:
                mon.step()
            finally:
                sys.settrace(None)
            counts.append(ops)
        else:
            mon.step()
        gyro_steps += 1 if mon.gyro_on else 0
    motor.set(0)
    span_ms = max(1, clock.elapsed_ms - (t0 or 0))
    share = gyro_steps / max(1, n)
    imu_worn = share * imu_current_ma(2, 1, 2, 1) + (1 - share) * imu_current_ma(2, 1, 0, 0)
    per_sample_bytes = i2c.bytes / max(1, n)
    counts.sort()
    return {"samples": n, "traced": len(counts), "ops_mean": sum(counts) / max(1, len(counts)),
            "ops_p99": counts[int(0.99 * (len(counts) - 1))] if counts else 0, "ops_max": counts[-1] if counts else 0,
            "gyro_on_share": share, "imu_worn_ma": imu_worn, "motor_ma": MOTOR_MA * motor.duty_ms / span_ms,
            "i2c_ms_per_sample": per_sample_bytes * I2C_BITS_PER_BYTE / I2C_HZ * 1000}
