"""Fake `board`, `digitalio` and `pwmio`: pins whose writes land on a timeline."""

from __future__ import annotations

import types
from typing import Any

from host.sim.fakes.hardware import PIN_ALIASES, PIN_NAMES


class Pin:
    """microcontroller.Pin: an identity token with a name."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return "board.%s" % self.name


PINS = {name: Pin(name) for name in PIN_NAMES}
# Pins only some boards have: name -> the board ids whose `board` module names them (the
# Feather Sense's IMU interrupt line, the QT Py RP2040's NeoPixel power switch).
BOARD_ONLY = {"ACCELEROMETER_GYRO_INTERRUPT": ("feather_bluefruit_sense",),
              "NEOPIXEL_POWER": ("adafruit_qtpy_rp2040",)}


def _enum(name: str, members: tuple[str, ...]) -> Any:
    """A CircuitPython-style enum class whose members are instances with a name."""

    def _repr(self: Any) -> str:
        return "%s.%s" % (name, self.name)

    cls: Any = type(name, (), {"__repr__": _repr})
    for member in members:
        value = cls()
        value.name = member
        setattr(cls, member, value)
    return cls


Direction = _enum("Direction", ("INPUT", "OUTPUT"))
Pull = _enum("Pull", ("UP", "DOWN"))
DriveMode = _enum("DriveMode", ("PUSH_PULL", "OPEN_DRAIN"))


def make_modules(board: Any) -> dict[str, types.ModuleType]:
    class DigitalInOut:
        def __init__(self, pin: Pin) -> None:
            self._state = board.claim_pin(pin, self, "digital")
            self._pin = pin
            self._direction = Direction.INPUT
            self._pull: object = None
            self._value = False
            self._drive_mode = DriveMode.PUSH_PULL

        def _check(self) -> None:
            if self._state is None:
                raise ValueError("Object has been deinitialized and can no longer be used. Create a new object.")

        def deinit(self) -> None:
            if self._state is not None:
                board.release_pin(self._pin, self)
                self._state = None

        def __enter__(self) -> "DigitalInOut":
            return self

        def __exit__(self, *exc: object) -> None:
            self.deinit()

        def switch_to_output(self, value: bool = False, drive_mode: object = DriveMode.PUSH_PULL) -> None:
            self._check()
            self._direction = Direction.OUTPUT
            self._drive_mode = drive_mode
            self._pull = None
            self._write(value)

        def switch_to_input(self, pull: object = None) -> None:
            self._check()
            self._direction = Direction.INPUT
            self._pull = pull

        @property
        def direction(self) -> object:
            return self._direction

        @direction.setter
        def direction(self, value: object) -> None:
            if value is Direction.OUTPUT:
                self.switch_to_output(False)
            elif value is Direction.INPUT:
                self.switch_to_input(None)
            else:
                raise ValueError("Invalid direction.")

        def _write(self, value: bool) -> None:
            self._value = bool(value)
            self._state.record(self._value)

        @property
        def value(self) -> bool:
            self._check()
            if self._direction is Direction.OUTPUT:
                return self._value
            level = self._state.external_level()
            if level is not None:
                return level
            return self._pull is Pull.UP

        @value.setter
        def value(self, value: bool) -> None:
            self._check()
            if self._direction is not Direction.OUTPUT:
                raise AttributeError("Cannot set value when direction is input.")
            self._write(value)

        @property
        def pull(self) -> object:
            if self._direction is Direction.OUTPUT:
                raise AttributeError("Pull not used when direction is output.")
            return self._pull

        @pull.setter
        def pull(self, value: object) -> None:
            if self._direction is Direction.OUTPUT:
                raise AttributeError("Pull not used when direction is output.")
            self._pull = value

        @property
        def drive_mode(self) -> object:
            return self._drive_mode

    class PWMOut:
        def __init__(self, pin: Pin, *, duty_cycle: int = 0, frequency: int = 500,
                     variable_frequency: bool = False) -> None:
            self._state = board.claim_pin(pin, self, "pwm")
            self._pin = pin
            if not 0 < frequency <= 100_000_000:
                raise ValueError("Invalid PWM frequency")
            self._frequency = frequency
            self._variable = variable_frequency
            self._duty = 0
            self._set_duty(duty_cycle)

        def deinit(self) -> None:
            if self._state is not None:
                board.release_pin(self._pin, self)
                self._state = None

        def __enter__(self) -> "PWMOut":
            return self

        def __exit__(self, *exc: object) -> None:
            self.deinit()

        @property
        def duty_cycle(self) -> int:
            return self._duty

        @duty_cycle.setter
        def duty_cycle(self, value: int) -> None:
            self._set_duty(value)

        def _set_duty(self, value: int) -> None:
            if self._state is None:
                raise ValueError("Object has been deinitialized and can no longer be used. Create a new object.")
            if not isinstance(value, int) or not 0 <= value <= 0xFFFF:
                raise ValueError("duty_cycle must be 0-65535")
            self._duty = value
            self._state.record(value)

        @property
        def frequency(self) -> int:
            return self._frequency

        @frequency.setter
        def frequency(self, value: int) -> None:
            if not self._variable:
                raise AttributeError("PWM frequency not writable when variable_frequency is False on construction.")
            self._frequency = value

    board_mod = types.ModuleType("board")
    for name, pin in PINS.items():
        if board.board_id in BOARD_ONLY.get(name, (board.board_id,)):
            setattr(board_mod, name, pin)
    for alias, name in PIN_ALIASES.items():
        setattr(board_mod, alias, PINS[name])
    board_mod.board_id = board.board_id  # type: ignore[attr-defined]
    board_mod.I2C = board.board_i2c  # type: ignore[attr-defined]
    board_mod.STEMMA_I2C = board.board_i2c  # type: ignore[attr-defined]

    digitalio = types.ModuleType("digitalio")
    digitalio.DigitalInOut = DigitalInOut  # type: ignore[attr-defined]
    digitalio.Direction = Direction  # type: ignore[attr-defined]
    digitalio.Pull = Pull  # type: ignore[attr-defined]
    digitalio.DriveMode = DriveMode  # type: ignore[attr-defined]

    pwmio = types.ModuleType("pwmio")
    pwmio.PWMOut = PWMOut  # type: ignore[attr-defined]

    mc_pin = types.ModuleType("microcontroller.pin")
    for name, pin in PINS.items():
        setattr(mc_pin, name, pin)
    return {"board": board_mod, "digitalio": digitalio, "pwmio": pwmio, "microcontroller.pin": mc_pin}
