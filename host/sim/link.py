"""An in-process serial link to a simulated clip, on simulated time, for host.transport.Transport.

The laptop's real sync (host/sync.py through host/transport.py and host/client.py) talks to a
clip that runs in the same process: the simulated board (host/sim/device.py SimDevice, with
the real boot.py/code.py) or the demo's firmware objects (host/demo.py). Nothing sleeps on the
wall clock: reading when nothing waits runs the clip `step_ms` of simulated time, so the clip
answers exactly as its loop would, deterministically.

Used by the chaos tier (tests/faults/chaos.py: cut cables mid-sync) and by `posture demo`
(a sync every simulated evening).
"""

from __future__ import annotations

import errno
from typing import Any, Callable

STEP_MS = 20   # simulated time the clip runs per read that finds nothing waiting


class Channel:
    """An in-memory usb_cdc.data: the clip reads `in_waiting`/`read` and writes; the host side
    `feed`s bytes in and `take_output`s what the clip wrote. Every write is taken whole (a USB
    CDC endpoint the host keeps reading)."""

    def __init__(self) -> None:
        self._in = bytearray()
        self._out = bytearray()
        self.timeout: float | None = 0
        self.write_timeout: float | None = 0

    @property
    def in_waiting(self) -> int:
        return len(self._in)

    def read(self, n: int = 1) -> bytes:
        data = bytes(self._in[:n])
        del self._in[:n]
        return data

    def write(self, data: Any) -> int:
        self._out += data
        return len(data)

    def feed(self, data: bytes) -> None:
        self._in += data

    def take_output(self) -> bytes:
        out = bytes(self._out)
        self._out.clear()
        return out


class SimLink:
    """A pyserial-like port: bytes written go to the clip's usb_cdc.data (`channel.feed`),
    bytes the clip wrote come back (`channel.take_output`); `run_for(seconds)` moves the clip on.

    `cut_after` pulls the cable right after that many reply lines have come through (with
    `mid`, after half of the next line): from then on every read and write fails as a
    vanished /dev/ttyACM does (OSError 5), so the host's next command never reaches the clip.
    A clip that stays silent for `max_wait_ms` of simulated time fails the read too (the
    host's timeout, on the simulated clock so the outcome never depends on the machine's speed).
    """

    def __init__(self, run_for: Callable[[float], Any], channel: Any, cut_after: int | None = None,
                 mid: bool = False, max_wait_ms: int = 5000, step_ms: int = STEP_MS) -> None:
        self.run_for = run_for
        self.channel = channel
        self.cut_after = cut_after
        self.mid = mid
        self.max_wait_ms = max_wait_ms
        self.step_ms = step_ms
        self.timeout: float | None = 0.05
        self.buf = bytearray()
        self.lines = 0
        self.bytes_in = 0
        self.cut = cut_after == 0 and not mid   # pulled before the clip said anything
        channel.take_output()     # a new connection: nothing of an earlier one waits

    def _pump(self) -> None:
        if self.cut:
            return
        self.run_for(self.step_ms / 1000)
        out = self.channel.take_output()
        if not out:
            return
        if self.cut_after is not None:
            keep = bytearray()
            for line in out.splitlines(keepends=True):
                if self.lines >= self.cut_after:      # only with mid: half of the next line
                    keep += line[:max(1, len(line) // 2)]
                    self.cut = True
                    break
                keep += line
                if line.endswith(b"\n"):
                    self.lines += 1
                if self.lines >= self.cut_after and not self.mid:
                    self.cut = True                   # pulled right after this line arrived
                    break
            out = bytes(keep)
        self.buf += out
        self.bytes_in += len(out)

    @property
    def in_waiting(self) -> int:
        if self.cut and not self.buf:
            raise OSError(errno.EIO, "device unplugged")
        if not self.buf:
            self._pump()
        return len(self.buf)

    def read(self, n: int = 1) -> bytes:
        waited = 0
        while not self.buf:
            if self.cut:
                raise OSError(errno.EIO, "device unplugged")
            if waited >= self.max_wait_ms:
                return b""
            self._pump()
            waited += self.step_ms
        out = bytes(self.buf[:n])
        del self.buf[:n]
        return out

    def write(self, data: bytes) -> int:
        if self.cut:
            raise OSError(errno.EIO, "device unplugged")
        self.channel.feed(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def reset_input_buffer(self) -> None:
        self.buf.clear()

    def close(self) -> None:
        pass


class LinkToDevice(SimLink):
    """SimLink to a host.sim.device.SimDevice's data channel (the real code.py on the board)."""

    def __init__(self, dev: Any, cut_after: int | None = None, mid: bool = False,
                 max_wait_ms: int = 5000) -> None:
        self.dev = dev
        super().__init__(dev.run_for, dev.board.data, cut_after, mid, max_wait_ms)
