# The cell's charge, read about once a minute from a divider on an analog pin. (Notes are
# comments, not docstrings: MicroPython keeps a loaded module's docstrings in RAM.)
# Imported only on a board with a battery pin (board.VOLTAGE_MONITOR, or POSTURE_BATTERY_PIN):
# the QT Py build without one never loads it.
#
# The Feather nRF52840 Sense divides the cell by 2 onto VOLTAGE_MONITOR; other builds name an
# analog pin and their divider's ratio (POSTURE_BATTERY_DIVIDER). analogio.AnalogIn.value is
# 0..65535 over reference_voltage, so cell mV = value * ref_mV // 65535 * divider, all in
# small integers (65535 * 3600 < 2**30). Each reading averages _READS conversions and is
# skipped while the motor runs (its current pulls the cell down by tens of mV); readings are
# smoothed (each new one weighs a quarter), so ADC noise does not log a record a minute.
#
# Percent from _CURVE: a single LiPo cell's resting voltage at each 5 % of charge, from 0 % to
# 100 % (3.27, 3.61, 3.69, ... 4.20 V: the usual light-load discharge chart; a worn cell under
# load reads a little low), stored as (mV - 3000) // 10, linear between points.
#
# Logged: BATTERY (a = mV, b = percent) when the percent moved 1 or more since the last one
# logged, or _LOG_MS after it: about a dozen records an hour at most, not sixty.
# BATTERY_LOW (a = percent, b = mV) and its pattern once when the charge reaches
# POSTURE_BATTERY_LOW_PCT; again only after a charge brought it _RECHARGED points above.

from micropython import const

from firmware import events as ev
from firmware.haptics import BATTERY_LOW
from firmware.ticks import ticks_add, ticks_diff

_EVERY_MS = const(60000)
_LOG_MS = const(600000)
_READS = const(8)
_RECHARGED = const(5)
_CURVE = b"\x1b=EGIKMOPRTUW[_bflosx"  # 27 61 69 71 73 75 77 79 80 82 84 85 87 91 95 98 102 108 111 115 120


def percent(mv):
    c = _CURVE
    x = mv - 3000
    if x <= c[0] * 10:
        return 0
    for i in range(1, len(c)):
        hi = c[i] * 10
        if x < hi:
            lo = c[i - 1] * 10
            return (i - 1) * 5 + (x - lo) * 5 // (hi - lo)
    return 100


class Battery:
    def __init__(self, adc, ref_mv, settings, health, player, now):
        self.adc = adc
        self.ref_mv = ref_mv
        self.settings = settings
        self.health = health
        self.player = player
        self.emit = None          # Monitor.emit, set by wiring once the Monitor exists
        self.logged = -1          # the percent last logged
        self.warned = False       # BATTERY_LOW given for this discharge
        self._due = now
        self._log_due = now

    def poll(self, now):
        if ticks_diff(now, self._due) < 0 or self.player.busy or self.emit is None:
            return
        self._due = ticks_add(now, _EVERY_MS)
        mv = 0
        try:
            for _ in range(_READS):
                mv += self.adc.value
        except (OSError, ValueError):
            return
        mv = mv // _READS * self.ref_mv // 65535 * self.settings.battery_divider
        health = self.health
        if health.mv:
            mv = (health.mv * 3 + mv + 2) // 4
        pct = percent(mv)
        health.mv = mv
        health.batt = pct
        if pct != self.logged or ticks_diff(now, self._log_due) >= 0:
            self.logged = pct
            self._log_due = ticks_add(now, _LOG_MS)
            self.emit((now, ev.BATTERY, mv, pct))
        low = self.settings.battery_low_pct
        if pct <= low and not self.warned:
            self.warned = True
            self.emit((now, ev.BATTERY_LOW, pct, mv), BATTERY_LOW)
        elif pct >= low + _RECHARGED:
            self.warned = False


def make(board, settings, health, player, now, say):
    # A Battery on the board's monitor or POSTURE_BATTERY_PIN, or None when there is none.
    name = settings.battery_pin or "VOLTAGE_MONITOR"
    pin = getattr(board, name, None)
    if pin is None:
        if settings.battery_pin:
            say("posture: no pin %s for the battery; no battery level" % name)
        return None
    try:
        import analogio
        adc = analogio.AnalogIn(pin)
        ref_mv = int(adc.reference_voltage * 1000 + 0.5)
    except (ImportError, AttributeError, TypeError, ValueError, RuntimeError, OSError) as exc:
        say("posture: cannot read the battery on %s: %s" % (name, exc))
        return None
    return Battery(adc, ref_mv, settings, health, player, now)
