"""One line of help for each setting in firmware/settings.py's SPEC.

Read by settings.spec_rows() for the host's settings.toml template, docs and config
command; the clip never imports it, so these texts take no RAM on the board.
"""

HELP = {
    "POSTURE_SLOUCH_DEG": "Forward flexion beyond the calibrated upright, in degrees, that counts as slouching",
    "POSTURE_SLOUCH_DELAY_S": "Seconds a slouch must last before the clip vibrates",
    "POSTURE_REMIND_S": "Seconds between reminders while a slouch goes on",
    "POSTURE_HYSTERESIS_DEG": "Degrees back below the threshold needed to count as upright again",
    "POSTURE_BREAK_MIN": "Minutes of seated wear before a stand-up reminder (0 turns it off)",
    "POSTURE_HAPTIC": "How the vibration motor is driven",
    "POSTURE_HAPTIC_PIN": "Board pin of the motor transistor (empty: the board's default)",
    "POSTURE_HAPTIC_STRENGTH": "Vibration strength in percent",
    "POSTURE_IMU": "IMU chip; auto tries each known chip",
    "POSTURE_IMU_ADDRESS": "I2C address of the IMU (0x6A, or 0x6B with SA0 high)",
    "POSTURE_BUTTON_PIN": "Board pin of the calibrate button (empty: the board's default, if any)",
    "POSTURE_SLEEP_MIN": "Minutes off the body (on battery) before the clip sleeps until picked up "
                         "(0: never; unset, the Feather nRF52840 Sense never sleeps: its deep sleep "
                         "costs more than staying awake)",
    "POSTURE_WAKE_PIN": "Board pin wired to the IMU's INT1 for waking from sleep (empty: the board's own, if any)",
    "POSTURE_MODE": "Training vibrates for slouches and breaks; tracking records them silently "
                   "(it still vibrates for errors and a low battery)",
    "POSTURE_TRAIN_MIN": "Seated worn minutes a day the clip trains (vibrates) before it tracks "
                         "silently until the next day (0: trains all day)",
    "POSTURE_SNOOZE_MIN": "Minutes a long press of the button (1.5 s) mutes slouch and break alerts",
    "POSTURE_BATTERY_PIN": "Analog pin of a battery divider (empty: the board's own monitor, if any)",
    "POSTURE_BATTERY_DIVIDER": "Ratio of that divider (2 for two equal resistors, as on the Feather Sense)",
    "POSTURE_BATTERY_LOW_PCT": "Charge percent at which the clip plays the low-battery pattern once",
}
