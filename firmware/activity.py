# What the wearer is doing, decided once a second from that second's features.
#
# Features of one second: spread of the acceleration magnitude (steps), gyro
# energy (rotation), how far the filtered gravity direction moved since the
# previous second (shifting), the tilt from the calibrated upright, and the mean
# acceleration of the second (the direction of gravity, averaged over the
# second's samples).
#
# Off the body. A worn clip always moves a little: breathing turns the trunk,
# so gravity's direction in the clip wanders. A clip on a desk is rigid: only
# the sensor's noise moves its reading. The figures behind the numbers below:
#   - accelerometer noise about 1.8 mg RMS per axis and sample (LSM6DS, the
#     simulated wearer uses the same figure), i.e. 0.10 degree of direction per
#     sample; the mean of one second (26 samples) is good to 0.10/sqrt(26) =
#     0.02 degree per axis (0.03 at 10 Hz);
#   - breathing turns the upper back by 0.3-1 degree at 12-18 breaths a minute;
#     a very still, slow breather (6 a minute, turning 0.12 degree/s at most)
#     still sways +-0.19 degree, 0.38 degree from end to end every 5 s;
#   - pulse (ballistocardiogram) micro-motion on the back is a few mg at most,
#     the size of one sample's noise: too weak to use without band filtering we
#     do not spend the RAM and time on, so it is not relied on.
# So each quiet second's mean direction is compared with the mean direction of
# the quiet spell so far. A change of more than 0.43 degree / sqrt(samples in the
# second) (0.084 degree at 26 Hz, 0.136 at 10 Hz: 4 noise standard deviations,
# so on a desk noise alone crosses it a few times an hour) is body motion and
# starts a new spell. _DESK_S seconds without one mean a rigid clip: off the
# body. Measured on the simulated wearer at 26 Hz (an hour each, slow wander
# added): a 6-a-minute breather of +-0.19 degree goes at most 14 s without one,
# of +-0.15 degree at most 17 s; so 20 s. (At 10-13 Hz the noise threshold
# grows and those runs reach 24 s: slower sampling than the board's 26 Hz would
# take such a still breather off the body.) A desk is known 20-22 s after the
# clip is put down, 8 s before the default slouch delay; for shorter delays (5 s
# at the least) the detector holds the alert until a breath is seen (below).
#
# The chip's temperature would tell the same story more slowly (a clip taken
# off cools from skin temperature over minutes) at the cost of an extra I2C
# read; the noise floor takes seconds and no bus traffic.
#
# Worn, proven. Large motion (a reach, steps, the clip in the hand) says
# nothing about where the clip is now. `worn_proven` holds once _PROOF small
# body motions have been seen since the last large one: a clip just put down may
# show one (the second it landed in), a breathing body shows one every second or
# two. The detector holds slouch alerts until then.
#
# Lying is a trunk near horizontal. A new activity is reported only after it
# has held for a few seconds, so one fidget does not count as moving.
# (Comments, not a docstring: MicroPython keeps docstrings in RAM.)


from micropython import const

from firmware.events import ACT_LYING, ACT_MOVING, ACT_OFF_BODY, ACT_SEATED, ACT_UNKNOWN, ACT_WALKING

WALK_MAG_STD = 0.9          # m/s^2 spread of |a| within a second: steps
MOVE_MAG_STD = 0.45         # m/s^2: shifting, getting up
MOVE_GYRO_RMS = 0.30        # rad/s (about 17 deg/s): a reach or a turn
MOVE_STEP_DEG = 4.0         # deg the trunk turned within one second
LYING_TILT_DEG = 60.0       # trunk this far from the calibrated upright: lying
# body motion: a second's direction more than 0.43 degree / sqrt(samples) from its spell's,
# and never less than 0.05 degree (fast sampling: the noise floor is not all white); as sin^2
_BREATH_NSIN2 = 5.632e-05       # sin(0.43 degree)^2, over the samples of the second
_BREATH_MIN_SIN2 = 7.615e-07    # sin(0.05 degree)^2
WAKE_STEP_DEG = 0.6         # a clip on the desk counts as worn again after a move this large
WAKE_DRIFT_DEG = 2.0        # ... or after its tilt has drifted this far since it went still (a slow slump)
_DESK_S = const(20)         # seconds without body motion before the clip counts as off the body
_PROOF = const(2)           # small body motions since the last large one that prove the clip is worn
_PROOF_CAP = const(100)
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
        self.rigid_s = 0        # quiet seconds in the current spell without body motion
        self.breaths = 0        # small body motions since the last large motion
        self._rx = 0.0          # sum of the spell's acceleration (its direction)
        self._ry = 0.0
        self._rz = 0.0
        self._off_tilt = 0.0

    def reset(self):
        self.current = ACT_UNKNOWN
        self._candidate = ACT_UNKNOWN
        self._held = 0
        self.rigid_s = 0
        self.breaths = 0

    @property
    def worn_proven(self):
        # body motion seen since the last large motion: the clip is on a breathing body
        return self.breaths >= _PROOF

    def second(self, mag_std, gyro_rms, step_deg, tilt_deg, n, sx, sy, sz):
        # one second (and the sum of its n samples' acceleration) in; the reported activity out
        large = gyro_rms >= MOVE_GYRO_RMS or mag_std >= MOVE_MAG_STD or step_deg >= MOVE_STEP_DEG
        if self.current == ACT_OFF_BODY:
            # stays off the body until picked up, or until it turns slowly but surely
            drift = tilt_deg - self._off_tilt
            if (step_deg < WAKE_STEP_DEG and not large
                    and -WAKE_DRIFT_DEG < drift < WAKE_DRIFT_DEG):
                return self.current
            self.current = ACT_MOVING
            self._candidate = ACT_MOVING
            self._held = 0
            self.rigid_s = 0
            self.breaths = 0
            return self.current
        # quiet spells on the second's summed acceleration (see the notes at the top); the
        # spell's direction is the sum of its seconds' sums. No square roots, few temporaries.
        if large or (sx == 0.0 and sy == 0.0 and sz == 0.0):
            self.rigid_s = 0
            self.breaths = 0
        elif self.rigid_s:
            rx, ry, rz = self._rx, self._ry, self._rz
            # sin^2 of the angle between this second and the spell: |s x r|^2 / (|s|^2 |r|^2)
            cx, cy, cz = sy * rz - sz * ry, sz * rx - sx * rz, sx * ry - sy * rx
            lim = _BREATH_NSIN2 / n
            if lim < _BREATH_MIN_SIN2:
                lim = _BREATH_MIN_SIN2
            if cx * cx + cy * cy + cz * cz <= lim * (sx * sx + sy * sy + sz * sz) * (rx * rx + ry * ry + rz * rz):
                self._rx, self._ry, self._rz = rx + sx, ry + sy, rz + sz
                self.rigid_s += 1
            else:
                if self.breaths < _PROOF_CAP:
                    self.breaths += 1
                self._rx, self._ry, self._rz = sx, sy, sz
                self.rigid_s = 1
        else:
            self._rx, self._ry, self._rz = sx, sy, sz
            self.rigid_s = 1
        if self.rigid_s >= _DESK_S:
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
