"""What the wearer is doing, decided once a second from that second's features.

Features of one second: spread of the acceleration magnitude (steps), gyro
energy (rotation), how far the filtered gravity direction moved since the
previous second (shifting, breathing), and the tilt from the calibrated upright.

A worn clip always moves a little with breathing; a clip left on a desk does
not. Lying is a trunk near horizontal. A new activity is reported only after it
has held for a few seconds, so one fidget does not count as moving.
"""

from micropython import const

from firmware.events import ACT_LYING, ACT_MOVING, ACT_OFF_BODY, ACT_SEATED, ACT_UNKNOWN, ACT_WALKING

WALK_MAG_STD = 0.9          # m/s^2 spread of |a| within a second: steps
MOVE_MAG_STD = 0.45         # m/s^2: shifting, getting up
MOVE_GYRO_RMS = 0.30        # rad/s (about 17 deg/s): a reach or a turn
MOVE_STEP_DEG = 4.0         # deg the trunk turned within one second
LYING_TILT_DEG = 60.0       # trunk this far from the calibrated upright: lying
QUIET_STEP_DEG = 0.12       # below this per-second change (and no gyro motion): no breathing
QUIET_GYRO_RMS = 0.05
WAKE_STEP_DEG = 0.6         # a clip on the desk counts as worn again after a move this large
WAKE_DRIFT_DEG = 2.0        # ... or after its tilt has drifted this far since it went still (a slow slump)
_OFF_BODY_AFTER_S = const(30)   # seconds without breathing motion before the clip counts as off the body
_HOLD_S = const(3)           # seconds a new activity must hold before it is reported


def raw_activity(mag_std, gyro_rms, step_deg, tilt_deg):
    """The activity that this one second looks like, without history."""
    if mag_std >= WALK_MAG_STD:
        return ACT_WALKING
    if tilt_deg >= LYING_TILT_DEG:
        return ACT_LYING
    if gyro_rms >= MOVE_GYRO_RMS or mag_std >= MOVE_MAG_STD or step_deg >= MOVE_STEP_DEG:
        return ACT_MOVING
    return ACT_SEATED


class ActivityTracker:
    """Debounced activity, including off-body detection."""

    def __init__(self):
        self.current = ACT_UNKNOWN
        self._candidate = ACT_UNKNOWN
        self._held = 0
        self.quiet_s = 0
        self._off_tilt = 0.0

    def reset(self):
        self.current = ACT_UNKNOWN
        self._candidate = ACT_UNKNOWN
        self._held = 0
        self.quiet_s = 0

    def second(self, mag_std, gyro_rms, step_deg, tilt_deg):
        """Feed one second; returns the (possibly unchanged) reported activity."""
        if step_deg < QUIET_STEP_DEG and gyro_rms < QUIET_GYRO_RMS and mag_std < MOVE_MAG_STD:
            self.quiet_s += 1
        else:
            self.quiet_s = 0
        if self.current == ACT_OFF_BODY:
            # stays off the body until picked up, or until it turns slowly but surely
            drift = tilt_deg - self._off_tilt
            if (step_deg < WAKE_STEP_DEG and gyro_rms < MOVE_GYRO_RMS and mag_std < MOVE_MAG_STD
                    and -WAKE_DRIFT_DEG < drift < WAKE_DRIFT_DEG):
                return self.current
            self.current = ACT_MOVING
            self._candidate = ACT_MOVING
            self._held = 0
            return self.current
        if self.quiet_s >= _OFF_BODY_AFTER_S:
            self.current = ACT_OFF_BODY
            self._candidate = ACT_OFF_BODY
            self._off_tilt = tilt_deg
            return self.current
        act = raw_activity(mag_std, gyro_rms, step_deg, tilt_deg)
        if act == self._candidate:
            self._held += 1
        else:
            self._candidate = act
            self._held = 1
        hold = 1 if self.current == ACT_UNKNOWN else _HOLD_S
        if act != self.current and self._held >= hold:
            self.current = act
        return self.current
