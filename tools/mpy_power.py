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
