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

KINDS = (
    BOOT, CALIBRATED, CALIBRATION_FAILED, ACTIVITY, SLOUCH_START, SLOUCH_ALERT,
    SLOUCH_REMINDER, SLOUCH_END, BREAK_ALERT, BREAK_TAKEN, SENSOR_ERROR,
    SENSOR_RECOVERED, ERROR, LOG_DROPPED,
)
# code = index in KINDS + 1
KIND_CODE = {}
for _i, _k in enumerate(KINDS):
    KIND_CODE[_k] = _i + 1

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
CAL_REASONS = ("", "not_still", "not_face_out", "no_data")

# Error codes (ERR_*).
ERR_SENSOR_MISSING = 1
ERR_LOG_WRITE = 2
ERR_SETTINGS = 3


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
    elif kind == BOOT:
        out["boot"] = a
        out["reason"] = b
    else:
        out["a"] = a
        out["b"] = b
    return out
