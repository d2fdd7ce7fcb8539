# The clip's day: training or tracking mode and the daily training budget. (Notes are
# comments, not docstrings: MicroPython keeps a loaded module's docstrings in RAM.)
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
# Wiring (firmware/wiring.py main): `emit` is the Monitor's, `minute` goes before the log's
# on_minute (kept in `next`), update() logs the boot's mode; a SET calls update() (datalink).
# Snooze: firmware/snooze.py, loaded only on a long press; `snooze` and poll() are its hooks.

from micropython import const

from firmware import events as ev
from firmware.haptics import QUIET_TRACKING
from firmware.ticks import ticks_diff

_NEW_DAY_MS = const(14400000)  # 4 h without an active minute: the night between two days
_ACTIVE_MOVING_S = const(10)   # a minute with this much moving (and no seated second) is active


class Modes:
    def __init__(self, settings, player, health, now):
        self.settings = settings
        self.player = player
        self.health = health
        self.emit = None         # Monitor.emit
        self.mode = ev.MODE_TRAINING
        self.seated_s = 0        # seated worn seconds of this day
        self.active_t = now      # ticks of the last active minute
        self.snooze = None       # a firmware.snooze.Snooze while one runs
        self.now = now           # ticks of the last poll (SET has no time of its own)
        self.next = None         # the detector's on_minute before this (the log's)

    def update(self, why=ev.MODE_WHY_SETTING, t=None):
        # The mode the settings and the day's count ask for; a change is logged (why) at t.
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
        self.emit((self.now if t is None else t, ev.MODE, mode, why))  # type: ignore[misc]  # set by wiring

    def minute(self, summary):
        # The detector's minute summary (t, worn, upright, slouch, moving, lying, ...).
        if self.next is not None:
            self.next(summary)
        t = summary[0]
        seated = summary[2] + summary[3]
        if self.seated_s and ticks_diff(t, self.active_t) >= _NEW_DAY_MS:
            self.seated_s = 0
            self.update(ev.MODE_WHY_NEW_DAY, t)
        if seated or summary[4] >= _ACTIVE_MOVING_S:
            self.active_t = t
        if seated:
            self.seated_s += seated
            self.update(ev.MODE_WHY_BUDGET, t)

    def poll(self, now):
        self.now = now
        if self.snooze is not None:
            self.snooze.poll(now)
