"""The CircuitPython modules code.py and boot.py import, small enough for MicroPython.

host/sim/fakes has the full simulated board for CPython (typing, dataclasses, a
register emulator with physics); this file is its minimal MicroPython twin, so the
device tier can run the real boot.py and code.py, firmware/wiring.main included,
under real MicroPython: a CPython-only call there fails here as it would on a board.

    import mpy_fakeboard as fb
    fb.install(samples_path, board_id="adafruit_qtpy_rp2040", env={...})
    exec(open("boot.py").read(), {"__name__": "__main__"})
    exec(open("code.py").read(), {"__name__": "__main__"})   # ends with RunOver

Time moves only when the firmware sleeps. Each sleep loads the IMU's output
registers with the recorded sample for the new time (tools/mpy_samples.py's
format); when the recording runs out, sleep raises RunOver, a BaseException that
code.py's crash handler (which catches Exception) lets through.
Runs unchanged on CPython, so the same run can be compared across the two.
"""

import struct
import sys

import mpy_board


class RunOver(BaseException):
    """The recording is over: unwinds code.py's endless loop (not an Exception on purpose)."""


class Pin:
    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return "board." + self.name


class Recording:
    """Feeds the chip from a sample file as the clock moves."""

    def __init__(self, path, clock, chip):
        self.f = open(path, "rb")
        self.buf = bytearray(28)
        self.clock = clock
        self.chip = chip
        self.next = None
        self.samples = 0
        self._read()

    def _read(self):
        if self.f.readinto(self.buf) != 28:
            self.next = None
            return
        self.next = struct.unpack_from("<Iffffff", self.buf, 0)

    def advance(self):
        """Load the newest sample at or before the clock's elapsed time; False at the end."""
        now = self.clock.elapsed_ms
        loaded = None
        while self.next is not None and self.next[0] - self.t0 <= now:
            loaded = self.next
            self._read()
        if loaded is not None:
            self.chip.load(loaded[1], loaded[2], loaded[3], loaded[4], loaded[5], loaded[6])
            self.samples += 1
        return self.next is not None

    def start(self):
        self.t0 = self.next[0] if self.next is not None else 0
        self.advance()


class Time:
    """`time` for the firmware: sleep moves the simulated clock and the recording."""

    def __init__(self, clock, recording):
        self.clock = clock
        self.recording = recording

    def sleep(self, seconds):
        ms = int(seconds * 1000 + 0.5)
        self.clock.sleep_ms(ms if ms > 0 else 1)
        if not self.recording.advance():
            raise RunOver()

    def monotonic(self):
        return self.clock.elapsed_ms / 1000

    def monotonic_ns(self):
        return self.clock.elapsed_ms * 1000000

    def localtime(self, *args):
        return (2026, 1, 1, 0, 0, 0, 3, 1, -1)


class Module:
    """A plain namespace standing in for a module."""

    def __init__(self, **attrs):
        for key in attrs:
            setattr(self, key, attrs[key])


class DigitalInOut:
    def __init__(self, pin):
        if not isinstance(pin, Pin):
            raise TypeError("not a pin")
        self.pin = pin
        self.direction = None
        self.pull = None
        self._value = True   # a button to ground with a pull-up, not pressed

    @property
    def value(self):
        # a pin held down by install(presses=...) during its (start_ms, end_ms) spans
        spans = PRESSES.get(self.pin.name)
        if spans and self.direction != "output":
            now = WORLD["clock"].elapsed_ms
            for start, end in spans:
                if start <= now < end:
                    return False
        return self._value

    @value.setter
    def value(self, level):
        self._value = level

    def deinit(self):
        pass


class AnalogIn:
    """analogio.AnalogIn: a cell behind a divider on the pins install(cell_mv=...) names."""

    def __init__(self, pin):
        if not isinstance(pin, Pin):
            raise TypeError("not a pin")
        if pin.name not in WORLD["analog"]:
            raise ValueError("%s is not an analog pin with a divider" % pin.name)
        self.pin = pin
        self.reference_voltage = 3.3
        self.reads = 0

    @property
    def value(self):
        self.reads += 1
        cell_mv, divider = WORLD["analog"][self.pin.name]
        pin_mv = cell_mv(WORLD["clock"].elapsed_ms) // divider
        raw = min(4095, max(0, (pin_mv * 4095 + 1650) // 3300))
        return raw << 4 | raw >> 8

    def deinit(self):
        pass


class PWMOut:
    def __init__(self, pin, frequency=500, duty_cycle=0):
        if not isinstance(pin, Pin):
            raise TypeError("not a pin")
        self.pin = pin
        self.frequency = frequency
        self._duty = duty_cycle
        self.changes = 0

    @property
    def duty_cycle(self):
        return self._duty

    @duty_cycle.setter
    def duty_cycle(self, value):
        if value and not self._duty and WORLD["clock"] is not None:
            WORLD["buzz"].append(WORLD["clock"].elapsed_ms)   # when each vibration step started
        if value != self._duty:
            self.changes += 1
            STATE["motor_on" if value else "motor_off"] += 1
        self._duty = value

    def deinit(self):
        pass


class Watchdog:
    def __init__(self):
        self.timeout = 0
        self.mode = None
        self.feeds = 0

    def feed(self):
        self.feeds += 1


class Channel:
    """usb_cdc.data with nobody on the other end."""

    def __init__(self):
        self.timeout = 0
        self.write_timeout = 0
        self.in_waiting = 0

    def read(self, n):
        return b""

    def write(self, data):
        return len(data)


class Os:
    """The real os module plus CircuitPython's getenv (settings.toml)."""

    def __init__(self, real, env):
        self._real = real
        self._env = env
        for name in ("listdir", "mkdir", "remove", "rename", "stat", "statvfs", "sync", "rmdir",
                     "urandom", "uname"):
            fn = getattr(real, name, None)
            if fn is not None:
                setattr(self, name, fn)
        self.sep = "/"

    def getenv(self, key, default=None):
        return self._env.get(key, default)


STATE = {"remounted": 0, "usb_cdc_enabled": 0, "motor_on": 0, "motor_off": 0, "resets": 0}
PRESSES = {}    # pin name -> ((start_ms, end_ms), ...) it is held low (a button pressed)
# the clock; pin name -> (cell_mv(elapsed_ms), divider); elapsed ms at which the motor turned on
WORLD = {"clock": None, "analog": {}, "buzz": []}


def install(samples_path, board_id="adafruit_qtpy_rp2040", env=None, start_ticks=0, presses=None,
            cell_mv=None, battery_pin="VOLTAGE_MONITOR", divider=2):
    """Put the fake modules into sys.modules; returns the objects a test reads afterwards.

    presses: {pin name: ((start_ms, end_ms), ...)} spans of elapsed time a button is held;
    cell_mv: a function of elapsed ms giving the cell's millivolts, seen through `divider`
    on `battery_pin` (board.VOLTAGE_MONITOR exists only then)."""
    import os as real_os

    clock = mpy_board.Clock(start_ticks)
    WORLD["clock"] = clock
    WORLD["buzz"] = []
    PRESSES.clear()
    PRESSES.update(presses or {})
    WORLD["analog"] = {battery_pin: (cell_mv, divider)} if cell_mv is not None else {}
    chip = mpy_board.LSM6DSRegisters(clock)
    bus = mpy_board.FakeI2C(chip)
    rec = Recording(samples_path, clock, chip)
    rec.start()
    pins = {}
    for name in ("A0", "A1", "A2", "A3", "D5", "D6", "SDA", "SCL", "SDA1", "SCL1", "BUTTON",
                 "NEOPIXEL", "NEOPIXEL_POWER", "SWITCH", "TX", "RX"):
        pins[name] = Pin(name)
    if cell_mv is not None:
        pins[battery_pin] = Pin(battery_pin)
    board = Module(board_id=board_id, I2C=lambda: bus, STEMMA_I2C=lambda: bus, **pins)
    direction = Module(INPUT="input", OUTPUT="output")
    pull = Module(UP="up", DOWN="down")
    watchdog = Watchdog()

    def reset():
        STATE["resets"] += 1
        raise RunOver()

    cpu = Module(uid=b"\x01\x23\x45\x67\x89\xab\xcd\xef", reset_reason=None, frequency=125000000,
                 temperature=30.0)
    micro = Module(cpu=cpu, nvm=bytearray(256), watchdog=watchdog, reset=reset,
                   on_next_reset=lambda mode: None,
                   RunMode=Module(NORMAL=0, SAFE_MODE=1, BOOTLOADER=2))

    def remount(path, readonly=False, **_kw):
        STATE["remounted"] += 1

    def enable(console=True, data=False):
        STATE["usb_cdc_enabled"] += 1

    modules = {
        "board": board,
        "busio": Module(I2C=lambda scl, sda, **kw: bus),
        "digitalio": Module(DigitalInOut=DigitalInOut, Direction=direction, Pull=pull),
        "pwmio": Module(PWMOut=PWMOut),
        "analogio": Module(AnalogIn=AnalogIn),
        "supervisor": Module(ticks_ms=clock.ticks_ms, runtime=Module(serial_connected=False),
                             reload=lambda: None),
        "usb_cdc": Module(data=Channel(), console=None, enable=enable),
        "microcontroller": micro,
        "watchdog": Module(WatchDogMode=Module(RAISE=1, RESET=2), WatchDogTimeout=RuntimeError),
        "storage": Module(remount=remount),
        "time": Time(clock, rec),
        "os": Os(real_os, env or {}),
    }
    for name in modules:
        sys.modules[name] = modules[name]
    return {"clock": clock, "chip": chip, "bus": bus, "recording": rec, "watchdog": watchdog,
            "state": STATE}
