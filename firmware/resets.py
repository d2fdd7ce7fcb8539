"""Why the board restarted: a small record in microcontroller.nvm, shared by safemode.py and code.py.

safemode.py (run by CircuitPython after a brown-out or a hard crash) calls
`record(nvm, reason)`; code.py reports the record at start-up (`report`) and a
`GoodRun` poller clears the streak once the loop has run for a minute, so a
crash that comes back at every start can be told apart from a one-off.

Layout, 6 bytes at _NVM_AT: magic, last reason code, streak (safe-mode entries
without a good minute in between), total entries (16-bit little-endian),
check byte. Anything else in those bytes (a fresh board, other data) reads as
"no record".
"""

from micropython import const

from firmware.ticks import ticks_diff

_NVM_AT = const(0)
_MAGIC = const(0xB7)
_GOOD_RUN_MS = const(60000)

REASONS = (
    "NONE", "BROWNOUT", "HARD_FAULT", "WATCHDOG", "STACK_OVERFLOW", "NO_HEAP", "HEAP_OVERWRITTEN",
    "NLR_JUMP_FAIL", "GC_ALLOC_OUTSIDE_VM", "INTERRUPT_ERROR", "SDK_FATAL_ERROR", "FLASH_WRITE_FAIL",
    "PROGRAMMATIC", "USER", "NO_CIRCUITPY", "SAFEMODE_PY_ERROR", "USB_TOO_MANY_ENDPOINTS",
    "USB_TOO_MANY_INTERFACE_NAMES", "USB_BOOT_DEVICE_NOT_INTERFACE_ZERO", "OTHER",
    "CODE_CRASH",  # not a safe-mode reason: code.py itself died of an exception (crashed() below)
)
# Safe-mode reasons where restarting cannot help or the user asked for safe mode: stay there.
STAY = ("NONE", "USER", "PROGRAMMATIC", "NO_CIRCUITPY", "SAFEMODE_PY_ERROR", "USB_TOO_MANY_ENDPOINTS",
        "USB_TOO_MANY_INTERFACE_NAMES", "USB_BOOT_DEVICE_NOT_INTERFACE_ZERO")
MAX_STREAK = const(5)   # crashes in a row (no good minute between) before staying in safe mode
_CRASH_PAUSE_S = const(5)  # after a crash of code.py: time to read the traceback before the restart


def reason_name(reason):
    """'BROWNOUT' for supervisor.SafeModeReason.BROWNOUT (whatever the enum prints as)."""
    if reason is None:
        return "NONE"
    name = str(reason).split(".")[-1]
    return name if name in REASONS else "OTHER"


def _check(b):
    return (b[0] + b[1] + b[2] + b[3] + b[4]) & 0xFF ^ 0x5A


def read(nvm):
    """(reason name, streak, total) or None when there is no valid record."""
    if nvm is None or len(nvm) < _NVM_AT + 6:
        return None
    b = nvm[_NVM_AT:_NVM_AT + 6]
    if b[0] != _MAGIC or b[5] != _check(b) or b[1] >= len(REASONS):
        return None
    return REASONS[b[1]], b[2], b[3] | b[4] << 8


def _write(nvm, code, streak, total):
    b = bytearray(6)
    b[0] = _MAGIC
    b[1] = code
    b[2] = min(streak, 255)
    total = min(total, 0xFFFF)
    b[3] = total & 0xFF
    b[4] = total >> 8
    b[5] = _check(b)
    nvm[_NVM_AT:_NVM_AT + 6] = b


def record(nvm, reason):
    """Note one safe-mode entry; returns (name, streak). Harmless without nvm."""
    name = reason_name(reason)
    old = read(nvm)
    streak = (old[1] if old else 0) + 1
    total = (old[2] if old else 0) + 1
    if nvm is not None and len(nvm) >= _NVM_AT + 6:
        _write(nvm, REASONS.index(name), streak, total)
    return name, streak


def clear_streak(nvm):
    old = read(nvm)
    if old is not None and old[1]:
        _write(nvm, REASONS.index(old[0]), 0, old[2])


def report(microcontroller, say):
    """Say at start-up why the last run ended, when it was not a plain power-on."""
    nvm = getattr(microcontroller, "nvm", None)
    rec = read(nvm)
    if rec is not None and rec[1]:
        what = "a crash" if rec[0] == "CODE_CRASH" else "safe mode (%s)" % rec[0]
        say("posture: restarted after %s, %d time(s) in a row, %d in all" % (what, rec[1], rec[2]))
    try:
        reason = microcontroller.cpu.reset_reason
        if str(reason).split(".")[-1] == "WATCHDOG":
            say("posture: restarted by the watchdog (the loop had stopped)")
    except (AttributeError, NotImplementedError):
        pass


class GoodRun:
    """A poller: after a minute of running, the streak of safe-mode entries is over."""

    def __init__(self, nvm, now):
        self._nvm = nvm
        self._start = now
        self.done = read(nvm) is None

    def poll(self, now):
        if not self.done and ticks_diff(now, self._start) >= _GOOD_RUN_MS:
            self.done = True
            clear_streak(self._nvm)


def crashed(microcontroller, exc, sleep, say=print):
    """code.py died of `exc` (a bug, a MemoryError): say so, note it, and start again.

    A crash that keeps coming back (MAX_STREAK in a row, no good minute between)
    is left on the console instead, with the drive and the REPL free for a fix.
    """
    try:
        import traceback
        say("".join(traceback.format_exception(exc)).rstrip())
    except (ImportError, AttributeError, TypeError):
        say("posture: crashed: %r" % (exc,))
    nvm = getattr(microcontroller, "nvm", None)
    _name, streak = record(nvm, "CODE_CRASH")
    if streak > MAX_STREAK:
        say("posture: crashed %d times in a row; not restarting (press reset to try again)" % streak)
        return False
    say("posture: crashed; restarting in %d s" % _CRASH_PAUSE_S)
    sleep(_CRASH_PAUSE_S)
    microcontroller.reset()
    return True

