"""Fake USB serial streams (`usb_cdc.console`, `usb_cdc.data`) fed and read by the test.

The device side uses read/readline/readinto/write/in_waiting/timeout like
CircuitPython's usb_cdc.Serial; a read that cannot be satisfied waits `timeout`
seconds of simulated time (bytes scheduled by the test may arrive meanwhile).
The test side uses `feed(data, at_ms=None)` and `take_output()` / `output`.
"""

from __future__ import annotations

import types
from typing import Any


class SimSerial:
    def __init__(self, clock: Any, name: str) -> None:
        self._clock = clock
        self.name = name
        self._in = bytearray()
        self._scheduled: list[tuple[int, bytes]] = []  # (elapsed ms, bytes)
        self.output = bytearray()
        self.writes: list[tuple[int, bytes]] = []
        self.timeout: float | None = 1.0
        self.write_timeout: float | None = None
        self.connected = True

    # -- test side
    def feed(self, data: bytes | str, at_ms: int | None = None) -> None:
        if isinstance(data, str):
            data = data.encode()
        if at_ms is None or at_ms <= self._clock.now_ms:
            self._in += data
        else:
            self._scheduled.append((at_ms, bytes(data)))
            self._scheduled.sort(key=lambda item: item[0])

    def take_output(self) -> bytes:
        out = bytes(self.output)
        self.output.clear()
        return out

    def text(self) -> str:
        return self.output.decode("utf-8", "replace")

    # -- device side
    def _arrive(self) -> None:
        now = self._clock.now_ms
        while self._scheduled and self._scheduled[0][0] <= now:
            self._in += self._scheduled.pop(0)[1]

    def _wait_for(self, ready: Any) -> None:
        """Wait (in simulated time) up to `timeout` for ready() to become true."""
        self._arrive()
        if ready() or not self.timeout:
            return
        deadline = self._clock.now_ms + int(self.timeout * 1000)
        while not ready() and self._scheduled and self._scheduled[0][0] <= deadline:
            self._clock.advance_ms(max(0, self._scheduled[0][0] - self._clock.now_ms))
            self._arrive()
        if not ready():
            self._clock.advance_ms(max(0, deadline - self._clock.now_ms))
            self._arrive()

    @property
    def in_waiting(self) -> int:
        self._arrive()
        return len(self._in)

    @property
    def out_waiting(self) -> int:
        return 0

    def read(self, size: int = 1) -> bytes | None:
        self._wait_for(lambda: len(self._in) >= size)
        n = min(size, len(self._in))
        if n == 0:
            return None
        data = bytes(self._in[:n])
        del self._in[:n]
        return data

    def readinto(self, buf: Any) -> int | None:
        data = self.read(len(buf))
        if not data:
            return None
        memoryview(buf)[: len(data)] = data
        return len(data)

    def readline(self, size: int = -1) -> bytes | None:
        def ready() -> bool:
            return b"\n" in self._in or (size >= 0 and len(self._in) >= size)

        self._wait_for(ready)
        end = self._in.find(b"\n")
        n = len(self._in) if end < 0 else end + 1
        if size >= 0:
            n = min(n, size)
        if n == 0:
            return None
        data = bytes(self._in[:n])
        del self._in[:n]
        return data

    def readlines(self) -> list[bytes]:
        lines: list[bytes] = []
        while True:
            self._arrive()
            if not self._in:
                return lines
            line = self.readline()
            if line:
                lines.append(line)

    def write(self, buf: Any) -> int:
        data = bytes(buf) if not isinstance(buf, str) else buf.encode()
        self.output += data
        self.writes.append((self._clock.now_ms, data))
        return len(data)

    def flush(self) -> None:
        pass

    def reset_input_buffer(self) -> None:
        self._arrive()
        self._in.clear()

    def reset_output_buffer(self) -> None:
        pass


def make_modules(board: Any) -> dict[str, types.ModuleType]:
    usb_cdc = types.ModuleType("usb_cdc")

    def enable(*, console: bool = True, data: bool = False) -> bool:
        board.record_call("usb_cdc.enable", console=console, data=data)
        if board.phase != "boot":
            raise RuntimeError("Cannot change USB devices now")
        board.console_enabled = console
        board.data_enabled = data
        return True

    def disable() -> None:
        enable(console=False, data=False)

    usb_cdc.enable = enable  # type: ignore[attr-defined]
    usb_cdc.disable = disable  # type: ignore[attr-defined]
    usb_cdc.Serial = SimSerial  # type: ignore[attr-defined]
    # which streams exist was decided when USB enumerated, after boot.py
    usb_cdc.console = board.console if board.console_enabled else None  # type: ignore[attr-defined]
    usb_cdc.data = board.data if board.data_enabled else None  # type: ignore[attr-defined]
    return {"usb_cdc": usb_cdc}
