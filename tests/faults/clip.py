"""A clip's data side without the board: the real Log over a real directory and the real
Protocol on an in-memory usb_cdc.data that takes only some bytes per write."""

from __future__ import annotations

import os
from pathlib import Path

from firmware.log import Log
from firmware.overrides import Overrides
from firmware.protocol import Protocol
from firmware.settings import Settings
from firmware.storage import Storage
from host.sim.stubs import DataChannel


class Clip:
    def __init__(self, directory: Path, minutes: int = 30) -> None:
        self.dir = directory
        self.storage = Storage(str(directory), os, open)
        self.log = Log(self.storage, urandom=lambda n: bytes(n))
        for i in range(minutes):
            self.log.minute((i * 60000, 60, 50, 5, 5, 0, 100, 200, 0))
        self.log.flush()
        self.settings = Settings()
        self.overrides = Overrides(self.storage)
        self.calibrations = 0
        self.ch = DataChannel(write_limit=64)
        self.proto = Protocol(self.ch, self.log, "FAULT01", "1.0", settings=self.settings,
                              overrides=self.overrides, calibrate=self._calibrate)
        self.now = 1000

    def _calibrate(self) -> None:
        self.calibrations += 1

    def feed(self, data: bytes, polls: int = 40) -> list[str | None]:
        self.ch.incoming += data
        for _ in range(polls):
            self.now += 10
            self.proto.poll(self.now)
        return self.ch.lines()

    def state(self) -> tuple:
        files = {}
        for folder, _dirs, names in os.walk(self.dir.parent):
            for name in names:
                p = os.path.join(folder, name)
                with open(p, "rb") as f:
                    files[os.path.relpath(p, self.dir.parent)] = f.read()
        return (self.log.next_seq, self.log.acked, self.log.first_seq(), bytes(self.log.buf),
                self.settings.items(), dict(self.overrides.values), self.calibrations, files)
