# Snooze (issue 13): loaded on a long press of the button, dropped from RAM when the snooze
# ends (a snooze is a few times a day at most). (Notes are comments, not docstrings:
# MicroPython keeps a loaded module's docstrings in RAM.)
#
# A long press (firmware/wiring.py Button) mutes slouch and break alerts for
# POSTURE_SNOOZE_MIN minutes (SNOOZE a = minutes, b = 1; the SNOOZE_ON pattern); another long
# press ends it (SNOOZE 0, 1; SNOOZE_OFF); running out logs SNOOZE 0, 0 without a buzz. Muted
# alerts are still logged as alerts: the player drops their patterns (haptics.Player.quiet).
# health.snooze counts the minutes left, for STATUS and LIVE.

from micropython import const

from firmware import events as ev
from firmware.haptics import QUIET_SNOOZED, SNOOZE_OFF, SNOOZE_ON
from firmware.ticks import ticks_add, ticks_diff

_MINUTE_MS = const(60000)


class Snooze:
    def __init__(self, modes, now):
        self.modes = modes
        self.left = modes.settings.snooze_min
        self.tick = ticks_add(now, _MINUTE_MS)    # when the next minute is over
        modes.health.snooze = self.left
        modes.player.quiet |= QUIET_SNOOZED
        modes.emit((now, ev.SNOOZE, self.left, 1), SNOOZE_ON)

    def poll(self, now):
        if ticks_diff(now, self.tick) >= 0:
            self.tick = ticks_add(self.tick, _MINUTE_MS)
            self.left -= 1
            self.modes.health.snooze = self.left
            if not self.left:
                self.end(now, 0)

    def end(self, now, by_press):
        modes = self.modes
        modes.snooze = None
        modes.health.snooze = 0
        modes.player.quiet &= ~QUIET_SNOOZED
        modes.emit((now, ev.SNOOZE, 0, by_press), SNOOZE_OFF if by_press else None)
        import sys

        import firmware
        sys.modules.pop("firmware.snooze", None)
        try:
            delattr(firmware, "snooze")
        except AttributeError:
            pass


def press(modes, now):
    # A long press: start a snooze, or end the one running.
    if modes.snooze is not None:
        modes.snooze.end(now, 1)
    else:
        modes.snooze = Snooze(modes, now)
