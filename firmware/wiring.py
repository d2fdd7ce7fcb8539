"""The thin shell: builds the board's real hardware objects and hands them to the Monitor.

code.py calls `main(board, ...)` with the CircuitPython modules, so this module
imports no hardware at module level and runs unchanged on the simulated device.
"""

from firmware import VERSION, boards, events as ev, resets
from firmware.detector import PostureDetector
from firmware.haptics import ERROR as ERROR_PATTERN, DigitalMotor, Drv2605Motor, NullMotor, Player, PwmMotor
from firmware.health import Health
from firmware.modes import Modes
from firmware.monitor import Monitor
from firmware.sensor import ImuSensor
from firmware.settings import load as load_settings
from firmware.ticks import ticks_diff

# What importing or starting a firmware set of two deploys raises (a module of one release
# asking another for a name it lacks); code.py and main fall back instead of restarting.
MIXED_SET_ERRORS = (ImportError, AttributeError, NameError, SyntaxError)
WATCHDOG_S = 8          # a hung loop resets the board after this long
BUTTON_DEBOUNCE_MS = 50
BUTTON_LONG_MS = 1500   # held this long: snooze (firmware/modes.py) instead of calibrate


class BoardClock:
    def __init__(self, supervisor, time):
        self.ticks_ms = supervisor.ticks_ms
        self._sleep = time.sleep

    def sleep_ms(self, ms):
        self._sleep(ms / 1000)


def _driver_class(name):
    if name == "LSM6DSOX":
        from adafruit_lsm6ds.lsm6dsox import LSM6DSOX as cls
    elif name == "LSM6DS3TRC":
        from adafruit_lsm6ds.lsm6ds3trc import LSM6DS3TRC as cls
    elif name == "LSM6DS33":
        from adafruit_lsm6ds.lsm6ds33 import LSM6DS33 as cls
    else:
        from adafruit_lsm6ds.ism330dhcx import ISM330DHCX as cls
    return cls


def imu_factory(board, cfg, settings, say):
    """A function that finds the IMU on the board's buses and returns its driver, or raises."""
    chips = cfg["imu"] if settings.imu == "auto" else (settings.imu,)
    address = settings.imu_address
    buses = {}  # type: dict

    def make():
        problems = []
        for bus_name in cfg["i2c_buses"]:
            try:
                bus = buses.get(bus_name)
                if bus is None:
                    bus = getattr(board, bus_name)()
                    buses[bus_name] = bus
            except (AttributeError, RuntimeError, ValueError) as exc:
                problems.append("%s: %s" % (bus_name, exc))
                continue
            for chip in chips:
                try:
                    return _driver_class(chip)(bus, address)
                except (OSError, RuntimeError, ValueError) as exc:
                    problems.append("%s on %s at 0x%02X: %s" % (chip, bus_name, address, exc))
        raise RuntimeError("no IMU found (" + "; ".join(problems) + ")")

    return make


def make_motor(board, cfg, settings, say):
    # The motor backend for the settings, or None when it cannot be driven (the reason said).
    kind = settings.haptic
    pin_name = settings.haptic_pin or cfg["motor_pin"]
    try:
        if kind == "none":
            return NullMotor()
        if kind == "drv2605":
            import adafruit_drv2605
            drv = adafruit_drv2605.DRV2605(board.I2C())
            return Drv2605Motor(drv, adafruit_drv2605.Effect)
        pin = getattr(board, pin_name)
        if kind == "digital":
            import digitalio
            out = digitalio.DigitalInOut(pin)
            out.direction = digitalio.Direction.OUTPUT
            return DigitalMotor(out)
        import pwmio
        return PwmMotor(pwmio.PWMOut(pin, frequency=20000, duty_cycle=0))
    except (AttributeError, TypeError, ValueError, RuntimeError, OSError) as exc:  # TypeError: not a pin
        say("posture: cannot drive the motor (%s on %s): %s" % (kind, pin_name, exc))
        return None


class Button:
    """A push button to ground: a short press asks for a new calibration, a long one snoozes."""

    # A short press (held BUTTON_DEBOUNCE_MS or more) calibrates when it is let go; a press
    # held BUTTON_LONG_MS starts or ends a snooze at once (firmware/snooze.py, loaded then;
    # the wearer feels its pattern and lets go) and does not calibrate.
    def __init__(self, pin_in, detector, modes=None):
        self._pin = pin_in
        self._detector = detector
        self._modes = modes
        self._down_since = None
        # A press already down at start was held through boot.py to give the laptop the drive:
        # it is no snooze and no calibration (counted as fired until it is let go).
        self._fired = not pin_in.value

    def poll(self, now):
        down = self._down_since
        if self._pin.value:   # released (pulled up)
            if down is not None and not self._fired and ticks_diff(now, down) >= BUTTON_DEBOUNCE_MS:
                self._detector.request_calibration()
            self._down_since = None
            self._fired = False
        elif down is None:
            self._down_since = now
        elif not self._fired and self._modes is not None and ticks_diff(now, down) >= BUTTON_LONG_MS:
            self._fired = True
            from firmware import snooze
            snooze.press(self._modes, now)


class DeskSleep:
    # Off the body for `ms`: `go(now)` puts the clip into deep sleep (firmware/sleep.py, loaded
    # only then). on_event sets `since` when the activity turns off_body, clears it otherwise.
    def __init__(self, ms, go):
        self.ms = ms
        self.since = None
        self._go = go

    def poll(self, now):
        since = self.since
        if since is not None and self.ms and ticks_diff(now, since) >= self.ms:
            self.since = now    # should the sleep not start (on USB, IMU silent): again after as long
            if self._go(now) is False:
                self.ms = 0     # it never can (the wake pin): stay awake, said once


def make_button(board, cfg, settings, detector, modes=None):
    name = settings.button_pin or cfg["button_pin"]
    if not name:
        return None
    try:
        import digitalio
        pin = digitalio.DigitalInOut(getattr(board, name))
        pin.direction = digitalio.Direction.INPUT
        pin.pull = digitalio.Pull.UP
    except (AttributeError, TypeError, ValueError, RuntimeError):
        return None
    return Button(pin, detector, modes)


def start_watchdog(microcontroller, say):
    try:
        from watchdog import WatchDogMode
        wd = microcontroller.watchdog
        wd.timeout = WATCHDOG_S
        wd.mode = WatchDogMode.RESET
        return wd
    except (ImportError, AttributeError, NotImplementedError, RuntimeError, ValueError) as exc:
        say("posture: no watchdog (%s)" % exc)
        return None


def read_settings_text(open_fn):
    """The settings.toml text (for the unknown-key check), or None when it cannot be read."""
    if open_fn is None:
        return None
    try:
        with open_fn("/settings.toml") as f:
            return f.read(4096)
    except (OSError, ValueError):
        return None


def _urandom(os_module):
    """os.urandom, or None on a port without it."""
    fn = getattr(os_module, "urandom", None)
    if fn is None:
        return None
    try:
        fn(2)
    except (NotImplementedError, OSError, ValueError):
        return None
    return fn


def check_set_for(board, cfg, settings):
    # The protocol's SET check: why a value would disable the clip, or None (a comment, not a
    # docstring: MicroPython keeps docstrings of a loaded module in RAM).
    def check_set(key, value):
        from firmware import integrity
        return integrity.setting_problem(board, cfg, settings, key, value)
    return check_set


def main(board, supervisor, time, getenv, microcontroller=None, extra_pollers=(), say=print,
         open_fn=None, os_module=None, usb_cdc=None):
    """Build everything and loop forever.

    With `os_module` and `open_fn` the clip keeps its durable log in /log and
    honours settings changed over the data channel; with `usb_cdc` it serves
    the protocol on the data channel when boot.py enabled it.
    """
    # When the log's modules cannot be imported (a firmware set of two deploys) the clip
    # alerts without them, says so, and buzzes the error pattern once (firmware/integrity.py).
    store = overrides = broken = None
    health = Health()   # what is wrong with the clip, for STATUS, LIVE and the console
    if os_module is not None and open_fn is not None:
        try:
            from firmware import datalink
            store = datalink.open_storage(os_module, open_fn)
            overrides = datalink.overrides_for(store)
        except MIXED_SET_ERRORS as exc:  # the log's modules are of two deploys: alert without them
            broken = exc
            store = overrides = None
    if overrides is not None:
        getenv = overrides.getenv(getenv)
    settings = load_settings(getenv, say, read_settings_text(open_fn))
    cfg = boards.defaults(getattr(board, "board_id", ""))
    # the power half of firmware/sleep.py: used while starting, then dropped from RAM (its
    # sleeping half loads again only when the clip goes to sleep)
    from firmware import sleep as power
    held = power.power_down(board, cfg, microcontroller, supervisor, say)  # noqa: F841  (kept claimed)
    clock = BoardClock(supervisor, time)
    from firmware import integrity  # the start-up checks; the module drops itself from RAM after
    settings, motor, problems = integrity.start(board, cfg, settings, overrides, getenv, say, health,
                                                os_module, open_fn, make_motor, imu_factory, broken)
    del integrity
    player = Player(motor, settings.haptic_strength)
    detector = PostureDetector(settings)
    try:
        import alarm
    except ImportError:
        alarm = None  # type: ignore[assignment]  # a port without it: no sleep
    # (a time alarm also wakes a board: safemode.py's pause after a crash, not a pick-up)
    woke = 0   # 1: woken by a pick-up, 2: with the frame kept from before the sleep, 3: by the day's timer
    waker = getattr(alarm, "wake_alarm", None) if alarm is not None else None
    if waker is not None and isinstance(waker, alarm.pin.PinAlarm):
        woke = 2 if power.woke(alarm, detector) else 1
    elif waker is not None and isinstance(waker, alarm.time.TimeAlarm) and power.woke(alarm, detector):
        # the time alarm that keeps the IMU's counter from wrapping woke a clip still on the desk:
        # with its frame back it knows the desk again in 20 s and sleeps again, with no
        # calibration (a clip lying flat fails the face-out check and would buzz every night,
        # then stay awake without a frame to tell the desk by)
        woke = 3
    modes = Modes(settings, player, health, clock.ticks_ms())   # training/tracking, budget, snooze
    day_kept = False   # the training day's count came back across a desk sleep
    log = None
    pollers = list(extra_pollers)
    if store is not None:
        from firmware import datalink
        dev_id = datalink.device_id(microcontroller) if microcontroller is not None else "unknown"
        # urandom: RAM-only boots (read-only drive) draw their volatile numbering; without it
        # two such boots would number their records alike and the host would keep only one
        log, proto = datalink.start(store, usb_cdc, detector, settings, overrides, dev_id, VERSION, say,
                                    urandom=_urandom(os_module), health=health,
                                    check_set=check_set_for(board, cfg, settings), modes=modes)
        if log is not None:
            log.event((clock.ticks_ms(), ev.BOOT, log.boot, 0))
            if woke:
                log.event((clock.ticks_ms(), ev.SLEEP, 0, 1 if woke == 3 else 0))
            if alarm is not None:   # wall time carried across a deep sleep (before the driver's reset)
                slept = power.carry_wall(alarm, board, cfg, settings, log, clock.ticks_ms)
                if woke and power.restore_day(alarm, modes, slept, clock.ticks_ms()):
                    day_kept = True
            for code, detail in problems:
                log.event((clock.ticks_ms(), ev.ERROR, code, detail))
        if health.firmware == "nosync":  # the protocol would not import: no sync with this set
            health.firmware = "mixed"
            proto = None
        if proto is not None:
            pollers.append(proto)
    sensor = ImuSensor(imu_factory(board, cfg, settings, say), clock)
    if not sensor.connected:
        say("posture: the IMU was not found. Check the STEMMA QT cable or SDA/SCL wiring, "
            "POSTURE_IMU and POSTURE_IMU_ADDRESS. Retrying every second.")
    button = make_button(board, cfg, settings, detector, modes)
    if button is not None:
        pollers.append(button)
    pollers.append(modes)
    desk = None
    wake = power.wake_pin(board, cfg, settings, say, getenv) if alarm is not None else None
    if wake is not None:
        def go(now):
            if getattr(supervisor.runtime, "usb_connected", False):
                return   # on USB: awake for the host (and charging anyway)
            from firmware import sleep
            return sleep.go(alarm, wake, sensor, detector, log, now, settings.sleep_min, say, modes)
        desk = DeskSleep(settings.sleep_min * 60000, go)
        pollers.append(desk)
    battery = None
    if getattr(board, settings.battery_pin or "VOLTAGE_MONITOR", None) is not None:
        from firmware import battery as battery_mod  # loaded only on a board with a battery pin
        battery = battery_mod.make(board, settings, health, player, clock.ticks_ms(), say)
        if battery is not None:
            pollers.append(battery)
    watchdog = None
    if microcontroller is not None:
        resets.report(microcontroller, say)
        pollers.append(resets.GoodRun(getattr(microcontroller, "nvm", None), clock.ticks_ms()))
        watchdog = start_watchdog(microcontroller, say)

    def on_event(event):
        kind = event[1]
        if kind == ev.ACTIVITY and desk is not None:
            desk.since = event[0] if event[2] == ev.ACT_OFF_BODY else None
        if kind in (ev.CALIBRATED, ev.CALIBRATION_FAILED, ev.SLOUCH_ALERT, ev.BREAK_ALERT,
                    ev.SENSOR_ERROR, ev.SENSOR_RECOVERED, ev.SENSOR_FAULT, ev.MODE, ev.SNOOZE,
                    ev.BATTERY_LOW):
            say("posture: %s %s" % (kind, ev.describe(event)))
        elif kind == ev.ERROR and event[2] == ev.ERR_SENSOR_MISSING:
            say("posture: no real data from the IMU (%s); retrying. Check its cable"
                % (ev.FAULT_NAMES[event[3]] or "no answer"))

    monitor = Monitor(detector, player, sensor=sensor, clock=clock, log=log, pollers=pollers,
                      watchdog=watchdog, on_event=on_event, health=health)
    modes.emit = monitor.emit   # then the boot's mode is logged, and the minutes counted
    modes.next = detector.on_minute
    detector.on_minute = modes.minute
    modes.update(ev.MODE_WHY_BUDGET if day_kept else ev.MODE_WHY_SETTING)
    if battery is not None:
        battery.emit = monitor.emit
    power.started(say, cfg, woke)
    power.forget()
    del power
    if problems:  # a setting dropped, a mixed firmware set: the error pattern once, as the loop starts
        player.play(ERROR_PATTERN, clock.ticks_ms())
    monitor.run()
