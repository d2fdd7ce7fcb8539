"""Fake `analogio` and a LiPo cell that discharges on the simulated clock.

    cell = Cell(hw.clock, capacity_mah=2, current_ma=60)   # flat in 2 simulated minutes
    attach(hw, "VOLTAGE_MONITOR", cell, divider=2)         # what the Feather Sense has
    attach(hw, "A2", cell, divider=2)                      # a divider on an analog pin

A board whose id is in MONITOR_BOARDS gets `board.VOLTAGE_MONITOR` with a full 400 mAh cell
behind a 2:1 divider unless a test attached another. `AnalogIn(pin).value` is the pin's
voltage over `reference_voltage` as a 12-bit conversion scaled to 0..65535 (as CircuitPython
reports it), with optional Gaussian noise; a pin with nothing attached reads 0 V.

The cell's open-circuit voltage follows a LiPo discharge curve (OCV, a denser table than the
firmware's own, so a test checks the firmware's conversion, not a copy of it), minus the drop
across its internal resistance at the drawn current. Charge falls linearly with time at
`current_ma` (change it with set_current; the charge so far is kept).
"""

from __future__ import annotations

import random
import types
from typing import Any

from host.sim.fakes.hardware import PinState
from host.sim.fakes.pins import Pin

# board_id -> (pin name, divider, reference volts) of the board's own battery monitor
MONITOR_BOARDS = {"feather_bluefruit_sense": ("VOLTAGE_MONITOR", 2.0, 3.6)}
REFERENCE_V = 3.3   # analog reference of other boards

# (charge %, open-circuit volts) of a single LiPo cell at light load
OCV = ((0, 3.27), (2, 3.45), (5, 3.61), (8, 3.66), (10, 3.69), (15, 3.71), (20, 3.73), (30, 3.77),
       (40, 3.80), (50, 3.84), (60, 3.87), (70, 3.95), (80, 4.02), (90, 4.11), (95, 4.15), (100, 4.20))


def ocv(pct: float) -> float:
    pct = min(max(pct, 0.0), 100.0)
    for (p0, v0), (p1, v1) in zip(OCV, OCV[1:]):
        if pct <= p1:
            return v0 + (v1 - v0) * (pct - p0) / (p1 - p0)
    return OCV[-1][1]


class Cell:
    def __init__(self, clock: Any, capacity_mah: float = 400.0, charge_pct: float = 100.0,
                 current_ma: float = 15.0, resistance_ohm: float = 0.15) -> None:
        self._clock = clock
        self.capacity_mah = capacity_mah
        self.current_ma = current_ma
        self.resistance_ohm = resistance_ohm
        self._pct0 = charge_pct
        self._t0_us = clock.now_us

    def charge_pct(self) -> float:
        hours = (self._clock.now_us - self._t0_us) / 3.6e9
        return max(0.0, self._pct0 - self.current_ma * hours / self.capacity_mah * 100.0)

    def set_current(self, current_ma: float) -> None:
        self._pct0 = self.charge_pct()
        self._t0_us = self._clock.now_us
        self.current_ma = current_ma

    def volts(self) -> float:
        return ocv(self.charge_pct()) - self.current_ma / 1000.0 * self.resistance_ohm


class Source:
    """What one analog pin sees: a cell through a divider, with ADC noise."""

    def __init__(self, cell: Cell, divider: float, noise_v: float, seed: int) -> None:
        self.cell = cell
        self.divider = divider
        self.noise_v = noise_v
        self.rng = random.Random(seed)
        self.reads = 0

    def volts(self) -> float:
        self.reads += 1
        noise = self.rng.gauss(0.0, self.noise_v) if self.noise_v else 0.0
        return self.cell.volts() / self.divider + noise


def _sources(board: Any) -> dict[str, Source]:
    found = getattr(board, "analog_sources", None)
    if found is None:
        found = {}
        board.analog_sources = found
    return found


def attach(board: Any, pin_name: str, cell: Cell, divider: float = 2.0, noise_v: float = 0.0,
           seed: int = 1) -> Source:
    """Put `cell` behind a divider on `pin_name` of the simulated board."""
    if pin_name not in board.pins:
        board.pins[pin_name] = PinState(pin_name, board.clock)
    source = Source(cell, divider, noise_v, seed)
    _sources(board)[pin_name] = source
    return source


def make_modules(board: Any, board_mod: types.ModuleType) -> dict[str, types.ModuleType]:
    monitor = MONITOR_BOARDS.get(board.board_id)
    reference = monitor[2] if monitor else REFERENCE_V
    if monitor is not None:
        name, divider, _ref = monitor
        if name not in _sources(board):
            attach(board, name, Cell(board.clock), divider)
        setattr(board_mod, name, Pin(name))

    class AnalogIn:
        def __init__(self, pin: Pin) -> None:
            if not isinstance(pin, Pin):
                raise TypeError("pin must be a Pin")
            self._state: PinState | None = board.claim_pin(pin, self, "analog")
            self._pin = pin

        def deinit(self) -> None:
            if self._state is not None:
                board.release_pin(self._pin, self)
                self._state = None

        def __enter__(self) -> "AnalogIn":
            return self

        def __exit__(self, *exc: object) -> None:
            self.deinit()

        @property
        def reference_voltage(self) -> float:
            return reference

        @property
        def value(self) -> int:
            if self._state is None:
                raise ValueError("Object has been deinitialized and can no longer be used. Create a new object.")
            source = _sources(board).get(self._pin.name)
            volts = source.volts() if source is not None else 0.0
            raw = min(4095, max(0, int(volts / reference * 4095 + 0.5)))
            return raw << 4 | raw >> 8   # 12 bits spread over 16, as CircuitPython scales them

    analogio = types.ModuleType("analogio")
    analogio.AnalogIn = AnalogIn  # type: ignore[attr-defined]
    return {"analogio": analogio}
