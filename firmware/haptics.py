"""Vibration patterns and a player that never blocks the sensor loop."""

# (The module's notes are comments, not its docstring: MicroPython keeps a docstring in RAM.)
# A pattern is a tuple of millisecond durations, alternating on and off,
# starting with on. `Player.update(now_ms)` is called every loop iteration and
# switches the motor when a step is due, so a pattern plays while samples keep
# flowing. Output backends wrap objects handed in by code.py (a digital pin, a
# PWM pin or a DRV2605 driver), so this module imports no hardware.

from firmware import events as ev
from firmware.ticks import ticks_add, ticks_diff

# on/off durations in ms, starting with on
SLOUCH_ALERT = (220, 140, 220)
SLOUCH_REMINDER = (450,)
BREAK = (120, 120, 120, 120, 120, 250, 600)
CALIBRATED = (90,)
ERROR = (70, 70, 70, 70, 70, 70, 70, 70, 70)
# the sensor gives no real data and rebuilding it has not helped: two long buzzes, unlike
# any other pattern, so the wearer knows the clip is not watching (monitor.py plays it)
SENSOR_LOST = (900, 300, 900)
# snooze (firmware/modes.py): started by a long press, rising (short, short, long); ended by
# one, falling (long, short)
SNOOZE_ON = (60, 120, 60, 120, 400)
SNOOZE_OFF = (400, 120, 60)
# the cell reached POSTURE_BATTERY_LOW_PCT (firmware/battery.py): three slow pulses, once
BATTERY_LOW = (300, 300, 300, 300, 300)

# Player.quiet bits: while any is set, slouch and break alerts are logged but not played
QUIET_TRACKING = 1   # tracking mode (POSTURE_MODE or the day's training budget used up)
QUIET_SNOOZED = 2    # a snooze by a long press

PATTERN_FOR_EVENT = {
    ev.SLOUCH_ALERT: SLOUCH_ALERT,
    ev.SLOUCH_REMINDER: SLOUCH_REMINDER,
    ev.BREAK_ALERT: BREAK,
    ev.CALIBRATED: CALIBRATED,
    ev.CALIBRATION_FAILED: ERROR,
    ev.ERROR: ERROR,
    ev.SENSOR_ERROR: ERROR,
}

# DRV2605 library effects (ROM library 1) standing for each pattern
DRV_EFFECT = {
    SLOUCH_ALERT: 10,     # double click 100%
    SLOUCH_REMINDER: 15,  # 750 ms alert
    BREAK: 12,            # triple click 100%
    CALIBRATED: 1,        # strong click
    ERROR: 47,            # buzz 1 100%
    SENSOR_LOST: 52,      # pulsing strong 1 100%
    SNOOZE_ON: 82,        # transition ramp up long smooth 1
    SNOOZE_OFF: 70,       # transition ramp down long smooth 1
    BATTERY_LOW: 14,      # strong buzz 100%
}


class DigitalMotor:
    """A motor switched by a transistor on a plain digital pin (on or off)."""

    def __init__(self, pin_out):
        self._pin = pin_out

    def set(self, level):
        self._pin.value = level > 0


class PwmMotor:
    """A motor on a PWM pin; level 0..255 sets the duty cycle."""

    def __init__(self, pwm):
        self._pwm = pwm

    def set(self, level):
        self._pwm.duty_cycle = level * 257


class Drv2605Motor:
    """A DRV2605 haptic driver: plays its own library effect for each pattern."""

    plays_patterns = True

    def __init__(self, driver, effect_factory):
        self._drv = driver
        self._effect = effect_factory

    def play(self, pattern):
        self._drv.sequence[0] = self._effect(DRV_EFFECT.get(pattern, 1))
        self._drv.play()

    def set(self, level):
        if level == 0:
            self._drv.stop()


class NullMotor:
    """No motor: patterns are only recorded (replay, tests)."""

    def set(self, level):
        pass


class Player:
    """Plays one pattern at a time; a new pattern replaces the one playing."""

    def __init__(self, motor, strength_percent=70):
        self.motor = motor
        self.level = 0
        self.set_strength(strength_percent)
        self._pattern = None
        self._step = 0
        self._step_start = 0
        self.played = 0
        self.errors = 0   # motor writes that failed (a DRV2605 shares the I2C bus with the IMU)
        self.quiet = 0    # QUIET_* bits: slouch and break alerts are not played while set

    def set_strength(self, percent):
        self.level = max(1, min(255, (percent * 255 + 50) // 100))

    @property
    def busy(self):
        return self._pattern is not None

    def play(self, pattern, now):
        if self.quiet and (pattern is SLOUCH_ALERT or pattern is SLOUCH_REMINDER or pattern is BREAK):
            return   # muted (tracking or snoozed): the event is still logged by the caller
        self._pattern = pattern
        self._step = 0
        self._step_start = now
        self.played += 1
        try:
            if getattr(self.motor, "plays_patterns", False):
                self.motor.play(pattern)
            self.motor.set(self.level)
        except OSError:
            self._failed()

    def update(self, now):
        pattern = self._pattern
        if pattern is None:
            return
        while ticks_diff(now, self._step_start) >= pattern[self._step]:
            self._step_start = ticks_add(self._step_start, pattern[self._step])
            self._step += 1
            if self._step >= len(pattern):
                self._pattern = None
                self._set(0)
                return
            self._set(self.level if self._step % 2 == 0 else 0)

    def _set(self, level):
        try:
            self.motor.set(level)
        except OSError:
            self._failed()

    def _failed(self):
        # a vibration is lost, never the sensor loop
        self.errors += 1
        self._pattern = None

    def stop(self):
        self._pattern = None
        self._set(0)
