"""Fake `supervisor`, `microcontroller`, `watchdog`, `storage` and `alarm`."""

from __future__ import annotations

import types
from typing import Any

from host.sim.circuitpython import DeepSleepRequested, DeviceReset, ReloadRequested, WatchDogReset
from host.sim.fakes.pins import _enum

WatchDogMode = _enum("WatchDogMode", ("RAISE", "RESET"))
RunMode = _enum("RunMode", ("NORMAL", "SAFE_MODE", "BOOTLOADER", "UF2"))
ResetReason = _enum("ResetReason", ("POWER_ON", "BROWNOUT", "SOFTWARE", "DEEP_SLEEP_ALARM", "RESET_PIN",
                                    "WATCHDOG", "UNKNOWN", "RESCUE_DEBUG"))
RunReason = _enum("RunReason", ("STARTUP", "AUTO_RELOAD", "SUPERVISOR_RELOAD", "REPL_RELOAD"))
SafeModeReason = _enum("SafeModeReason", ("NONE", "BROWNOUT", "HARD_FAULT", "WATCHDOG", "STACK_OVERFLOW",
                                          "PROGRAMMATIC", "USER", "HEAP_OVERWRITTEN", "NO_HEAP"))


class WatchDogTimeout(Exception):
    """watchdog.WatchDogTimeout, raised into the firmware in WatchDogMode.RAISE."""


class SimWatchdog:
    """microcontroller.watchdog on the simulated clock; a clock timer while armed."""

    def __init__(self, board: Any) -> None:
        self._board = board
        self._clock = board.clock
        self.feeds = 0   # over the board's whole life, across resets
        self.fired = 0
        self.reset_state()

    def reset_state(self) -> None:
        """What a reset or the end of the VM does: disarmed, no timeout."""
        self._timeout = 0.0
        self._mode: object = None
        self._fed_us = 0
        self._clock.remove_timer(self)

    @property
    def timeout(self) -> float:
        return self._timeout

    @timeout.setter
    def timeout(self, value: float) -> None:
        if value <= 0:
            raise ValueError("timeout must be greater than 0")
        if value > 8388.0:
            raise ValueError("timeout duration exceeds maximum supported value")
        self._timeout = float(value)

    @property
    def mode(self) -> object:
        return self._mode

    @mode.setter
    def mode(self, value: object) -> None:
        if value is None:
            self.deinit()
            return
        if self._mode is WatchDogMode.RESET and value is not WatchDogMode.RESET:
            raise RuntimeError("WatchDogTimer cannot be deinitialized once mode is set to RESET")
        if self._timeout <= 0:
            raise ValueError("WatchDogTimer.timeout must be greater than 0")
        self._mode = value
        self.feed()
        self._clock.add_timer(self)

    def feed(self) -> None:
        if self._mode is None:
            raise ValueError("WatchDogTimer is not currently running")
        self.feeds += 1
        self._fed_us = self._clock.now_us

    def deinit(self) -> None:
        if self._mode is WatchDogMode.RESET:
            raise RuntimeError("WatchDogTimer cannot be deinitialized once mode is set to RESET")
        self._mode = None
        self._clock.remove_timer(self)

    # clock timer protocol
    def deadline_us(self) -> int | None:
        if self._mode is None:
            return None
        return self._fed_us + int(self._timeout * 1_000_000)

    def expire(self) -> None:
        self.fired += 1
        if self._mode is WatchDogMode.RESET:
            self._board.reset_reason = "WATCHDOG"
            self.reset_state()
            raise WatchDogReset("watchdog not fed for %.3f s" % self._timeout)
        self._mode = None
        self._clock.remove_timer(self)
        raise WatchDogTimeout("watchdog timed out")


SIM_UID = b"SIMBOARD"  # microcontroller.cpu.uid; boot_out.txt shows it as UID: in hex


def _module(name: str, **attrs: object) -> types.ModuleType:
    mod = types.ModuleType(name)
    for key, value in attrs.items():
        setattr(mod, key, value)
    return mod


def make_modules(board: Any) -> dict[str, types.ModuleType]:
    clock = board.clock
    if board.watchdog is None:
        board.watchdog = SimWatchdog(board)

    # -- supervisor
    class Runtime:
        @property
        def serial_connected(self) -> bool:
            return board.usb_connected and board.console_enabled and board.console.connected

        @property
        def usb_connected(self) -> bool:
            return board.usb_connected

        @property
        def serial_bytes_available(self) -> int:
            return board.console.in_waiting

        run_reason = RunReason.STARTUP
        autoreload = True

        @property
        def safe_mode_reason(self) -> object:
            return getattr(SafeModeReason, board.safe_mode_reason or "NONE")

    def reload() -> None:
        board.record_call("supervisor.reload")
        raise ReloadRequested("supervisor.reload()")

    supervisor = _module(
        "supervisor", ticks_ms=clock.ticks_ms, runtime=Runtime(), reload=reload, RunReason=RunReason,
        SafeModeReason=SafeModeReason,
        disable_autoreload=lambda: board.record_call("supervisor.disable_autoreload"),
        enable_autoreload=lambda: board.record_call("supervisor.enable_autoreload"),
        set_next_code_file=lambda *a, **k: board.record_call("supervisor.set_next_code_file", *a, **k),
    )

    # -- microcontroller
    class Processor:
        frequency = 120_000_000
        voltage = 3.3
        uid = bytearray(SIM_UID)

        @property
        def temperature(self) -> float:
            return board.cpu_temperature

        @property
        def reset_reason(self) -> object:
            return getattr(ResetReason, board.reset_reason)

    def reset() -> None:
        board.record_call("microcontroller.reset")
        board.reset_reason = "SOFTWARE"
        raise DeviceReset("microcontroller.reset()")

    def on_next_reset(run_mode: object) -> None:
        board.record_call("microcontroller.on_next_reset", run_mode)
        board.next_run_mode = run_mode

    cpu = Processor()
    microcontroller = _module(
        "microcontroller", cpu=cpu, cpus=(cpu,), nvm=board.nvm, watchdog=board.watchdog, reset=reset,
        on_next_reset=on_next_reset, RunMode=RunMode, ResetReason=ResetReason,
        delay_us=lambda us: clock.advance_us(int(us)),
        disable_interrupts=lambda: None, enable_interrupts=lambda: None,
    )

    watchdog = _module("watchdog", WatchDogMode=WatchDogMode, WatchDogTimeout=WatchDogTimeout)

    # -- storage
    class Mount:
        @property
        def readonly(self) -> bool:
            return board.readonly

    def remount(mount_path: str, readonly: bool = False, *, disable_concurrent_write_protection: bool = False) -> None:
        board.record_call("storage.remount", mount_path, readonly=readonly,
                          disable_concurrent_write_protection=disable_concurrent_write_protection)
        if mount_path != "/":
            raise OSError(22, "Invalid argument")
        if board.phase == "code" and board.usb_connected and not disable_concurrent_write_protection:
            raise RuntimeError("Cannot remount '/' when visible via USB.")
        board.readonly = bool(readonly)

    storage = _module(
        "storage", remount=remount, getmount=lambda path: Mount(),
        disable_usb_drive=lambda: board.record_call("storage.disable_usb_drive"),
        enable_usb_drive=lambda: board.record_call("storage.enable_usb_drive"),
    )

    # -- alarm (time alarms only)
    class TimeAlarm:
        def __init__(self, *, monotonic_time: float | None = None, epoch_time: float | None = None) -> None:
            if monotonic_time is None:
                raise ValueError("monotonic_time is required in the simulator")
            self.monotonic_time = monotonic_time

    def _wake_us(alarms: tuple) -> int | None:
        times = [a.monotonic_time for a in alarms if isinstance(a, TimeAlarm)]
        if not times:
            return None
        return int(min(times) * 1_000_000)

    def light_sleep_until_alarms(*alarms: object) -> object:
        wake = _wake_us(alarms)
        if wake is None:
            raise ValueError("no alarm the simulator can wake from")
        clock.sleep_us(max(0, wake - clock.now_us))
        return min((a for a in alarms if isinstance(a, TimeAlarm)), key=lambda a: a.monotonic_time)

    def exit_and_deep_sleep_until_alarms(*alarms: object, preserve_dios: tuple = ()) -> None:
        wake = _wake_us(alarms)
        board.record_call("alarm.exit_and_deep_sleep_until_alarms", wake)
        raise DeepSleepRequested(None if wake is None else wake // 1000)

    alarm_time = _module("alarm.time", TimeAlarm=TimeAlarm)
    alarm_pin = _module("alarm.pin")
    alarm = _module("alarm", time=alarm_time, pin=alarm_pin, light_sleep_until_alarms=light_sleep_until_alarms,
                    exit_and_deep_sleep_until_alarms=exit_and_deep_sleep_until_alarms, wake_alarm=None,
                    sleep_memory=bytearray(256))
    return {"supervisor": supervisor, "microcontroller": microcontroller, "watchdog": watchdog,
            "storage": storage, "alarm": alarm, "alarm.time": alarm_time, "alarm.pin": alarm_pin}
