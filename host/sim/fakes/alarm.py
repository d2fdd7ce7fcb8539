"""Fake `alarm`, `alarm.time` and `alarm.pin`: light and deep sleep on the simulated clock.

- `alarm.pin.PinAlarm(pin, value, edge=False, pull=False)`: wakes when the pin is at `value`
  (a level, as the nRF52840 and RP2040 ports wake from deep sleep); the pin must be free.
- `exit_and_deep_sleep_until_alarms(*alarms)` raises DeepSleepRequested with the wake time
  and the (pin, level) pairs; host/sim/device.py sleeps the board until one of them (the
  pin's level comes from whatever drives it: `hw.pin(name).drive(...)`, e.g. the LSM6DS
  emulator's INT1), then starts it from boot.py with `alarm.wake_alarm` set.
- `light_sleep_until_alarms(*alarms)` advances the clock until a time alarm is due or a pin
  alarm's pin is at its level, and returns that alarm.
- After a deep sleep `alarm.wake_alarm` is the PinAlarm or TimeAlarm that ended it (None after
  a reset or power-on).
- `alarm.sleep_memory` is the board's (it survives deep sleep; a power cut clears it).
"""

from __future__ import annotations

import types
from typing import Any

from host.sim.circuitpython import DeepSleepRequested

STEP_MS = 20   # how often a sleeping board looks at its alarm pins (wake latency in the sim)


def sleep_memory(board: Any) -> bytearray:
    """The board's alarm.sleep_memory (made on first use)."""
    mem = getattr(board, "sleep_memory", None)
    if mem is None:
        mem = bytearray(256)
        board.sleep_memory = mem
    return mem


def make_modules(board: Any) -> dict[str, types.ModuleType]:
    clock = board.clock

    class TimeAlarm:
        def __init__(self, *, monotonic_time: float | None = None, epoch_time: float | None = None) -> None:
            if monotonic_time is None:
                raise ValueError("monotonic_time is required in the simulator")
            self.monotonic_time = monotonic_time

    class PinAlarm:
        def __init__(self, pin: Any, value: bool, edge: bool = False, pull: bool = False) -> None:
            state = board.pin(pin.name)
            if state.owner is not None:
                raise ValueError("%s in use" % pin.name)
            self.pin = pin
            self.value = bool(value)
            self.edge = edge
            self.pull = pull

    def _split(alarms: tuple) -> tuple[int | None, tuple[tuple[str, bool], ...]]:
        times = [a.monotonic_time for a in alarms if isinstance(a, TimeAlarm)]
        pins = tuple((a.pin.name, a.value) for a in alarms if isinstance(a, PinAlarm))
        if len(times) + len(pins) != len(alarms):
            raise TypeError("expected alarms")
        return (int(min(times) * 1_000_000) if times else None), pins

    def light_sleep_until_alarms(*alarms: object) -> object:
        wake_us, pins = _split(alarms)
        if wake_us is None and not pins:
            raise ValueError("no alarm the simulator can wake from")
        while True:
            for a in alarms:
                if isinstance(a, PinAlarm) and board.pin(a.pin.name).external_level() == a.value:
                    return a
            if wake_us is not None and clock.now_us >= wake_us:
                return min((a for a in alarms if isinstance(a, TimeAlarm)), key=lambda a: a.monotonic_time)
            step = STEP_MS * 1000 if wake_us is None else max(1, min(STEP_MS * 1000, wake_us - clock.now_us))
            clock.sleep_us(step)

    def exit_and_deep_sleep_until_alarms(*alarms: object, preserve_dios: tuple = ()) -> None:
        wake_us, pins = _split(alarms)
        board.record_call("alarm.exit_and_deep_sleep_until_alarms", None if wake_us is None else wake_us // 1000,
                          pins)
        raise DeepSleepRequested(None if wake_us is None else wake_us // 1000, pins)

    woken_by = getattr(board, "wake_alarm", None)   # (pin name, level) after a pin wake-up,
    wake_alarm: Any = None                          # ("time", wake ms) after a time alarm's
    if woken_by is not None and woken_by[0] == "time":
        wake_alarm = TimeAlarm(monotonic_time=woken_by[1] / 1000)
    elif woken_by is not None:
        from host.sim.fakes.pins import PINS

        wake_alarm = object.__new__(PinAlarm)
        wake_alarm.pin, wake_alarm.value = PINS[woken_by[0]], woken_by[1]
        wake_alarm.edge = wake_alarm.pull = False

    alarm_time = types.ModuleType("alarm.time")
    alarm_time.TimeAlarm = TimeAlarm  # type: ignore[attr-defined]
    alarm_pin = types.ModuleType("alarm.pin")
    alarm_pin.PinAlarm = PinAlarm  # type: ignore[attr-defined]
    alarm = types.ModuleType("alarm")
    for name, value in (("time", alarm_time), ("pin", alarm_pin),
                        ("light_sleep_until_alarms", light_sleep_until_alarms),
                        ("exit_and_deep_sleep_until_alarms", exit_and_deep_sleep_until_alarms),
                        ("wake_alarm", wake_alarm), ("sleep_memory", sleep_memory(board))):
        setattr(alarm, name, value)
    return {"alarm": alarm, "alarm.time": alarm_time, "alarm.pin": alarm_pin}
