"""SimDevice: the repository's real boot.py and code.py running on the simulated board.

    dev = SimDevice(motion, variant="LSM6DSOX", settings={"POSTURE_SLOUCH_DEG": 20})
    dev.run_for(180)                 # three simulated minutes; resumable
    dev.console_text()               # what the serial console showed
    dev.motor_timeline()             # [(t_ms, duty or 0/1), ...] every write to the motor pin
    dev.imu.vanish()                 # inject a fault, then run on
    dev.close()

The firmware runs in its own thread, strictly alternating with the caller: it
runs only inside run_for(), and pauses when simulated time reaches the end of
the span (the clock's pause hook), handing sys.modules, sys.path and stdout back.
So code.py's endless loop resumes where it stopped on the next run_for().

Like CircuitPython: boot.py runs after every reset with its output in
boot_out.txt, then code.py with its output on the console; each runs with fresh
modules (a new VM). microcontroller.reset() and a watchdog reset start again
from boot.py (the IMU keeps its registers: it is not power-cycled),
supervisor.reload() restarts code.py only, and when code.py ends or crashes
the board idles (traceback on the console) until the span ends. Each start
takes `boot_ms` (CircuitPython's safe-mode wait) before boot.py runs.

`usb=False` runs the board from its cell (supervisor.runtime.usb_connected False: the clip
slows its CPU and may sleep off the body). The LSM6DS emulator's INT1 drives a board pin
(`int1_pin`, "auto": the board's own wire, e.g. the Feather Sense's
ACCELEROMETER_GYRO_INTERRUPT; None: no wire). A deep sleep (alarm.exit_and_deep_sleep_
until_alarms) lasts until a time alarm is due or an alarm pin is at its level (looked at
every 20 simulated ms); `sleeps` lists [start_ms, end_ms] and the next start sees the pin
in alarm.wake_alarm; alarm.sleep_memory survives it, not a power cut.

Between spans the caller may `power_cut()` (RAM lost, the IMU restarts, files
and nvm stay), `brownout()` (the same, then safe mode: safemode.py runs with
supervisor.runtime.safe_mode_reason BROWNOUT, and the board stays in safe mode
unless it resets or deep-sleeps) or `crash(reason)` (safe mode with `reason`,
the IMU untouched).
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
import traceback
from typing import Any

from host.sim.circuitpython import (
    DeepSleepRequested,
    DeviceReset,
    HardFault,
    Installation,
    PowerCut,
    ReloadRequested,
    SimBoard,
    SimClock,
    SimulationEnd,
    install,
)
from host.sim.fakes import alarm as alarm_fake
from host.sim.fakes.drv2605 import DRV2605Emulator
from host.sim.fakes.osenv import settings_toml
from host.sim.fakes.system import SIM_UID
from host.sim.lsm6ds_emulator import LSM6DSEmulator

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
_SIM_DIR = os.path.dirname(os.path.abspath(__file__))
# as CircuitPython writes it (8.x and later add the chip id as UID: in upper-case hex)
BOOT_BANNER = "Adafruit CircuitPython 9.2.0 (simulated) on %s\nBoard ID:%s\nUID:%s\n"


class _ConsoleOut:
    """sys.stdout for the device: text goes to a SimSerial (console) or a list (boot_out)."""

    def __init__(self, sink: Any) -> None:
        self._sink = sink

    def write(self, text: str) -> int:
        self._sink(text)
        return len(text)

    def flush(self) -> None:
        pass


class SimDevice:
    def __init__(self, motion: Any, variant: str = "LSM6DSOX", settings: dict[str, object] | str | None = None,
                 fs_dir: str | None = None, clock: SimClock | None = None,
                 board_id: str = "adafruit_qtpy_rp2040", imu_address: int = 0x6A,
                 root: str = REPO_ROOT, wall_timeout_s: float = 600.0, boot_ms: int = 1000,
                 fs_capacity: int | None = None, haptic_driver: bool = False,
                 int1_pin: str | None = "auto", usb: bool = True) -> None:
        self.clock = clock or SimClock()
        self.board = SimBoard(self.clock, board_id)
        self.board.usb_connected = usb   # False: running from the cell (runs slow, may sleep)
        self.imu = LSM6DSEmulator(motion, variant, self.clock, imu_address).attach(self.board.i2c_bus)
        # a DRV2605L on the same bus (POSTURE_HAPTIC = "drv2605"); its plays in self.haptic.plays
        self.haptic = DRV2605Emulator(self.clock).attach(self.board.i2c_bus) if haptic_driver else None
        self._tmp = None
        if fs_dir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="posture-sim-")
            fs_dir = self._tmp.name
        os.makedirs(fs_dir, exist_ok=True)
        self.fs_dir = os.path.abspath(fs_dir)
        self.board.fs_dir = self.fs_dir
        self.board.fs_capacity = fs_capacity
        self.boot_ms = boot_ms
        self.safe_mode_runs = 0
        self._interrupt: BaseException | None = None
        self._next_safe_mode: str | None = None
        if settings is not None:
            text = settings if isinstance(settings, str) else settings_toml(settings)
            with open(os.path.join(self.fs_dir, "settings.toml"), "w", encoding="utf-8") as f:
                f.write(text)
        self.root = root
        self.wall_timeout_s = wall_timeout_s
        self.boots = 0
        self.code_runs = 0
        self.resets: list[tuple[int, str]] = []   # (t_ms, "WatchDogReset" / "DeviceReset" / ...)
        self.crashes: list[tuple[int, BaseException]] = []
        self.boot_output = ""
        self.safemode_output = ""
        self._sleep_request: DeepSleepRequested | None = None
        self.time_alarm_after_ms: int | None = None   # set: a time alarm fires this long into a deep sleep
        self.sleeps: list[list[Any]] = []   # [start_ms, end_ms (None while asleep)] of each deep sleep
        self.deep_slept_ms = 0
        # the IMU's INT1 on a board pin ("auto": the board's own wire, if any; None: no wire)
        if int1_pin == "auto":
            from firmware import boards

            int1_pin = boards.defaults(board_id).get("wake_pin")
        self.int1_pin = int1_pin
        if int1_pin:
            self.board.pin(int1_pin).drive(lambda _t_ms: self.imu.int1())
        self._thread: threading.Thread | None = None
        self._go = threading.Semaphore(0)
        self._back = threading.Semaphore(0)
        self._closing = False
        self._finished = False
        self._error: BaseException | None = None
        self._inst: Installation | None = None
        self._saved_io: tuple[Any, list[str]] | None = None
        self._out: _ConsoleOut | None = None

    # -- the caller's side
    def run_for(self, seconds: float) -> None:
        """Run the firmware for `seconds` of simulated time (from boot.py on the first call)."""
        if self._finished:
            raise RuntimeError("the simulated device has stopped") from self._error
        self.clock.stop_at_ms = self.clock.now_ms + int(round(seconds * 1000))
        if self._thread is None:
            self.clock.pause_hook = self._pause
            self._thread = threading.Thread(target=self._thread_main, name="sim-device", daemon=True)
            self._thread.start()
        else:
            self._go.release()
        if not self._back.acquire(timeout=self.wall_timeout_s):
            raise RuntimeError("the firmware did not reach the end of the span: stuck without reading the clock?")
        if self._error is not None:
            raise RuntimeError("the simulator itself failed") from self._error

    def power_cut(self) -> None:
        """Cut the power now; the board starts again from boot.py on the next run_for()."""
        self._next_safe_mode = None
        self._interrupt = PowerCut("power cut")

    def brownout(self) -> None:
        """A brown-out now: the board restarts into safe mode (safemode.py) on the next run_for()."""
        self._next_safe_mode = "BROWNOUT"
        self._interrupt = PowerCut("brown-out")

    def crash(self, reason: str = "HARD_FAULT") -> None:
        """A hard crash now (no power loss: the IMU keeps its set-up): the board restarts into
        safe mode with supervisor.SafeModeReason `reason` on the next run_for()."""
        self._next_safe_mode = reason
        self._interrupt = HardFault(reason)

    def close(self) -> None:
        """Stop the firmware thread (unwinding code.py) and remove the temporary drive."""
        if self._thread is not None and not self._finished:
            self._closing = True
            self._go.release()
            self._back.acquire(timeout=self.wall_timeout_s)
        self.clock.pause_hook = None
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self) -> "SimDevice":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- what the caller looks at
    def console_text(self) -> str:
        return self.board.console.text()

    def console_lines(self) -> list[tuple[int, str]]:
        """(t_ms of the write that ended the line, line) for every complete console line."""
        lines: list[tuple[int, str]] = []
        part = ""
        for t_ms, data in self.board.console.writes:
            part += data.decode("utf-8", "replace")
            while "\n" in part:
                line, part = part.split("\n", 1)
                lines.append((t_ms, line.rstrip("\r")))
        return lines

    def motor_pin(self) -> str:
        from firmware import boards

        pin = self._setting("POSTURE_HAPTIC_PIN")
        return str(pin) if pin else boards.defaults(self.board.board_id)["motor_pin"]

    def motor_timeline(self) -> list[tuple[int, int]]:
        return list(self.board.pin(self.motor_pin()).timeline)

    def vibrations(self) -> list[tuple[int, int]]:
        """(start_ms, end_ms) of every span the motor was on (end -1: still on)."""
        spans: list[tuple[int, int]] = []
        start = None
        for t_ms, value in self.board.pin(self.motor_pin()).timeline:
            if value and start is None:
                start = t_ms
            elif not value and start is not None:
                spans.append((start, t_ms))
                start = None
        if start is not None:
            spans.append((start, -1))
        return spans

    def _setting(self, key: str) -> object:
        from host.sim.fakes.osenv import getenv_from_text

        try:
            with open(os.path.join(self.fs_dir, "settings.toml"), encoding="utf-8") as f:
                return getenv_from_text(f.read(), key)
        except (OSError, ValueError):
            return None

    # -- the firmware's side (runs in the device thread)
    def _pause(self) -> None:
        self._leave()
        self._back.release()
        self._go.acquire()
        self._enter()
        if self._closing:
            raise SimulationEnd("device closed")
        if self._interrupt is not None:
            exc, self._interrupt = self._interrupt, None
            raise exc

    def _enter(self) -> None:
        if self._inst is None or self._out is None:  # idle between runs: nothing to switch
            return
        self._inst.resume()
        self._saved_io = (sys.stdout, list(sys.path))
        sys.path.insert(0, self.root)
        sys.stdout = self._out

    def _leave(self) -> None:
        if self._saved_io is not None:
            sys.stdout, path = self._saved_io
            sys.path[:] = path
            self._saved_io = None
        if self._inst is not None:
            self._inst.suspend()

    def _thread_main(self) -> None:
        try:
            self._lifecycle()
        except SimulationEnd:
            pass
        except BaseException as exc:  # a bug in the simulator: report it to the caller
            self._error = exc
        finally:
            self._finished = True
            self._back.release()

    def _lifecycle(self) -> None:
        if self._interrupt is not None:        # cut before the first start: starts the same way
            self._interrupt = None
            self.board.safe_mode_reason = self._next_safe_mode
        run_boot = True
        while True:
            try:
                if self.board.safe_mode_reason is not None:
                    self._safe_mode()
                    run_boot = True
                    continue
                if run_boot and self._boot() == "reset":
                    continue
                outcome = self._run("code.py")
                run_boot = outcome != "reload"
                if outcome == "sleep":
                    self._deep_sleep()
                if outcome in ("done", "crash"):
                    self._idle()
            except DeviceReset as exc:          # a power cut or crash while idle
                self.resets.append((self.clock.now_ms, type(exc).__name__))
                run_boot = True
                self._after_reset(exc)

    def _after_reset(self, exc: DeviceReset) -> None:
        """What a reset leaves behind: the IMU restarts only when the power went; safe mode
        when the cause calls for it or the program asked (on_next_reset(RunMode.SAFE_MODE))."""
        board = self.board
        board.wake_alarm = None
        if isinstance(exc, PowerCut):
            alarm_fake.sleep_memory(board)[:] = bytes(256)   # RAM lost, sleep memory too
            self.imu.power_on_reset()
            if self.haptic is not None:
                self.haptic._power_on()
            board.reset_reason = "BROWNOUT" if self._next_safe_mode == "BROWNOUT" else "POWER_ON"
        elif isinstance(exc, HardFault):
            board.reset_reason = "UNKNOWN"
        board.safe_mode_reason = self._next_safe_mode
        if getattr(board.next_run_mode, "name", None) == "SAFE_MODE":
            board.safe_mode_reason = board.safe_mode_reason or "PROGRAMMATIC"
        board.next_run_mode = None
        self._next_safe_mode = None

    def _deep_sleep(self) -> None:
        """Deep sleep (pins released, RAM but alarm.sleep_memory lost) until a time alarm is due
        or an alarm pin is at its level; the next start sees the pin in alarm.wake_alarm."""
        exc, self._sleep_request = self._sleep_request, None
        if exc is not None and exc.wake_ms is not None and self.time_alarm_after_ms is not None:
            # a test fires the firmware's time alarm early (its 23 h would be 4 million steps)
            exc = DeepSleepRequested(min(exc.wake_ms, self.clock.now_ms + self.time_alarm_after_ms), exc.pins)
        board = self.board
        board.power_cycle()
        board.wake_alarm = None
        start = self.clock.now_us
        self.sleeps.append([self.clock.now_ms, None])
        try:
            while True:
                for name, level in exc.pins if exc is not None else ():
                    if board.pin(name).external_level() == level:
                        board.wake_alarm = name, level
                        return
                if exc is not None and exc.wake_ms is not None and self.clock.now_ms >= exc.wake_ms:
                    board.wake_alarm = "time", exc.wake_ms   # alarm.wake_alarm: a TimeAlarm
                    return
                step = alarm_fake.STEP_MS
                if exc is not None and exc.wake_ms is not None:
                    step = max(1, min(step, exc.wake_ms - self.clock.now_ms))
                self.clock.advance_ms(step)
        finally:
            self.deep_slept_ms += (self.clock.now_us - start) // 1000
            self.sleeps[-1][1] = self.clock.now_ms

    def _safe_mode(self) -> None:
        """Safe mode: safemode.py (if any) runs instead of boot.py and code.py."""
        self.safe_mode_runs += 1
        self.board.power_cycle()
        self.clock.advance_ms(self.boot_ms)
        lines: list[str] = []
        outcome = "done"
        if os.path.exists(os.path.join(self.root, "safemode.py")):
            outcome = self._run("safemode.py", sink=lines.append)
        self.safemode_output = "".join(lines)
        if outcome == "sleep":       # safemode.py's pause (a time alarm), then a normal start
            self._deep_sleep()
            return
        if outcome == "reset":
            return
        self._idle()

    def _boot(self) -> str:
        self.boots += 1
        board = self.board
        board.power_cycle()
        self.clock.advance_ms(self.boot_ms)
        board.readonly = True
        board.console_enabled, board.data_enabled = True, False
        uid = "".join("%02X" % b for b in SIM_UID)
        lines: list[str] = [BOOT_BANNER % (board.board_id, board.board_id, uid), "boot.py output:\n"]
        outcome = "done"
        if os.path.exists(os.path.join(self.root, "boot.py")):
            outcome = self._run("boot.py", sink=lines.append)
        self.boot_output = "".join(lines)
        with open(os.path.join(self.fs_dir, "boot_out.txt"), "w", encoding="utf-8") as f:
            f.write(self.boot_output)
        return outcome

    def _run(self, name: str, sink: Any = None) -> str:
        """Run one file in a fresh set of modules; returns done/crash/reload/reset."""
        board = self.board
        board.phase = {"boot.py": "boot", "safemode.py": "safemode"}.get(name, "code")
        if name == "code.py":
            self.code_runs += 1
        path = os.path.join(self.root, name)
        self._inst = install(board)
        self._inst.suspend()
        self._out = _ConsoleOut(sink or (lambda text: board.console.write(text.encode())))
        self._enter()
        try:
            with open(path, encoding="utf-8") as f:
                source = compile(f.read(), path, "exec")
            exec(source, {"__name__": "__main__", "__file__": path, "open": board.drive.open})
            if name == "code.py":
                print("\nCode done running.")
            return "done"
        except ReloadRequested:
            return "reload"
        except DeepSleepRequested as exc:
            self.resets.append((self.clock.now_ms, "DeepSleep"))
            self.board.safe_mode_reason = None     # waking from deep sleep is a normal start
            self.board.reset_reason = "DEEP_SLEEP_ALARM"
            self._sleep_request = exc
            return "sleep"
        except DeviceReset as exc:
            self.resets.append((self.clock.now_ms, type(exc).__name__))
            self._after_reset(exc)
            return "reset"
        except SimulationEnd:
            raise
        except Exception as exc:
            self.crashes.append((self.clock.now_ms, exc))
            # as CircuitPython shows it: the program's frames, not the simulator's
            frames = [f for f in traceback.extract_tb(exc.__traceback__) if not f.filename.startswith(_SIM_DIR)]
            print("Traceback (most recent call last):")
            print("".join(traceback.format_list(frames)) + "".join(traceback.format_exception_only(exc)).rstrip())
            print("\nCode done running.")
            return "crash"
        finally:
            self._leave()
            self._inst.uninstall()
            self._inst = None
            if board.watchdog is not None:  # the supervisor stops the watchdog when the VM ends
                board.watchdog.reset_state()

    def _idle(self) -> None:
        """code.py ended: the board waits (CircuitPython's 'Press any key') until the span ends."""
        while True:
            self.clock.advance_ms(3_600_000)
