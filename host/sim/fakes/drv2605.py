"""A register-level DRV2605L haptic driver emulator for the simulated I2C bus (address 0x5A).

Enough of the chip for the real adafruit_drv2605 driver: STATUS with the device
id, MODE (STANDBY after power-up), the eight waveform sequencer slots, and GO.
Writing GO=1 in internal-trigger mode plays the sequence: `plays` records
(t_ms, effect ids), and GO reads 1 until the sequence's length has passed
(about 100 ms an effect, pauses by their 10 ms units); GO=0 stops it.
"""

from __future__ import annotations

from typing import Any

STATUS, MODE, WAVESEQ1, GO = 0x00, 0x01, 0x04, 0x0C
_EFFECT_MS = {15: 750, 16: 1000, 47: 1000, 48: 1000, 52: 1000}  # the long alerts and buzzes


class DRV2605Emulator:
    def __init__(self, clock: Any, address: int = 0x5A, device_id: int = 7) -> None:
        self.clock = clock
        self.address = address
        self.device_id = device_id
        self.present = True
        self.plays: list[tuple[int, tuple[int, ...]]] = []
        self.stops: list[int] = []
        self._power_on()

    def _power_on(self) -> None:
        self.regs = bytearray(256)
        self.regs[STATUS] = self.device_id << 5
        self.regs[MODE] = 0x40          # STANDBY
        self.regs[WAVESEQ1] = 1
        self.pointer = 0
        self._busy_until_ms = 0

    def attach(self, bus: Any) -> "DRV2605Emulator":
        bus.attach(self.address, self)
        return self

    def sequence_ms(self, effects: tuple[int, ...]) -> int:
        total = 0
        for value in effects:
            total += (value & 0x7F) * 10 if value & 0x80 else _EFFECT_MS.get(value, 100)
        return total

    def playing(self) -> bool:
        return self.clock.now_ms < self._busy_until_ms

    # I2C target protocol (host.sim.fakes.i2c)
    def acks(self) -> bool:
        return self.present

    def i2c_begin(self) -> None:
        if self._busy_until_ms and not self.playing():
            self.regs[GO] = 0
            self._busy_until_ms = 0

    def i2c_write(self, data: bytes) -> None:
        if not data:
            return
        self.pointer = data[0]
        for byte in data[1:]:
            self._write(self.pointer, byte)
            self.pointer = (self.pointer + 1) & 0xFF

    def _write(self, reg: int, value: int) -> None:
        if reg == STATUS:
            return
        if reg == MODE and value & 0x80:  # DEV_RESET
            self._power_on()
            return
        self.regs[reg] = value
        if reg != GO:
            return
        if value & 1 and not self.regs[MODE] & 0x47:   # internal trigger, out of standby
            effects = []
            for slot in range(8):
                effect = self.regs[WAVESEQ1 + slot]
                if effect == 0:
                    break
                effects.append(effect)
            self.plays.append((self.clock.now_ms, tuple(effects)))
            self._busy_until_ms = self.clock.now_ms + self.sequence_ms(tuple(effects))
        elif not value & 1:
            if self.playing():
                self.stops.append(self.clock.now_ms)
            self._busy_until_ms = 0

    def i2c_read(self, n: int) -> bytes:
        out = bytearray(n)
        for i in range(n):
            out[i] = self.regs[self.pointer]
            self.pointer = (self.pointer + 1) & 0xFF
        return bytes(out)
