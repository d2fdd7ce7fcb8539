"""Event kinds, activity codes and their meaning.

An event is a tuple (t_ms, kind, a, b): t_ms in ticks (wrapping), kind one of
the names below, a and b integers whose meaning depends on the kind. Each kind
also has a one-byte code for the binary log; codes never change once shipped.
"""

# kind            code  a                                   b
BOOT = "boot"                   # 1  boot number                         reset reason code
CALIBRATED = "calibrated"       # 2  mount tilt from face-out, 0.1 deg    samples averaged
CALIBRATION_FAILED = "calibration_failed"  # 3  reason (CAL_*)           0
ACTIVITY = "activity"           # 4  new activity (ACT_*)               previous activity
SLOUCH_START = "slouch_start"   # 5  flexion, 0.1 deg                   0
SLOUCH_ALERT = "slouch_alert"   # 6  ms since the slouch started         flexion, 0.1 deg
SLOUCH_REMINDER = "slouch_reminder"  # 7  ms since the slouch started    reminder number (1, 2, ...)
SLOUCH_END = "slouch_end"       # 8  duration ms                         peak flexion, 0.1 deg
BREAK_ALERT = "break_alert"     # 9  seated minutes so far               0
BREAK_TAKEN = "break_taken"     # 10 seated minutes before the break     0
SENSOR_ERROR = "sensor_error"   # 11 errno (0 unknown)                  consecutive failures
SENSOR_RECOVERED = "sensor_recovered"  # 12 ms without data              0
ERROR = "error"                 # 13 error code (ERR_*)                  detail
LOG_DROPPED = "log_dropped"     # 14 records dropped (unsynced)          0
SENSOR_FAULT = "sensor_fault"   # 15 cause (FAULT_*)                     detail (cause-specific)
MODE = "mode"                   # 16 new mode (MODE_*)                   why (MODE_WHY_*)
SNOOZE = "snooze"               # 17 minutes muted (0: snooze ended)     1 by a long press, 0 it ran out
BATTERY = "battery"             # 18 cell millivolts                     charge percent (0-100)
BATTERY_LOW = "battery_low"     # 19 charge percent                      cell millivolts
SLEEP = "sleep"                 # 20 1 going to sleep, 0 woken          asleep: minutes off the body;
#                                                                         woken: 1 by the day's timer, 0 picked up

# The one-byte code of each kind in the binary log. Written out, never derived from an
# order: an old log must stay readable by a new host (tests/log pins these bytes).
KIND_CODE = {
    BOOT: 1, CALIBRATED: 2, CALIBRATION_FAILED: 3, ACTIVITY: 4, SLOUCH_START: 5,
    SLOUCH_ALERT: 6, SLOUCH_REMINDER: 7, SLOUCH_END: 8, BREAK_ALERT: 9, BREAK_TAKEN: 10,
    SENSOR_ERROR: 11, SENSOR_RECOVERED: 12, ERROR: 13, LOG_DROPPED: 14, SENSOR_FAULT: 15,
    MODE: 16, SNOOZE: 17, BATTERY: 18, BATTERY_LOW: 19, SLEEP: 20,
}
# KINDS[code - 1] is the kind with that code (codes run 1..len(KINDS) without gaps)
_kinds = [""] * len(KIND_CODE)
for _k in KIND_CODE:
    _kinds[KIND_CODE[_k] - 1] = _k
KINDS = tuple(_kinds)
del _kinds

# Activities (ACT_*), as carried by ACTIVITY events and the detector's state.
ACT_UNKNOWN = 0   # not calibrated yet
ACT_SEATED = 1    # worn, trunk near upright or flexed, little motion
ACT_MOVING = 2    # worn, rotating or shifting (a reach, fidgeting, getting up)
ACT_WALKING = 3   # on the feet: steps
ACT_LYING = 4     # trunk near horizontal
ACT_OFF_BODY = 5  # no breathing micro-motion: left on a desk
ACTIVITY_NAMES = ("unknown", "seated", "moving", "walking", "lying", "off_body")

# Calibration failure reasons (CAL_*).
CAL_NOT_STILL = 1
CAL_NOT_FACE_OUT = 2   # +Z is not within the allowed angle of horizontal when upright
CAL_NO_DATA = 3
CAL_IMPLAUSIBLE = 4    # |a| far from g while "still": the sensor is not giving real data
CAL_REASONS = ("", "not_still", "not_face_out", "no_data", "implausible")

# Sensor fault causes (FAULT_*), carried by SENSOR_FAULT events: each one made the clip
# rebuild and reconfigure the IMU driver.
FAULT_RESET = 1        # control registers back at power-on values (the chip reset or browned out)
FAULT_STUCK = 2        # identical samples for too long (a frozen output)
FAULT_IMPLAUSIBLE = 3  # |a| far from g for long while the clip is still
FAULT_ZERO = 4         # all-zero samples (sensors powered down)
FAULT_NAMES = ("", "reset", "stuck", "implausible", "zero")

# Modes (MODE_*), carried by MODE events: training vibrates for slouches, tracking records
# silently (it still vibrates for errors and a low battery).
MODE_TRAINING = 0
MODE_TRACKING = 1
MODE_NAMES = ("training", "tracking")
# Why the mode changed (MODE_WHY_*).
MODE_WHY_SETTING = 0      # POSTURE_MODE set (settings.toml or `posture config`)
MODE_WHY_BUDGET = 1       # the day's training budget (POSTURE_TRAIN_MIN seated minutes) is used up
MODE_WHY_NEW_DAY = 2      # a new day started: training again
MODE_WHY_NAMES = ("setting", "budget", "new_day")

# Error codes (ERR_*).
ERR_SENSOR_MISSING = 1
ERR_LOG_WRITE = 2
ERR_SETTINGS = 3
ERR_FIRMWARE_MIXED = 4   # the installed firmware files are not one deploy's set; b: files that differ
ERR_SETTING_DROPPED = 5  # a setting override was dropped at start; b: index in settings.SPEC


def describe(event):
    """A dict for JSON output and the host: {'t_ms', 'event', ...named fields}."""
    t_ms, kind, a, b = event
    out = {"t_ms": t_ms, "event": kind}
    if kind == ACTIVITY:
        out["activity"] = ACTIVITY_NAMES[a] if 0 <= a < len(ACTIVITY_NAMES) else a
        out["previous"] = ACTIVITY_NAMES[b] if 0 <= b < len(ACTIVITY_NAMES) else b
    elif kind == SLOUCH_START:
        out["flexion_deg"] = a / 10
    elif kind == SLOUCH_ALERT:
        out["after_s"] = a / 1000
        out["flexion_deg"] = b / 10
    elif kind == SLOUCH_REMINDER:
        out["after_s"] = a / 1000
        out["reminder"] = b
    elif kind == SLOUCH_END:
        out["duration_s"] = a / 1000
        out["peak_deg"] = b / 10
    elif kind == CALIBRATED:
        out["mount_tilt_deg"] = a / 10
        out["samples"] = b
    elif kind == CALIBRATION_FAILED:
        out["reason"] = CAL_REASONS[a] if 0 <= a < len(CAL_REASONS) else a
    elif kind in (BREAK_ALERT, BREAK_TAKEN):
        out["seated_min"] = a
    elif kind == SENSOR_FAULT:
        out["cause"] = FAULT_NAMES[a] if 0 <= a < len(FAULT_NAMES) else a
        out["detail"] = b
    elif kind == MODE:
        out["mode"] = MODE_NAMES[a] if 0 <= a < len(MODE_NAMES) else a
        out["why"] = MODE_WHY_NAMES[b] if 0 <= b < len(MODE_WHY_NAMES) else b
    elif kind == SNOOZE:
        out["minutes"] = a
        out["by_press"] = bool(b)
    elif kind in (BATTERY, BATTERY_LOW):
        out["millivolts"] = a if kind == BATTERY else b
        out["percent"] = b if kind == BATTERY else a
    elif kind == SLEEP:
        out["asleep"] = bool(a)
        if a:
            out["off_body_min"] = b
        else:
            out["by_timer"] = bool(b)
    elif kind == BOOT:
        out["boot"] = a
        out["reason"] = b
    else:
        out["a"] = a
        out["b"] = b
    return out
