"""A simulated clip behind a pseudo-terminal: the real firmware log and protocol handler.

    with PtyDevice(log_dir) as dev:          # serves in a thread
        posture sync --port dev.port          # pyserial talks to it as to a board

The device side polls firmware.protocol.Protocol on the master end of
os.openpty() exactly as the Monitor loop would (non-blocking reads, partial
writes); the host opens the slave end (/dev/pts/N). `prefill()` writes days of
log with the real firmware.log.Log, one boot per day. `unplug_after` cuts the
line after that many bytes sent, like pulling the cable.

    python -m host.sim.ptydevice --days 30      # prints the port; Ctrl-C stops
"""

from __future__ import annotations

import argparse
import fcntl
import os
import random
import select
import struct
import termios
import threading
import time
import tty
from typing import Any, Callable

from firmware import events as ev
from firmware.log import Log
from firmware.overrides import Overrides
from firmware.protocol import Protocol
from firmware.storage import Storage

TICKS_MASK = (1 << 29) - 1


def storage_for(directory: str) -> Storage:
    return Storage(directory, os, open)


class PtyChannel:
    """usb_cdc.data's interface (in_waiting, read, write) on a pty master fd."""

    def __init__(self, fd: int, unplug_after: int | None = None) -> None:
        self.fd = fd
        os.set_blocking(fd, False)
        self.sent = 0
        self.unplug_after = unplug_after
        self.unplugged = False

    @property
    def in_waiting(self) -> int:
        if self.unplugged:
            return 0
        try:
            raw = fcntl.ioctl(self.fd, termios.FIONREAD, b"\0\0\0\0")
        except OSError:
            return 0
        return int(struct.unpack("i", raw)[0])

    def read(self, n: int) -> bytes:
        if self.unplugged:
            return b""
        try:
            return os.read(self.fd, n)
        except (BlockingIOError, OSError):
            return b""

    def write(self, data: bytes) -> int:
        if self.unplugged:
            return len(data)
        if self.unplug_after is not None:
            room = self.unplug_after - self.sent
            if room <= 0:
                self.unplugged = True
                return len(data)
            data = data[:room]
        try:
            n = os.write(self.fd, data)
        except BlockingIOError:
            return 0
        except OSError:
            return len(data)
        self.sent += n
        return n


class WearerFeed:
    """firmware.monitor.Monitor on a synthetic wearer's recording (host/sim/wearer.py).

    Each loop pass of the device processes `samples_per_pass` samples (one
    simulated second at 26 Hz), so simulated time runs much faster than wall
    time; when the recording ends, ticks stop with it (the wearer took it off).
    """

    def __init__(self, recording: Any, log: Log, overrides: Overrides, samples_per_pass: int) -> None:
        from firmware.detector import PostureDetector
        from firmware.haptics import NullMotor, Player
        from firmware.monitor import Monitor
        from firmware.protocol import live_from_detector
        from firmware.settings import load

        self.settings = load(overrides.getenv(lambda _k: None), lambda _msg: None)
        self.detector = PostureDetector(self.settings)
        self.monitor = Monitor(self.detector, Player(NullMotor(), self.settings.haptic_strength), log=log)
        self.live = live_from_detector(self.detector)
        self.t = recording.t_s.tolist()
        self.acc = recording.accel.tolist()
        self.gyr = recording.gyro.tolist()
        self.i = 0
        self.step = samples_per_pass
        self.now = 0
        log.event((0, ev.BOOT, log.boot, 0))

    def on_set(self, _key: str, _value: object) -> None:
        self.detector.apply_settings(self.settings)

    def advance(self) -> int:
        t0 = self.t[0]
        for _ in range(self.step):
            if self.i >= len(self.t):
                break
            a, g = self.acc[self.i], self.gyr[self.i]
            self.now = int((self.t[self.i] - t0) * 1000 + 0.5) & TICKS_MASK
            self.monitor.process(self.now, a[0], a[1], a[2], g[0], g[1], g[2])
            self.i += 1
        return self.now


class PtyDevice:
    def __init__(self, directory: str, device_id: str = "SIM0001", fw_version: str = "sim-1",
                 ticks: Callable[[], int] | None = None, live: Callable[[], Any] | None = None,
                 calibrate: Callable[[], None] | None = None, unplug_after: int | None = None,
                 lines_per_poll: int = 64, log_kwargs: dict[str, Any] | None = None,
                 wearer: Any = None, samples_per_pass: int = 26, storage: Any = None) -> None:
        self.directory = directory
        if storage is None:
            os.makedirs(directory, exist_ok=True)
        self.storage = storage or storage_for(directory)
        self.log = Log(self.storage, urandom=os.urandom, **(log_kwargs or {}))
        self.overrides = Overrides(self.storage)
        self._t0 = time.monotonic()
        self.ticks = ticks or (lambda: int((time.monotonic() - self._t0) * 1000) & TICKS_MASK)
        self.feed: WearerFeed | None = None
        settings = None
        on_set = None
        if wearer is not None:  # the real Monitor and detector, fed by a synthetic wearer
            self.feed = WearerFeed(wearer, self.log, self.overrides, samples_per_pass)
            self.ticks = self.feed.advance
            live, calibrate, settings = self.feed.live, self.feed.detector.request_calibration, self.feed.settings
            on_set = self.feed.on_set
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)
        self.port = os.ttyname(self.slave)
        self.channel = PtyChannel(self.master, unplug_after)
        self.protocol = Protocol(self.channel, self.log, device_id, fw_version,
                                 settings=settings, overrides=self.overrides, calibrate=calibrate,
                                 live=live, on_set=on_set, lines_per_poll=lines_per_poll)
        self.lock = threading.Lock()
        self.crash: BaseException | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="pty-device", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        try:
            while not self._stop.is_set():
                with self.lock:
                    self.protocol.poll(self.ticks())
                    busy = bool(self.protocol.tx) or self.protocol.reader is not None
                if self.channel.unplugged:
                    self._close_fds()
                    return
                if not busy:
                    select.select([self.master], [], [], 0.005)
        except BaseException as exc:  # a crash must fail the test that drives us
            self.crash = exc
            raise

    def _close_fds(self) -> None:
        for fd in (self.master, self.slave):
            try:
                os.close(fd)
            except OSError:
                pass
        self.master = self.slave = -1

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        if self.master >= 0:
            self._close_fds()
        if self.crash is not None:
            raise RuntimeError("the simulated device crashed") from self.crash

    def __enter__(self) -> "PtyDevice":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def simulated_day(rng: random.Random, t0: int = 0) -> list[tuple[str, tuple[Any, ...]]]:
    """A plausible 10-hour wear day as the Monitor would log it: 600 summaries and ~100 events."""
    out: list[tuple[str, tuple[Any, ...]]] = [("event", (t0, ev.CALIBRATED, 120, 52))]
    slouch_until = -1
    seated = 0
    for minute in range(600):
        t = (t0 + (minute + 1) * 60000) & TICKS_MASK
        moving = rng.randrange(0, 12)
        slouch = rng.randrange(0, 25) if rng.random() < 0.4 else 0
        alerts = 0
        if slouch > 15 and minute > slouch_until:
            dur = rng.randrange(40, 400) * 1000
            out.append(("event", (t - 50000, ev.SLOUCH_START, 180 + rng.randrange(100), 0)))
            out.append(("event", (t - 20000, ev.SLOUCH_ALERT, 30000, 200 + rng.randrange(100))))
            out.append(("event", ((t + dur) & TICKS_MASK, ev.SLOUCH_END, dur, 260)))
            slouch_until = minute + dur // 60000 + 1
            alerts = 1
        seated = 0 if moving > 8 else seated + 1
        if seated == 50:
            out.append(("event", (t, ev.BREAK_ALERT, 50, 0)))
            alerts += 1
        upright = 60 - moving - slouch
        out.append(("minute", (t, 60, upright, slouch, moving, 0, 60 + slouch * 4,
                               120 + slouch * 8, alerts)))
    out.sort(key=lambda item: item[1][0])  # logged when they happen
    return out


def prefill(directory: str, days: int, start_unix: int = 1_760_000_000, anchored: bool = True,
            seed: int = 1, **log_kwargs: Any) -> int:
    """Write `days` simulated wear days, one boot each; returns the next seq."""
    rng = random.Random(seed)
    os.makedirs(directory, exist_ok=True)
    log = None
    for day in range(days):
        log = Log(storage_for(directory), urandom=os.urandom, **log_kwargs)
        log.event((0, ev.BOOT, log.boot, 0))
        if anchored:
            log.time_anchor(0, start_unix + day * 86400)
        for what, value in simulated_day(rng):
            if what == "minute":
                log.minute(value)
            else:
                log.event(value)
        log.flush()
    return log.next_seq if log else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="A simulated clip on a pseudo-terminal.")
    parser.add_argument("--dir", default=None, help="log directory (default: a new temporary one)")
    parser.add_argument("--days", type=int, default=0, help="prefill this many simulated days")
    parser.add_argument("--wearer-hours", type=float, default=0,
                        help="run the real Monitor on a synthetic wearer's day this long (fast-forward)")
    args = parser.parse_args(argv)
    import tempfile

    directory = args.dir or tempfile.mkdtemp(prefix="posture-pty-")
    if args.days:
        prefill(directory, args.days)
    wearer = None
    if args.wearer_hours:
        from host.sim import scenario
        from host.sim.wearer import render

        wearer = render(scenario.make_day(args.wearer_hours, seed=1), rate_hz=26, seed=1)
    with PtyDevice(directory, wearer=wearer) as dev:
        print(dev.port, flush=True)
        print("log in %s; Ctrl-C stops" % directory, flush=True)
        try:
            while True:
                time.sleep(1)
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
