"""Wrap-safe millisecond ticks, as CircuitPython's supervisor.ticks_ms counts them.

ticks_ms() wraps at 2**29 (about 6.2 days). Never subtract two tick values
directly: use ticks_diff, which is right as long as the two are less than
2**28 ms (about 3.1 days) apart.
"""

from micropython import const

TICKS_PERIOD = const(1 << 29)
_TICKS_MAX = const((1 << 29) - 1)
_TICKS_HALFPERIOD = const(1 << 28)


def ticks_add(ticks, delta):
    """Ticks value `delta` ms after `ticks`, wrapped into the ticks range."""
    return (ticks + delta) & _TICKS_MAX


def ticks_diff(end, start):
    """Signed ms from `start` to `end`, correct across one wrap."""
    diff = (end - start) & _TICKS_MAX
    return ((diff + _TICKS_HALFPERIOD) & _TICKS_MAX) - _TICKS_HALFPERIOD


def ticks_less(a, b):
    """True when `a` comes before `b`."""
    return ticks_diff(b, a) > 0
