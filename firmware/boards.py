"""Per-board defaults: which I2C bus the IMU is on, which pins drive the motor and read the button.

Pure data and one lookup; no hardware import, so the host (deploy, docs,
wiring picture) and the tests read the same table the clip uses.

`defaults(board_id)` takes `board.board_id` (the same string boot_out.txt
shows after "Board ID:") and returns a new dict with these keys:

- 'board_id'     the id looked up ('' when unknown)
- 'name'         human name of the board, or "Unknown board (generic defaults)"
- 'known'        True when the board is in the table, False for the generic fallback
- 'i2c'          name of the `board` function that returns the IMU's bus:
                 'STEMMA_I2C' or 'I2C' (call `getattr(board, name)()`)
- 'i2c_buses'    tuple of bus function names to try in order; the first is
                 'i2c'. A board without the function (AttributeError) or with
                 no IMU answering on it moves on to the next.
- 'imu'          tuple of chip names (the words POSTURE_IMU accepts) to try in
                 order when POSTURE_IMU is 'auto'
- 'imu_address'  I2C address to try first (0x6A; 0x6B is the other)
- 'imu_onboard'  True when the IMU is soldered on the board, False for a
                 STEMMA QT breakout on a cable
- 'haptic'       default motor driver: 'pwm', 'digital' or 'drv2605'
- 'motor_pin'    `board` pin name for the motor transistor's gate/base resistor
- 'button_pin'   `board` pin name of a push button to ground (pull-up), or None
- 'wiring'       one line saying what goes where (shown by deploy and the docs)
settings.toml overrides: POSTURE_HAPTIC_PIN replaces 'motor_pin',
POSTURE_BUTTON_PIN replaces 'button_pin', POSTURE_IMU (when not 'auto')
replaces 'imu', POSTURE_IMU_ADDRESS replaces 'imu_address', POSTURE_HAPTIC
replaces 'haptic', POSTURE_WAKE_PIN replaces 'wake_pin'.

The Feather nRF52840 Sense shipped with an LSM6DS33 at first and with the
LSM6DS3TR-C in later revisions; both answer at 0x6A, so it tries both.
"""

# Pins an I2C bus of the IMU may use on any supported board (board.I2C() is on SCL/SDA;
# STEMMA_I2C() is on SCL1/SDA1 where the board has a second bus, e.g. the QT Py RP2040).
# A motor or button setting on one of them takes the bus from the IMU, so the clip
# refuses it (firmware/integrity.py). Compared as pin objects: aliases count too.
I2C_PINS = ("SCL", "SDA", "SCL1", "SDA1")

# Keys for power and installing, only where a board has them (read with cfg.get: absent
# keys cost no RAM; comments, not the docstring, for the same reason):
# 'wake_pin'     `board` pin name wired to the IMU's INT1 (the wake-up interrupt that ends a
#   deep sleep off the body), or None: without one the clip never sleeps
# 'off_pins'     `board` pin names driven low at start to switch off parts the clip does
#   not use (the QT Py's NeoPixel power)
# 'sleep_min'    POSTURE_SLEEP_MIN when settings.toml does not set it (0: never sleeps), where
#   it differs from the settings' 5
# 'slow_mhz'     CPU clock (MHz) while running from the cell, or None to leave it alone
# 'bootloader'   the drive name the board's UF2 bootloader shows (double-tap reset), for
#   installing CircuitPython
# 'circuitpython_name'  the board's name on circuitpython.org/downloads
_GENERIC = {
    "name": "Unknown board (generic defaults)",
    "known": False,
    "i2c_buses": ("STEMMA_I2C", "I2C"),
    "imu": ("LSM6DSOX", "LSM6DS3TRC", "LSM6DS33", "ISM330DHCX"),
    "imu_address": 0x6A,
    "imu_onboard": False,
    "haptic": "pwm",
    "motor_pin": "A0",
    "button_pin": None,
    "wiring": "IMU breakout on STEMMA QT (or SDA/SCL); motor transistor on A0; "
              "set POSTURE_HAPTIC_PIN / POSTURE_BUTTON_PIN for your board",
}

# board_id -> the keys that differ from _GENERIC.
BOARDS = {
    "adafruit_qtpy_rp2040": {
        "name": "Adafruit QT Py RP2040",
        "i2c_buses": ("STEMMA_I2C", "I2C"),
        "imu": ("LSM6DSOX", "LSM6DS3TRC"),
        "imu_onboard": False,
        "motor_pin": "A0",
        "button_pin": "BUTTON",
        "wiring": "LSM6DSOX or LSM6DS3TR-C breakout on the STEMMA QT port; "
                  "motor transistor on A0; calibrate with the BOOT button",
        # the breakout's INT1 needs a wire to a free pin (set POSTURE_WAKE_PIN, e.g. A1)
        "off_pins": ("NEOPIXEL_POWER",),
        # 25 MHz: 7.7 mA in time.sleep() against 18.6 mA at 125 MHz (tools/mpy_power.py);
        # the loop still has a 5x margin at 26 Hz (bench/power.py)
        "slow_mhz": 25,
        "bootloader": "RPI-RP2",
        "circuitpython_name": "QT Py RP2040",
    },
    "feather_bluefruit_sense": {
        "name": "Adafruit Feather nRF52840 Sense",
        "i2c_buses": ("I2C",),
        "imu": ("LSM6DS3TRC", "LSM6DS33"),
        "imu_onboard": True,
        "motor_pin": "D5",
        "button_pin": "SWITCH",
        "wiring": "IMU on the board (LSM6DS33 or LSM6DS3TR-C by revision); "
                  "motor transistor on D5; calibrate with the user switch",
        "wake_pin": "ACCELEROMETER_GYRO_INTERRUPT",   # the IMU's INT1, wired on the board
        # no deep sleep unless POSTURE_SLEEP_MIN is set: CircuitPython's nRF52840 deep sleep
        # draws >= 1.0 mA against 0.5 mA idle (issue 5318), so bench/power.py gives the Sense
        # 17.7 days sleeping against 23 days awake
        "sleep_min": 0,
        "bootloader": "FTHRSNSBOOT",
        "circuitpython_name": "Feather Bluefruit Sense",
    },
    "adafruit_feather_rp2040": {
        "name": "Adafruit Feather RP2040",
        "i2c_buses": ("STEMMA_I2C", "I2C"),
        "imu": ("LSM6DSOX", "LSM6DS3TRC"),
        "imu_onboard": False,
        "motor_pin": "D5",
        "button_pin": None,
        "wiring": "IMU breakout on the STEMMA QT port; motor transistor on D5; "
                  "no free button (calibrate from the host, or wire one and set POSTURE_BUTTON_PIN)",
        "slow_mhz": 25,
        "bootloader": "RPI-RP2",
        "circuitpython_name": "Feather RP2040",
    },
}

def defaults(board_id):
    """The defaults for `board_id` (unknown ids get the generic fallback); a new dict each call."""
    result = {}  # type: dict
    for key in _GENERIC:
        result[key] = _GENERIC[key]
    specific = BOARDS.get(board_id)
    if specific is not None:
        for key in specific:
            result[key] = specific[key]
        result["known"] = True
    result["board_id"] = board_id or ""
    result["i2c"] = result["i2c_buses"][0]
    return result


def board_ids():
    """The board ids with their own defaults, in table order."""
    return list(BOARDS)
