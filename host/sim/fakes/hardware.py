"""SimBoard: the state of one simulated board, shared by all fake modules.

The test holds the SimBoard and looks at or drives the hardware through it:
    hw.pin("A0").timeline        [(t_ms, value), ...] every write to the pin
    hw.pin("BUTTON").drive(False) an input held low (or a function of t_ms)
    hw.console / hw.data          fake USB serial streams (feed / take output)
    hw.i2c_bus.attach(0x6A, emu)  a device on the I2C bus
    hw.calls                      recorded calls: storage.remount, usb_cdc.enable, ...
"""

from __future__ import annotations

from typing import Any, Callable

from host.sim.fakes.i2c import SimI2CBus
from host.sim.fakes.serial import SimSerial

PIN_NAMES = (("SCL", "SDA", "A0", "A1", "A2", "A3") + tuple("D%d" % i for i in range(14))
             + ("BUTTON", "SWITCH", "NEOPIXEL", "TX", "RX", "SCK", "MOSI", "MISO", "SCL1", "SDA1")
             + ("ACCELEROMETER_GYRO_INTERRUPT", "NEOPIXEL_POWER"))
# board names that are the same pin as another
PIN_ALIASES = {"LED": "D13"}


class PinState:
    """One pin: who uses it, what was written to it, what drives it from outside."""

    def __init__(self, name: str, clock: Any) -> None:
        self.name = name
        self._clock = clock
        self.owner: object | None = None
        self.kind = ""  # "digital", "pwm", "i2c" while in use
        self.timeline: list[tuple[int, int]] = []
        self._drive: Callable[[int], bool] | bool | None = None

    def record(self, value: int) -> None:
        self.timeline.append((self._clock.now_ms, int(value)))

    def drive(self, level: Callable[[int], bool] | bool | None) -> None:
        """Hold the pin at a level from outside (a bool, a function of elapsed ms, or None: floating)."""
        self._drive = level

    def external_level(self) -> bool | None:
        if self._drive is None:
            return None
        if callable(self._drive):
            return bool(self._drive(self._clock.now_ms))
        return bool(self._drive)

    def level_at(self, t_ms: int) -> int:
        """The last value written at or before t_ms (0 before any write)."""
        value = 0
        for t, v in self.timeline:
            if t > t_ms:
                break
            value = v
        return value

    def __repr__(self) -> str:
        return "PinState(%s, %d writes)" % (self.name, len(self.timeline))


class SimBoard:
    """Everything the fake modules share for one simulated board."""

    def __init__(self, clock: Any, board_id: str = "sim_feather") -> None:
        self.clock = clock
        self.board_id = board_id
        self.i2c_bus = SimI2CBus(clock)
        self.pins = {name: PinState(name, clock) for name in PIN_NAMES}
        self.console = SimSerial(clock, "console")
        self.data = SimSerial(clock, "data")
        self.usb_connected = True
        self.console_enabled = True
        self.data_enabled = False
        self.phase = "code"  # "boot" while boot.py runs
        self.nvm = bytearray(256)
        self.cpu_temperature = 25.0
        self.calls: list[tuple[int, str, tuple, dict]] = []
        self.env: dict[str, object] = {}
        self.env_errors: dict[str, str] = {}
        self.fs_dir: str | None = None
        self.fs_capacity: int | None = None  # bytes on the drive (None: the host's disk)
        self.safe_mode_reason: str | None = None  # a SafeModeReason name while in safe mode
        self.readonly = True  # CIRCUITPY as code.py sees it while the host has the drive
        self.next_run_mode: object = None
        self.reset_reason = "POWER_ON"
        self.shared_i2c: object | None = None
        # deep sleep (host/sim/fakes/alarm.py): what ended the last one, ("time", ms) or
        # (pin name, level), None after a reset or power-on; sleep_memory survives a deep sleep
        self.wake_alarm: tuple[str, object] | None = None
        self.busio_i2c_class: Any = None
        self.watchdog: Any = None  # set by fakes.system
        self.drive: Any = None  # the DriveMap, set by fakes.osenv
        self.settings_text = ""  # settings.toml when there is no fs_dir

    def record_call(self, name: str, *args: object, **kwargs: object) -> None:
        self.calls.append((self.clock.now_ms, name, args, kwargs))

    def calls_named(self, name: str) -> list[tuple[int, str, tuple, dict]]:
        return [c for c in self.calls if c[1] == name]

    # -- pins
    def pin(self, name: str) -> PinState:
        name = PIN_ALIASES.get(name, name)
        try:
            return self.pins[name]
        except KeyError:
            raise KeyError("no pin %s on the simulated board" % name) from None

    def claim_pin(self, pin: Any, owner: object, kind: str = "i2c") -> PinState:
        state = self.pin(pin.name)
        if state.owner is not None and state.owner is not owner:
            raise ValueError("%s in use" % pin.name)
        state.owner = owner
        state.kind = kind
        return state

    def release_pin(self, pin: Any, owner: object) -> None:
        state = self.pin(pin.name)
        if state.owner is owner:
            state.owner = None
            state.kind = ""

    def board_i2c(self) -> object:
        """board.I2C() / board.STEMMA_I2C(): one shared busio.I2C on SCL/SDA."""
        if self.shared_i2c is None or getattr(self.shared_i2c, "_deinited", False):
            from host.sim.fakes import pins

            self.shared_i2c = self.busio_i2c_class(pins.PINS["SCL"], pins.PINS["SDA"])
        return self.shared_i2c

    def power_cycle(self) -> None:
        """What a reset does to the board (pins free, USB streams kept, nvm kept)."""
        for state in self.pins.values():
            state.owner = None
            state.kind = ""
        self.shared_i2c = None
        self.i2c_bus.locked = False
        if self.watchdog is not None:
            self.watchdog.reset_state()
