"""The simulated I2C bus and the fake `busio` module.

Behaves like CircuitPython's busio.I2C: transactions need the lock (RuntimeError
"Function requires lock" otherwise), an address nobody answers gives
OSError(19) "No such device", `start`/`end` slices never copy the caller's buffer,
and a write-then-read is one transaction with a repeated start.

A device on the bus implements:
    acks() -> bool            present and answering its address
    i2c_begin() -> None       called at the start of each transaction; may raise OSError
    i2c_write(data: bytes)    the bytes after the address byte
    i2c_read(n) -> bytes
and optionally power_on_reset() (what it does when its supply comes back).

Faults: `dropout(address, ms)` takes a device off the bus for `ms` of simulated time (a
loose cable); see SimI2CBus.dropout.
"""

from __future__ import annotations

import errno
import types
from typing import Any, Protocol


class I2CTarget(Protocol):
    def acks(self) -> bool: ...

    def i2c_begin(self) -> None: ...

    def i2c_write(self, data: bytes) -> None: ...

    def i2c_read(self, n: int) -> bytes: ...


def _nodev() -> OSError:
    return OSError(errno.ENODEV, "No such device")


class SimI2CBus:
    """The wires: devices by 7-bit address, the lock, a transaction count.

    `clock` (the simulated clock, with now_us) is needed only for timed faults (dropout);
    make_modules sets it from the board when it was not given."""

    def __init__(self, clock: Any = None) -> None:
        self.devices: dict[int, I2CTarget] = {}
        self.locked = False
        self.transactions = 0
        self.bytes_moved = 0  # data bytes written and read (address bytes not counted)
        self.clock = clock
        self.dropouts = 0     # dropouts begun (for tests and the chaos tier's counts)
        self._gone: dict[int, int] = {}   # address -> simulated us until which it is off the bus

    # -- faults
    def dropout(self, address: int, ms: float, power_loss: bool = True) -> None:
        """The device at `address` drops off the bus for `ms` of simulated time from now.

        Every transaction addressed to it in that window NACKs (OSError 19, like a missing
        chip) and scan() leaves it out. With `power_loss` (a STEMMA QT cable carries the
        supply with SDA/SCL, so a loose one cuts both) the device loses its state: its
        power_on_reset() runs now, so an LSM6DS comes back at its register defaults, sensors
        off. Without it only the data lines were cut: it keeps its state. A dropout that
        overlaps one already running extends it.
        """
        if self.clock is None:
            raise RuntimeError("SimI2CBus.dropout needs the simulated clock (SimI2CBus(clock))")
        if ms < 0:
            raise ValueError("dropout length must be >= 0 ms")
        until = self.clock.now_us + int(round(ms * 1000))
        self._gone[address] = max(self._gone.get(address, 0), until)
        self.dropouts += 1
        reset = getattr(self.devices.get(address), "power_on_reset", None)
        if power_loss and reset is not None:
            reset()

    def dropped(self, address: int) -> bool:
        """True while the device at `address` is off the bus because of dropout()."""
        until = self._gone.get(address)
        if until is None:
            return False
        if self.clock.now_us < until:
            return True
        del self._gone[address]
        return False

    def attach(self, address: int, device: I2CTarget) -> None:
        if not 0 <= address < 0x80:
            raise ValueError("7-bit address expected")
        self.devices[address] = device

    def detach(self, address: int) -> None:
        self.devices.pop(address, None)

    def _target(self, address: int) -> I2CTarget:
        self.transactions += 1
        dev = self.devices.get(address)
        if dev is None or self.dropped(address) or not dev.acks():
            raise _nodev()
        dev.i2c_begin()
        return dev

    def scan(self) -> list[int]:
        return sorted(a for a, d in self.devices.items() if not self.dropped(a) and d.acks())

    def write(self, address: int, data: bytes) -> None:
        self._target(address).i2c_write(data)
        self.bytes_moved += len(data)

    def read(self, address: int, n: int) -> bytes:
        data = self._target(address).i2c_read(n)
        self.bytes_moved += n
        return data

    def write_then_read(self, address: int, data: bytes, n: int) -> bytes:
        dev = self._target(address)
        dev.i2c_write(data)
        self.bytes_moved += len(data) + n
        return dev.i2c_read(n)


def _bounds(buf: Any, start: int, end: int | None) -> tuple[int, int]:
    length = len(buf)
    if end is None:
        end = length
    if start < 0 or end > length or start > end:
        raise ValueError("start/end out of range")
    return start, end


def make_modules(board: Any) -> dict[str, types.ModuleType]:
    """The `busio` module bound to `board` (a SimBoard)."""
    bus: SimI2CBus = board.i2c_bus
    if bus.clock is None:
        bus.clock = board.clock

    class I2C:
        """busio.I2C on the simulated bus."""

        def __init__(self, scl: Any, sda: Any, *, frequency: int = 100000, timeout: int = 255) -> None:
            board.claim_pin(scl, self)
            try:
                board.claim_pin(sda, self)
            except ValueError:
                board.release_pin(scl, self)
                raise
            self._pins = (scl, sda)
            self.frequency = frequency
            self._deinited = False
            self._locked = False

        def _check(self) -> None:
            if self._deinited:
                raise ValueError("Object has been deinitialized and can no longer be used. Create a new object.")
            if not self._locked:
                raise RuntimeError("Function requires lock")

        def deinit(self) -> None:
            if not self._deinited:
                if self._locked:
                    self.unlock()
                for pin in self._pins:
                    board.release_pin(pin, self)
                self._deinited = True

        def __enter__(self) -> "I2C":
            return self

        def __exit__(self, *exc: object) -> None:
            self.deinit()

        def try_lock(self) -> bool:
            if self._deinited:
                raise ValueError("Object has been deinitialized and can no longer be used. Create a new object.")
            if bus.locked:
                return False
            bus.locked = True
            self._locked = True
            return True

        def unlock(self) -> None:
            if self._locked:
                self._locked = False
                bus.locked = False

        def scan(self) -> list[int]:
            self._check()
            return bus.scan()

        def probe(self, address: int) -> bool:
            self._check()
            try:
                bus.write(address, b"")
            except OSError:
                return False
            return True

        def writeto(self, address: int, buffer: Any, *, start: int = 0, end: int | None = None) -> None:
            self._check()
            s, e = _bounds(buffer, start, end)
            bus.write(address, bytes(memoryview(buffer)[s:e]))

        def readfrom_into(self, address: int, buffer: Any, *, start: int = 0, end: int | None = None) -> None:
            self._check()
            s, e = _bounds(buffer, start, end)
            data = bus.read(address, e - s)
            memoryview(buffer)[s:e] = data

        def writeto_then_readfrom(self, address: int, buffer_out: Any, buffer_in: Any, *, out_start: int = 0,
                                  out_end: int | None = None, in_start: int = 0, in_end: int | None = None) -> None:
            self._check()
            os_, oe = _bounds(buffer_out, out_start, out_end)
            is_, ie = _bounds(buffer_in, in_start, in_end)
            # copy out first: drivers pass the same buffer in and out (adafruit_register does)
            data = bus.write_then_read(address, bytes(memoryview(buffer_out)[os_:oe]), ie - is_)
            memoryview(buffer_in)[is_:ie] = data

    class _NotSimulated:
        """SPI and UART exist (drivers name them in annotations) but have no simulated wires."""

        def __init__(self, *args: object, **kwargs: object) -> None:
            raise RuntimeError("busio.%s is not simulated" % type(self).__name__)

    busio = types.ModuleType("busio")
    busio.I2C = I2C  # type: ignore[attr-defined]
    busio.SPI = type("SPI", (_NotSimulated,), {})  # type: ignore[attr-defined]
    busio.UART = type("UART", (_NotSimulated,), {})  # type: ignore[attr-defined]
    busio.__doc__ = "Simulated busio (I2C only; SPI and UART refuse to construct)."
    board.busio_i2c_class = I2C
    return {"busio": busio}
