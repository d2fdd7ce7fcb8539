"""The clip's day: training or tracking mode, the daily training budget, and snooze."""

# (Notes are comments, not docstrings: MicroPython keeps a loaded module's docstrings in RAM.)
#
# Modes. Training vibrates for slouches and breaks; tracking records the same events and
# minutes but does not vibrate for them (errors, a lost sensor and a low battery still buzz).
# The mode is POSTURE_MODE, or tracking once the day's training budget is used up:
# POSTURE_TRAIN_MIN seated worn minutes (upright + slouched seconds of the detector's minute
# summaries; 0 trains all day). Every change is a MODE event (a = MODE_*, b = why); a boot
# that starts in tracking logs one at once (the host takes a boot without one as training).
#
# A new day. The board has no clock of the day, and the host's TIME is UTC: a date change
# there would start the budget again at 4 pm in California. What a person does have is a
# night: a new day starts once _NEW_DAY_MS have passed since the last active minute (seated,
# or moving for 10 s or more): asleep, lying down, the clip on the desk or out of data. The
# budget starts again and, if it had run out, the clip trains again (MODE, MODE_WHY_NEW_DAY,
# logged at the first minute summary past those 4 h).
# Known limit: the count is in RAM, so a restart (power, crash) also starts a new day.
#
# Snooze. A long press (firmware/wiring.py Button) mutes slouch and break alerts for
# POSTURE_SNOOZE_MIN minutes (SNOOZE a = minutes, b = 1; the SNOOZE_ON pattern); another long
# press ends it (SNOOZE 0, 1; SNOOZE_OFF); running out logs SNOOZE 0, 0 without a buzz. Muted
# alerts are still logged as alerts: the player drops their patterns (haptics.Player.quiet).

from micropython import const

from firmware import events as ev
from firmware.haptics import QUIET_SNOOZED, QUIET_TRACKING, SNOOZE_OFF, SNOOZE_ON
from firmware.ticks import ticks_add, ticks_diff

_NEW_DAY_MS = const(14400000)  # 4 h without an active minute: the night between two days
_ACTIVE_MOVING_S = const(10)   # a minute with this much moving (and no seated second) is active
_MINUTE_MS = const(60000)


class Modes:
    def __init__(self, settings, player, health, now):
        self.settings = settings
        self.player = player
        self.health = health
        self.emit = None         # Monitor.emit, given by start()
        self.mode = ev.MODE_TRAINING
        self.seated_s = 0        # seated worn seconds of this day
        self.active_t = now      # ticks of the last active minute
        self.snooze_left = 0     # minutes
        self.now = now           # ticks of the last poll (SET has no time of its own)
        self._tick = now         # when the snooze's next minute is over
        self._next = None        # the detector's on_minute before this (the log's)

    def start(self, monitor, detector):
        # Called once the Monitor exists: log the mode of this boot if it is not training,
        # and watch the minute summaries.
        self.emit = monitor.emit
        self._next = detector.on_minute
        detector.on_minute = self.minute
        self._set_mode(ev.MODE_WHY_SETTING)

    def apply(self):
        # A SET (protocol's on_set): POSTURE_MODE or POSTURE_TRAIN_MIN may change the mode now.
        self._set_mode(ev.MODE_WHY_SETTING)

    def _set_mode(self, why, t=None):
        s = self.settings
        budget = s.train_min
        mode = ev.MODE_TRACKING if (s.mode == "tracking" or (budget and self.seated_s >= budget * 60)) \
            else ev.MODE_TRAINING
        if mode == self.mode:
            return
        self.mode = mode
        self.health.mode = ev.MODE_NAMES[mode]
        if mode == ev.MODE_TRACKING:
            self.player.quiet |= QUIET_TRACKING
        else:
            self.player.quiet &= ~QUIET_TRACKING
        self.emit((self.now if t is None else t, ev.MODE, mode, why))  # type: ignore[misc]  # set by start()

    def minute(self, summary):
        # The detector's minute summary (t, worn, upright, slouch, moving, lying, ...).
        if self._next is not None:
            self._next(summary)
        t = summary[0]
        seated = summary[2] + summary[3]
        if self.seated_s and ticks_diff(t, self.active_t) >= _NEW_DAY_MS:
            self.seated_s = 0
            self._set_mode(ev.MODE_WHY_NEW_DAY, t)
        if seated or summary[4] >= _ACTIVE_MOVING_S:
            self.active_t = t
        if seated:
            self.seated_s += seated
            self._set_mode(ev.MODE_WHY_BUDGET, t)

    def long_press(self, now):
        # The button held about 1.5 s: start a snooze, or end the one running.
        if self.snooze_left:
            self._unsnooze(now, 1)
            return
        self.snooze_left = self.settings.snooze_min
        self.health.snooze = self.snooze_left
        self._tick = ticks_add(now, _MINUTE_MS)
        self.player.quiet |= QUIET_SNOOZED
        self.emit((now, ev.SNOOZE, self.snooze_left, 1), SNOOZE_ON)  # type: ignore[misc]

    def _unsnooze(self, now, by_press):
        self.snooze_left = 0
        self.health.snooze = 0
        self.player.quiet &= ~QUIET_SNOOZED
        self.emit((now, ev.SNOOZE, 0, by_press), SNOOZE_OFF if by_press else None)  # type: ignore[misc]

    def poll(self, now):
        self.now = now
        if self.snooze_left and ticks_diff(now, self._tick) >= 0:
            self._tick = ticks_add(self._tick, _MINUTE_MS)
            self.snooze_left -= 1
            self.health.snooze = self.snooze_left
            if not self.snooze_left:
                self._unsnooze(now, 0)
