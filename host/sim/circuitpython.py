"""The one place that installs fake CircuitPython modules, and the simulated clock.

    hw = SimBoard(SimClock())
    with install(hw):
        import board, busio            # the fakes, bound to hw
        ...
    # sys.modules is back exactly as it was

Everything a fake does costs simulated time only: `time.sleep(0.2)` inside the
real adafruit_lsm6ds driver advances `hw.clock` by 200 ms and returns at once.
The fakes live in host/sim/fakes/; this module owns the clock, the exceptions
that model resets, and the sys.modules bookkeeping.
"""

from __future__ import annotations

import math
import sys
import types
from typing import Any, Callable, Iterator, Protocol

TICKS_PERIOD = 1 << 29
_CP_MANTISSA = 1 << 22
_TICKS_MASK = TICKS_PERIOD - 1


class SimulationEnd(BaseException):
    """Raised from the clock when simulated time reaches `stop_at_ms`; ends an endless main loop."""


class DeviceReset(BaseException):
    """The board resets (microcontroller.reset()); nothing in the firmware may catch it."""


class WatchDogReset(DeviceReset):
    """The watchdog was not fed in time while in WatchDogMode.RESET."""


class PowerCut(DeviceReset):
    """The power went (SimDevice.power_cut / brownout): RAM is lost, the IMU restarts too."""


class HardFault(DeviceReset):
    """The board crashed hard (SimDevice.crash): it restarts into safe mode."""


class ReloadRequested(BaseException):
    """supervisor.reload(): code.py restarts (boot.py does not run again)."""


class DeepSleepRequested(BaseException):
    """alarm.exit_and_deep_sleep_until_alarms(): the board sleeps, then starts from boot.py."""

    def __init__(self, wake_ms: int | None, pins: tuple[tuple[str, bool], ...] = ()) -> None:
        super().__init__(wake_ms)
        self.wake_ms = wake_ms
        self.pins = pins   # (pin name, level) pairs any of which wakes the board (PinAlarm)


class _Timer(Protocol):
    def deadline_us(self) -> int | None: ...

    def expire(self) -> None: ...


class SimClock:
    """Simulated time. Elapsed time is kept in integer microseconds; ticks are integer ms.

    `ticks_ms()` counts like supervisor.ticks_ms: starts at `start_ticks` and wraps at 2**29.
    `monotonic()` counts seconds from power-on (the clock's creation) at CircuitPython's
    float precision (`cp_float`).
    `sleep()` advances simulated time, never wall time. With `stop_at_ms` (elapsed ms since
    the clock was made) a sleep that reaches it raises SimulationEnd. A firmware loop that
    busy-waits on ticks_ms() without sleeping still progresses: after `spin_limit` reads
    without any advance, the clock moves on by 1 ms (as a real CPU would).
    """

    def __init__(self, start_ticks: int = 0, stop_at_ms: int | None = None, spin_limit: int = 20000) -> None:
        if not 0 <= start_ticks < TICKS_PERIOD:
            raise ValueError("start_ticks must be in 0..2**29-1")
        self.start_ticks = start_ticks
        self.stop_at_ms = stop_at_ms
        self.spin_limit = spin_limit
        self.cp_float = True  # monotonic() at CircuitPython's float precision
        self._us = 0
        self.slept_us = 0  # of the elapsed time, how much the program spent in sleep()
        self._spins = 0
        self._timers: list[_Timer] = []
        # Called (in the advancing thread) when time reaches stop_at_ms; it must move
        # stop_at_ms on or raise. Without it, reaching stop_at_ms raises SimulationEnd.
        self.pause_hook: Callable[[], None] | None = None

    # -- reading
    @property
    def now_ms(self) -> int:
        """Elapsed simulated ms since the clock was made (never wraps)."""
        return self._us // 1000

    @property
    def now_us(self) -> int:
        return self._us

    def _spin(self) -> None:
        self._spins += 1
        if self.spin_limit and self._spins >= self.spin_limit:
            self.advance_us(1000)

    def ticks_ms(self) -> int:
        self._spin()
        return (self.start_ticks + self._us // 1000) & _TICKS_MASK

    def monotonic(self) -> float:
        """Seconds as CircuitPython returns them: a float with 22 significant bits (its 30-bit
        floats), so after about 70 minutes of uptime it no longer resolves a millisecond."""
        self._spin()
        value = self._us / 1_000_000   # from power-on, like the board's (ticks_ms starts elsewhere)
        if not self.cp_float or value == 0:
            return value
        mantissa, exponent = math.frexp(value)
        return math.ldexp(math.floor(mantissa * _CP_MANTISSA) / _CP_MANTISSA, exponent)

    def monotonic_ns(self) -> int:
        self._spin()
        return self._us * 1000

    # -- moving
    def add_timer(self, timer: _Timer) -> None:
        """Register an object with deadline_us() -> elapsed us | None and expire() (may raise)."""
        if timer not in self._timers:
            self._timers.append(timer)

    def remove_timer(self, timer: _Timer) -> None:
        if timer in self._timers:
            self._timers.remove(timer)

    def sleep(self, seconds: float) -> None:
        """time.sleep on the board: simulated time passes, counted in `slept_us` (for a power model)."""
        if seconds < 0:
            raise ValueError("sleep length must be non-negative")
        self.sleep_us(int(seconds * 1_000_000 + 0.5))

    def sleep_ms(self, ms: int) -> None:
        self.sleep_us(int(ms) * 1000)

    def sleep_us(self, us: int) -> None:
        start = self._us
        try:
            self.advance_us(us)
        finally:
            self.slept_us += self._us - start

    def advance_us(self, us: int) -> None:
        """Move time forward, firing timers (watchdog) and the stop point on the way."""
        self._spins = 0
        target = self._us + max(0, int(us))
        while True:
            first: _Timer | None = None
            first_at = 0
            for timer in self._timers:
                at = timer.deadline_us()
                if at is not None and at <= target and (first is None or at < first_at):
                    first, first_at = timer, at
            stop_us = None if self.stop_at_ms is None else self.stop_at_ms * 1000
            if stop_us is not None and stop_us <= target and (first is None or stop_us <= first_at):
                self._us = max(self._us, stop_us)
                if self.pause_hook is None:
                    raise SimulationEnd("simulated time reached %d ms" % (stop_us // 1000))
                self.pause_hook()
                continue
            if first is None:
                break
            self._us = max(self._us, first_at)
            first.expire()
        self._us = target

    def advance_ms(self, ms: int) -> None:
        self.advance_us(int(ms) * 1000)


class Installation:
    """Fake modules in sys.modules; `uninstall()` (or leaving the `with`) puts sys.modules back."""

    def __init__(self, board: Any, saved: dict[str, types.ModuleType]) -> None:
        self.board = board
        self.clock: SimClock = board.clock
        self._saved = saved
        self._device: dict[str, types.ModuleType] = {}
        self.installed = True

    def uninstall(self) -> None:
        """Put sys.modules back exactly as before install()."""
        if not self.installed:
            return
        self.installed = False
        self._swap_to(self._saved)

    def suspend(self) -> None:
        """Hand sys.modules back to the host, keeping the device's modules for resume()."""
        if not self.installed:
            return
        self._device = dict(sys.modules)
        self.uninstall()

    def resume(self) -> None:
        """Put the device's modules (fakes and all it imported) back after suspend()."""
        if self.installed:
            return
        self._saved = dict(sys.modules)
        self._swap_to(self._device)
        self.installed = True

    @staticmethod
    def _swap_to(modules: dict[str, types.ModuleType]) -> None:
        for name in list(sys.modules):
            if name not in modules:
                del sys.modules[name]
        for name, module in modules.items():
            if sys.modules.get(name) is not module:
                sys.modules[name] = module

    def __enter__(self) -> "Installation":
        return self

    def __exit__(self, *exc: object) -> None:
        self.uninstall()


# Modules evicted while the fakes are in: re-imported fresh so that they bind the fakes
# (e.g. adafruit_lsm6ds does `from time import sleep` at import).
_EVICT_PREFIXES = ("adafruit_", "firmware", "micropython", "neopixel", "code", "boot", "safemode",
                   "circuitpython_typing")


def _evict(name: str) -> bool:
    top = name.split(".", 1)[0]
    return top.startswith("adafruit_") or top in _EVICT_PREFIXES


def fake_modules(board: Any, fake_time: bool = True, fake_os: bool = True) -> dict[str, types.ModuleType]:
    """Build the fake modules for `board` (a SimBoard), keyed by import name."""
    from host.sim.fakes import alarm, analog, i2c, osenv, pins, serial, system, timemod

    mods: dict[str, types.ModuleType] = {}
    mods.update(pins.make_modules(board))
    mods.update(i2c.make_modules(board))
    mods.update(system.make_modules(board))
    mods.update(serial.make_modules(board))
    mods.update(alarm.make_modules(board))   # replaces system's time-only alarm: pin alarms too
    mods.update(analog.make_modules(board, mods["board"]))   # analogio, a battery monitor's cell
    if fake_time:
        mods["time"] = timemod.make_module(board.clock)
    if fake_os:
        mods["os"] = osenv.make_module(board)
    mods["microcontroller"].pin = mods["microcontroller.pin"]  # type: ignore[attr-defined]
    mods["microcontroller"].Pin = pins.Pin  # type: ignore[attr-defined]
    return mods


def install(board: Any = None, *, clock: SimClock | None = None, fake_time: bool = True,
            fake_os: bool = True) -> Installation:
    """Install the fakes for `board` (a new SimBoard on `clock` if None) into sys.modules."""
    if board is None:
        board = SimBoard(clock or SimClock())
    saved = dict(sys.modules)
    mods = fake_modules(board, fake_time=fake_time, fake_os=fake_os)
    for name in list(sys.modules):
        if _evict(name):
            del sys.modules[name]
    sys.modules.update(mods)
    return Installation(board, saved)


def iter_fake_names() -> Iterator[str]:
    """The import names the fakes provide (for documentation and tests)."""
    yield from ("board", "busio", "digitalio", "pwmio", "supervisor", "usb_cdc", "microcontroller",
                "microcontroller.pin", "watchdog", "storage", "alarm", "alarm.time", "alarm.pin",
                "analogio", "time", "os")


from host.sim.fakes.hardware import SimBoard  # noqa: E402  (SimBoard needs SimClock above)
