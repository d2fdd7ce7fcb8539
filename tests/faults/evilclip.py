"""A clip that lies: scripted replies on a pseudo-terminal, for `posture sync --port`.

`EvilClip(handler)` serves a pty in a thread; for every framed line the host
sends, `handler(body)` returns the raw bytes to answer with (framed lines,
garbage, anything). `stream` (an iterator of bytes) is written continuously
when set: a clip that never stops talking. Counts what the host sent.
"""

from __future__ import annotations

import os
import select
import threading
import tty
from typing import Callable, Iterator

from firmware import record
from firmware.protocol import frame, unframe


def records(n: int, start: int = 0, boot: int = 1, wall: int | None = 1_760_000_000) -> list[bytes]:
    out = []
    for seq in range(start, start + n):
        if wall is not None and seq == start:
            out.append(record.encode_time(seq, boot, 0, wall))
        else:
            out.append(record.encode_minute(seq, boot, (seq * 60000, 60, 50, 5, 5, 0, 100, 200, 0)))
    return out


class Honest:
    """A well-behaved clip's answers over a list of raw records; override pieces to lie."""

    def __init__(self, recs: list[bytes], device_id: str = "EVIL01", boot: int = 1) -> None:
        self.recs = recs
        self.device_id = device_id
        self.boot = boot
        self.acked = -1

    def hello(self) -> bytes:
        nxt = record.seq_at(self.recs[-1], 0) + 1 if self.recs else 0
        return frame("HELLO id=%s fw=1 proto=1 boot=%d first=0 next=%d acked=%d"
                     % (self.device_id, self.boot, nxt, self.acked))

    def time(self, unix: int) -> bytes:
        return frame("TIME boot=%d ms=5000 seq=%d" % (self.boot, len(self.recs)))

    def sync(self, start: int, count: int) -> bytes:
        sent = [r for r in self.recs if record.seq_at(r, 0) >= start][:count]
        last = record.seq_at(sent[-1], 0) if sent else start - 1
        return b"".join(frame("R " + r.hex()) for r in sent) + frame("END %d %d" % (len(sent), last + 1))

    def ack(self, seq: int) -> bytes:
        self.acked = max(self.acked, seq)
        return frame("OK ACK %d" % self.acked)

    def __call__(self, body: str) -> bytes:
        words = body.split()
        if words[0] == "HELLO":
            return self.hello()
        if words[0] == "TIME":
            return self.time(int(words[1]))
        if words[0] == "SYNC":
            return self.sync(int(words[1]), int(words[2]) if len(words) > 2 else 5000)
        if words[0] == "ACK":
            return self.ack(int(words[1]))
        return frame("ERR unknown unknown command")


class EvilClip:
    def __init__(self, handler: Callable[[str], bytes], stream: Iterator[bytes] | None = None,
                 unplug_after: int | None = None) -> None:
        self.handler = handler
        self.unplug_after = unplug_after   # bytes sent before the cable is pulled
        self.sent = 0
        self.unplugged = False
        self.stream = stream
        self.streaming = False
        self.received: list[str] = []
        self.bytes_streamed = 0
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)
        os.set_blocking(self.master, False)
        self.port = os.ttyname(self.slave)
        self.error: BaseException | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        buf = b""
        try:
            while not self._stop.is_set():
                want_w = [self.master] if self.streaming and self.stream is not None else []
                r, w, _x = select.select([self.master], want_w, [], 0.01)
                if r:
                    try:
                        buf += os.read(self.master, 4096)
                    except OSError:
                        return
                    while b"\n" in buf:
                        line, buf = buf.split(b"\n", 1)
                        body = unframe(line)
                        if body is None:
                            continue
                        self.received.append(body)
                        reply = self.handler(body)
                        if reply == b"<stream>":
                            self.streaming = True
                            continue
                        self._write_all(reply)
                if w and self.stream is not None:
                    chunk = next(self.stream, b"")
                    if not chunk:
                        self.streaming = False
                        continue
                    self._write_all(chunk)
                    self.bytes_streamed += len(chunk)
        except BaseException as exc:
            self.error = exc

    def _write_all(self, data: bytes) -> None:
        if self.unplug_after is not None and self.sent + len(data) > self.unplug_after:
            data = data[:max(0, self.unplug_after - self.sent)]
            self.unplugged = True
        self.sent += len(data)
        view = memoryview(data)
        while view and not self._stop.is_set():
            try:
                n = os.write(self.master, view)
            except BlockingIOError:
                select.select([], [self.master], [], 0.01)
                continue
            except OSError:
                return
            view = view[n:]
        if self.unplugged:
            self._stop.set()
            for fd in (self.master, self.slave):   # the host's next read fails: the device is gone
                try:
                    os.close(fd)
                except OSError:
                    pass

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        if self.unplugged:
            return
        for fd in (self.master, self.slave):
            try:
                os.close(fd)
            except OSError:
                pass

    def __enter__(self) -> "EvilClip":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
