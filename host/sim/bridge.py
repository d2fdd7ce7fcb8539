"""A pseudo-terminal in front of a running SimDevice's USB data channel.

The firmware keeps running on the simulated board (its loop polls the
protocol handler, as on a real clip), while the laptop side opens the pty's
name with pyserial exactly as it would open /dev/ttyACM1. Bytes from the pty
are fed into `usb_cdc.data`; what the firmware writes there comes back out.
The board advances `step_s` of simulated time per round, so a sync takes a
little simulated time, as it would on a real clip.
"""

from __future__ import annotations

import os
import select
import threading
import tty
from typing import Any


class PtyBridge:
    def __init__(self, device: Any, step_s: float = 0.05) -> None:
        self.device = device
        self.step_s = step_s
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)
        self.port = os.ttyname(self.slave)
        self.error: BaseException | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="pty-bridge", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        data = self.device.board.data
        try:
            while not self._stop.is_set():
                ready, _, _ = select.select([self.master], [], [], 0.002)
                if ready:
                    chunk = os.read(self.master, 4096)
                    if chunk:
                        data.feed(chunk)
                self.device.run_for(self.step_s)
                out = data.take_output()
                if out:
                    view = memoryview(out)
                    while view:
                        n = os.write(self.master, view)
                        view = view[n:]
        except BaseException as exc:  # reported by close(), so a broken device fails loudly
            self.error = exc

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)
        for fd in (self.master, self.slave):
            try:
                os.close(fd)
            except OSError:
                pass
        if self.error is not None:
            raise RuntimeError("the simulated clip failed during the session") from self.error

    def __enter__(self) -> "PtyBridge":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
