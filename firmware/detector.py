"""The posture detector: samples in, events out. Pure logic, no hardware.

Per sample it updates the tilt filter and a one-second window of motion
features. Once a second it decides the activity and runs the slouch and break
state machines; once a minute it closes a summary for the log.

Slouch: forward flexion beyond `slouch_deg` while seated and worn starts an
episode; it alerts after `slouch_delay_s`, reminds every `remind_s`, and ends
once flexion has stayed below `slouch_deg - hysteresis_deg` for _END_HOLD_S
seconds, or the wearer walks, lies down or takes the clip off. Leaning back
and sideways never count. Break: `break_min` minutes of seated wear without a
stretch of walking (or time away) suggest standing up.

All durations are integer milliseconds or seconds; ticks wrap (ticks.py).
"""

import math

from micropython import const

from firmware import events as ev
from firmware.activity import MOVE_GYRO_RMS, MOVE_MAG_STD, MOVE_STEP_DEG, ActivityTracker
from firmware.orientation import FACE_OUT_LIMIT, Frame, TiltFilter
from firmware.ticks import ticks_add, ticks_diff

NO_EVENTS = ()                  # returned between seconds (no allocation)
_G2 = 9.80665 * 9.80665
_DEG = 180.0 / math.pi

_CAL_STILL_S = const(5)          # consecutive still seconds averaged for a calibration
_CAL_GIVE_UP_S = const(60)       # report "not still" after this long without a calibration
CAL_MAG_STD = 0.15              # m/s^2: still enough to calibrate
CAL_GYRO_RMS = 0.10             # rad/s
CAL_STEP_DEG = 3.0             # breathing moves the trunk about a degree; a fidget more
_END_HOLD_S = const(2)           # seconds below the release angle that end an episode
_BREAK_AWAY_S = const(45)        # continuous seconds walking or away that count as a break
_BREAK_MIN_SEATED_S = const(300)  # a break is reported only after this much sitting
_GAP_MS = const(5000)            # a longer silence restarts the window timing
_GYRO_IDLE_S = const(10)         # seconds of stillness after which the gyro may sleep
_REWEAR_OFF_S = const(60)        # off the body this long: take a new frame when it is worn again
GYRO_WAKE_DEG = 3.0             # a per-second turn this large wakes the gyro (breathing stays below)


def _d10(deg):
    return int(deg * 10 + (0.5 if deg >= 0 else -0.5))


class PostureDetector:
    """Feed `update(t_ms, ax, ay, az, gx, gy, gz)`; it returns a sequence of events."""

    def __init__(self, settings, on_minute=None, calibrate_now=True):
        self.settings = settings
        self.on_minute = on_minute
        self.filter = TiltFilter()
        self.activity = ActivityTracker()
        self.frame = None
        self.flexion = 0.0
        self.lean = 0.0
        self.tilt = 0.0
        self._last_t = None
        self._win_start = 0
        self._prev_dir = None
        self._clear_window()
        self._calibrating = calibrate_now
        self._cal_reset()
        self._reported_not_still = False
        self._reported_face = False
        self._episode = False
        # episode state, all created here so the instance never grows at run time
        self._ep_start = 0
        self._ep_peak = 0.0
        self._ep_below = 0
        self._ep_below_t = 0
        self._ep_alerted = False
        self._ep_reminders = 0
        self.seated_s = 0
        self._away_s = 0
        self._next_break_s = 0
        self._still_s = 0
        self._off_s = 0
        # re-wear frame: pending flag, still seconds and their summed mean acceleration
        self._rewear = False
        self._rw_n = 0
        self._rw_x = self._rw_y = self._rw_z = 0.0
        # where gravity was (unit, clip axes) when the clip went off the body, and whether a
        # large move (the clip handled) has been seen since: see _rewear_second
        # where gravity pointed when the clip went still, in 1/10000 of a unit vector: small ints,
        # so holding it costs no heap (a float is an object on some ports)
        self._off_x = self._off_y = self._off_z = 0
        self._rw_moved = False
        self._minute_reset()
        self.apply_settings(settings)

    # ----- settings and requests -----
    def apply_settings(self, settings):
        self.settings = settings
        self._enter = float(settings.slouch_deg)
        # never below 1 degree: a hysteresis as large as the threshold would make a slouch endless
        self._release = max(1.0, float(settings.slouch_deg - settings.hysteresis_deg))
        self._delay_ms = settings.slouch_delay_s * 1000
        self._remind_ms = settings.remind_s * 1000
        self._break_s = settings.break_min * 60
        if self._break_s:
            # the next reminder at the next multiple of the (possibly new) interval
            self._next_break_s = (self.seated_s // self._break_s + 1) * self._break_s

    def request_calibration(self):
        """Start a new calibration: the wearer should sit upright and still.

        With a previous calibration, a request that finds no still, face-out
        moment within _CAL_GIVE_UP_S goes back to it rather than leaving the
        clip blind; at power-on it keeps trying (and says so once).
        """
        self._calibrating = True
        self._rewear = False        # the calibration gives the new frame
        self._cal_reset()
        self._reported_not_still = False
        self._reported_face = False

    @property
    def calibrated(self):
        return self.frame is not None and not self._calibrating

    @property
    def calibrating(self):
        return self._calibrating

    @property
    def in_slouch(self):
        return self._episode

    @property
    def wants_gyro(self):
        """False once the wearer has been still for a while: the gyro can be powered down."""
        return self._calibrating or self._still_s < _GYRO_IDLE_S

    def set_gyro(self, on):
        """Tell the filter whether gyro readings are real (on) or absent (off)."""
        self.filter.use_gyro = on

    # ----- per sample -----
    def update(self, t, ax, ay, az, gx, gy, gz):
        last = self._last_t
        self._last_t = t
        if last is None:
            self._win_start = t
            dt = 0
        else:
            dt = ticks_diff(t, last)
            if dt < 0 or dt > _GAP_MS:
                # time went backwards or a long silence: restart the window
                self._clear_window()
                self._win_start = t
                dt = 0
        self.filter.update(dt, ax, ay, az, gx, gy, gz)
        d = ax * ax + ay * ay + az * az - _G2
        self._n += 1
        self._s_d += d
        self._s_d2 += d * d
        self._s_w2 += gx * gx + gy * gy + gz * gz
        # the second's mean acceleration: calibration, off-body and re-wear use it
        self._sax += ax
        self._say += ay
        self._saz += az
        if self._calibrating:
            self._sgx += gx
            self._sgy += gy
            self._sgz += gz
        if ticks_diff(t, self._win_start) >= 1000:
            return self._close_second(t)
        return NO_EVENTS

    def _clear_window(self):
        self._n = 0
        self._s_d = 0.0
        self._s_d2 = 0.0
        self._s_w2 = 0.0
        self._sax = self._say = self._saz = 0.0
        self._sgx = self._sgy = self._sgz = 0.0

    # ----- once a second -----
    def _close_second(self, t):
        n = self._n
        mean_d = self._s_d / n
        var_d = self._s_d2 / n - mean_d * mean_d
        # spread of |a| ~ spread of |a|^2 / (2 g)
        mag_std = math.sqrt(var_d) / 19.6133 if var_d > 0 else 0.0
        f = self.filter
        w2 = self._s_w2 / n - (f.bx * f.bx + f.by * f.by + f.bz * f.bz)
        gyro_rms = math.sqrt(w2) if w2 > 0 else 0.0
        gx, gy, gz = f.direction()
        prev = self._prev_dir
        if prev is None:
            step_deg = 0.0
        else:
            dx, dy, dz = gx - prev[0], gy - prev[1], gz - prev[2]
            step_deg = math.sqrt(dx * dx + dy * dy + dz * dz) * _DEG
        self._prev_dir = (gx, gy, gz)
        out = []  # type: list
        if self._calibrating:
            self._calibration_second(t, n, mag_std, gyro_rms, step_deg, out)
        else:
            self._posture_second(t, mag_std, gyro_rms, step_deg, gx, gy, gz, out)
        self._clear_window()
        self._win_start = ticks_add(self._win_start, 1000)
        if ticks_diff(t, self._win_start) >= 1000:
            self._win_start = t
        return out

    def _cal_reset(self):
        self._cal_n = 0
        self._cal_waited = 0
        self._cal_a = [0.0, 0.0, 0.0]
        self._cal_w = [0.0, 0.0, 0.0]

    def _calibration_second(self, t, n, mag_std, gyro_rms, step_deg, out):
        self._cal_waited += 1
        still = mag_std < CAL_MAG_STD and gyro_rms < CAL_GYRO_RMS + 0.05 and step_deg < CAL_STEP_DEG
        if not still:
            self._cal_n = 0
            self._cal_a = [0.0, 0.0, 0.0]
            self._cal_w = [0.0, 0.0, 0.0]
            self._cal_timeout(t, out)
            return
        a, w = self._cal_a, self._cal_w
        a[0] += self._sax / n
        a[1] += self._say / n
        a[2] += self._saz / n
        w[0] += self._sgx / n
        w[1] += self._sgy / n
        w[2] += self._sgz / n
        self._cal_n += 1
        if self._cal_n < _CAL_STILL_S:
            return
        k = 1.0 / self._cal_n
        frame = Frame(a[0] * k, a[1] * k, a[2] * k)
        # |mean a| outside 0.7-1.3 g (zeros included): a still clip feels 1 g, so this is not
        # real data (a sensor at its power-on defaults reads 0). Refused like a clip not face out.
        odd = not 6.86 < frame.g < 12.75
        if odd or not frame.face_out:
            self._cal_n = 0
            self._cal_a = [0.0, 0.0, 0.0]
            self._cal_w = [0.0, 0.0, 0.0]
            bit = 2 if odd else 1   # _reported_face is a small bit set: 1 face, 2 implausible
            if not self._reported_face & bit:   # once per request: no buzz and flash write every 5 s
                self._reported_face |= bit  # type: ignore[assignment]  # False/True start it: 0/1
                out.append((t, ev.CALIBRATION_FAILED, ev.CAL_IMPLAUSIBLE, int(frame.g * 101.97)) if odd else
                           (t, ev.CALIBRATION_FAILED, ev.CAL_NOT_FACE_OUT, _d10(frame.mount_tilt_deg)))
            self._cal_timeout(t, out)
            return
        f = self.filter
        f.bx, f.by, f.bz = w[0] * k, w[1] * k, w[2] * k
        f.reset(a[0] * k, a[1] * k, a[2] * k)
        self._prev_dir = None
        self.frame = frame
        self._calibrating = False
        self.activity.reset()
        if self._episode:
            self._end_episode(t, out)
        out.append((t, ev.CALIBRATED, _d10(frame.mount_tilt_deg), self._cal_n * n))

    def _cal_timeout(self, t, out):
        if self._cal_waited < _CAL_GIVE_UP_S:
            return
        if self.frame is not None:
            # keep the previous calibration rather than stop watching posture
            self._calibrating = False
            self._prev_dir = None
            out.append((t, ev.CALIBRATION_FAILED, ev.CAL_NOT_STILL, 0))
        elif not self._reported_not_still:
            self._reported_not_still = True
            out.append((t, ev.CALIBRATION_FAILED, ev.CAL_NOT_STILL, 0))

    def _posture_second(self, t, mag_std, gyro_rms, step_deg, gx, gy, gz, out):
        if self.frame is None:
            return
        flex, lean, tilt = self.frame.angles(gx, gy, gz)
        act_before = self.activity.current
        act = self.activity.second(mag_std, gyro_rms, step_deg, tilt, self._n, self._sax, self._say, self._saz)
        if act != act_before:
            out.append((t, ev.ACTIVITY, act, act_before))
        if act != ev.ACT_MOVING and act != ev.ACT_WALKING and step_deg < GYRO_WAKE_DEG:
            self._still_s += 1
        else:
            self._still_s = 0
        if act == ev.ACT_OFF_BODY:
            if self._off_s == 0:
                self._off_x, self._off_y, self._off_z = int(gx * 10000), int(gy * 10000), int(gz * 10000)
                self._rw_moved = False
            self._off_s += 1
        else:
            if gyro_rms >= MOVE_GYRO_RMS or mag_std >= MOVE_MAG_STD or step_deg >= MOVE_STEP_DEG:
                self._rw_moved = True       # handled (a pick-up, a reach, getting up, steps)
            if self._off_s >= _REWEAR_OFF_S:
                # Worn again after time off the body, perhaps clipped on at another angle:
                # take a new frame at the next still moment (see _rewear_second). Until
                # then the old frame keeps watching.
                self._rewear = True
                self._rw_n = 0
                self._rw_x = self._rw_y = self._rw_z = 0.0
            self._off_s = 0
            if self._rewear and self._rewear_second(t, act, mag_std, gyro_rms, step_deg, out):
                flex, lean, tilt = self.frame.angles(gx, gy, gz)
        self.flexion, self.lean, self.tilt = flex, lean, tilt
        seated = act == ev.ACT_SEATED or act == ev.ACT_MOVING
        self._slouch_second(t, seated, flex, out)
        self._break_second(t, seated, out)
        self._minute_second(t, act, seated, flex, out)

    def _rewear_second(self, t, act, mag_std, gyro_rms, step_deg, out):
        # Collects a still moment after re-wear; True once a new frame is taken.
        # The old frame gives no safe answer on its own: the clip may be back at
        # another angle, or the wearer may be slumped while clipping it on. The two
        # differ in one way gravity can see. Turning the clip within the plane of the
        # back (the usual change when clipping it on again) moves gravity within the
        # clip's face and leaves its elevation from the face (asin of up's Z component)
        # alone; bending forward raises the face toward the sky by the bend (face out).
        # So: when the face did not rise, the wearer is upright (or leaning back)
        # relative to the old frame and the moment is taken whole. When it rose, the
        # new turn within the face is taken but the old elevation kept, so a slump
        # at re-wear still reads as a slump (even a 3 degree one: taken whole, it
        # would make every later slouch read 3 degrees less). Re-wear can make the
        # clip more watchful, never less: a clip really clipped on with its face
        # tipped further skyward reads as bent forward by that much until the wearer
        # calibrates (button or `posture calibrate`): noisy, never silent.
        still = (mag_std < CAL_MAG_STD and gyro_rms < CAL_GYRO_RMS + 0.05 and step_deg < CAL_STEP_DEG
                 and (act == ev.ACT_SEATED or act == ev.ACT_LYING))
        if not still:
            self._rw_n = 0
            self._rw_x = self._rw_y = self._rw_z = 0.0
            return False
        k = 1.0 / self._n
        self._rw_x += self._sax * k
        self._rw_y += self._say * k
        self._rw_z += self._saz * k
        self._rw_n += 1
        if self._rw_n < _CAL_STILL_S or not self.activity.worn_proven:
            return False
        k = 1.0 / self._rw_n
        cx, cy, cz = self._rw_x * k, self._rw_y * k, self._rw_z * k
        g = math.sqrt(cx * cx + cy * cy + cz * cz)
        old = self.frame
        if old is None or not 6.86 < g < 12.75:    # |a| outside 0.7-1.3 g: not gravity
            self._rw_n = 0
            self._rw_x = self._rw_y = self._rw_z = 0.0
            return False
        # Was it really taken off and put back on? Gravity alone cannot say: a wearer lying
        # still on one side and a clip turned on the back within the back's plane are both a
        # turn about the clip's face-out axis, and a side lier can be so still that breathing
        # barely turns the clip (it reads as off the body after 20 s). What else is known is
        # the clip's history. A real re-wear follows a pick-up: the clip was handled (a large
        # move) and sits at another angle than where it lay (a desk is not a back). A still
        # lier's clip never moved: it is where it went still, give or take a breath and a
        # settle (1-3 degrees). So the old frame stays (the re-wear is dropped) when neither
        # a large move was seen since the clip went still nor gravity is now more than
        # 10 degrees from where it was then.
        # (0.985 = cos 10 degrees; 0.5 below = cos 60 degrees, activity.LYING_TILT_DEG.)
        ux, uy, uz = self._off_x * 0.0001, self._off_y * 0.0001, self._off_z * 0.0001
        if not self._rw_moved and cx * ux + cy * uy + cz * uz > 0.985 * g:
            self._rewear = False
            self._rw_n = 0
            self._rw_x = self._rw_y = self._rw_z = 0.0
            return False
        # A lier may also roll over or shift while "off the body" (a large move) and lie still
        # again: the new pose is again a turn about the face-out axis. A clip that went still
        # with its face out (as on a body) and reading LYING against the old frame was most
        # likely on a lying wearer, so while the moment still reads LYING against the old
        # frame nothing is taken; the first still moment that does not (sitting up) is. A desk
        # leaves the clip face up or down, so a real re-wear from a desk, however turned on
        # the back (even reading LYING against the old frame), is taken at once.
        ex, ey, ez = old.up
        if (-FACE_OUT_LIMIT <= uz <= FACE_OUT_LIMIT and ux * ex + uy * ey + uz * ez <= 0.5
                and cx * ex + cy * ey + cz * ez <= 0.5 * g):
            self._rw_n = 0
            self._rw_x = self._rw_y = self._rw_z = 0.0
            return False
        if cz > ez * g:
            # the face rose: keep its old elevation, take only the turn within it
            h = math.sqrt(cx * cx + cy * cy)
            if h < 1e-6:
                return False
            h = math.sqrt(1.0 - ez * ez) / h
            cx, cy, cz = cx * h, cy * h, ez
        frame = Frame(cx, cy, cz)
        if not frame.face_out:
            return False
        self.frame = frame
        self._rewear = False
        out.append((t, ev.CALIBRATED, _d10(frame.mount_tilt_deg), self._rw_n * self._n))
        self._rw_x = self._rw_y = self._rw_z = 0.0     # hold no float objects: the heap stays flat
        return True

    def _slouch_second(self, t, seated, flex, out):
        if not self._episode:
            if seated and flex > self._enter:
                self._episode = True
                self._ep_start = t
                self._ep_peak = flex
                self._ep_below = 0
                self._ep_below_t = t
                self._ep_alerted = False
                self._ep_reminders = 0
                out.append((t, ev.SLOUCH_START, _d10(flex), 0))
            return
        if not seated:
            self._end_episode(t, out)
            return
        if flex < self._release:
            if self._ep_below == 0:
                self._ep_below_t = t
            self._ep_below += 1
            if self._ep_below >= _END_HOLD_S:
                self._end_episode(self._ep_below_t, out)
            return
        self._ep_below = 0
        if flex > self._ep_peak:
            self._ep_peak = flex
        since = ticks_diff(t, self._ep_start)
        if not self.activity.worn_proven:
            # Not one breath seen since the last large motion: the clip may have just been
            # put down on a desk at a slouch-like tilt (it is known off the body within
            # _DESK_S s, which ends the episode). Hold the buzz until the body shows.
            return
        if not self._ep_alerted:
            if since >= self._delay_ms:
                self._ep_alerted = True
                self._alerts += 1
                out.append((t, ev.SLOUCH_ALERT, since, _d10(flex)))
        elif since >= self._delay_ms + (self._ep_reminders + 1) * self._remind_ms:
            self._ep_reminders += 1
            self._alerts += 1
            out.append((t, ev.SLOUCH_REMINDER, since, self._ep_reminders))

    def _end_episode(self, t, out):
        self._episode = False
        duration = ticks_diff(t, self._ep_start)
        out.append((t, ev.SLOUCH_END, duration if duration > 0 else 0, _d10(self._ep_peak)))

    def _break_second(self, t, seated, out):
        if seated:
            self._away_s = 0
            self.seated_s += 1
            if self._break_s and self.seated_s >= self._next_break_s:
                out.append((t, ev.BREAK_ALERT, self.seated_s // 60, 0))
                self._next_break_s += self._break_s
            return
        self._away_s += 1
        if self._away_s == _BREAK_AWAY_S:
            if self.seated_s >= _BREAK_MIN_SEATED_S:
                out.append((t, ev.BREAK_TAKEN, self.seated_s // 60, 0))
            self.seated_s = 0
            self._next_break_s = self._break_s

    # ----- once a minute -----
    def _minute_reset(self):
        self._m_secs = 0
        self._m_worn = 0
        self._m_upright = 0
        self._m_slouch = 0
        self._m_moving = 0
        self._m_lying = 0
        self._m_flex_sum = 0
        self._m_flex_n = 0
        self._m_peak = -1800
        self._alerts = 0

    def _minute_second(self, t, act, seated, flex, out):
        self._m_secs += 1
        if act != ev.ACT_OFF_BODY:
            self._m_worn += 1
            if act == ev.ACT_LYING:
                self._m_lying += 1
            elif act == ev.ACT_MOVING or act == ev.ACT_WALKING:
                self._m_moving += 1
            elif self._episode:
                self._m_slouch += 1
            else:
                self._m_upright += 1
            if seated:
                f10 = _d10(flex)
                self._m_flex_sum += f10
                self._m_flex_n += 1
                if f10 > self._m_peak:
                    self._m_peak = f10
        if self._m_secs >= 60:
            n = self._m_flex_n
            mean = (self._m_flex_sum + n // 2) // n if n else 0
            peak = self._m_peak if n else 0
            summary = (t, self._m_worn, self._m_upright, self._m_slouch, self._m_moving,
                       self._m_lying, mean, peak, self._alerts)
            self._minute_reset()
            if self.on_minute is not None:
                self.on_minute(summary)
