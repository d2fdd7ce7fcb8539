"""The log and the protocol handler under real MicroPython write the same bytes as under CPython."""

from __future__ import annotations

import io
import os
import re
import sys
from contextlib import redirect_stdout
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT / "tools") not in sys.path:
    sys.path.insert(0, str(ROOT / "tools"))

from mpyrun import run_mpy  # noqa: E402

PROGRAM = r'''
import os
from binascii import hexlify
from firmware.storage import Storage
from firmware.log import Log
from firmware.protocol import Protocol, frame
try:
    os.mkdir(ROOT_DIR)
except OSError:
    pass
st = Storage(ROOT_DIR + "/log", os, open)


class Chan:
    def __init__(self):
        self.inb = b""
        self.out = b""

    @property
    def in_waiting(self):
        return len(self.inb)

    def read(self, n):
        d = self.inb[:n]
        self.inb = self.inb[n:]
        return d

    def write(self, d):
        n = min(len(d), 33)
        self.out += d[:n]
        return n


LINES = [frame("HELLO"), frame("STATUS"), b"garbage\n", b"x" * 300 + b"\n", frame("SYNC 3 20"),
         frame("ACK 40"), frame("ERASE 35"), frame("TIME 1760000000"), frame("GET POSTURE_SLOUCH_DEG"),
         frame("SET POSTURE_SLOUCH_DEG 99"), frame("LIVE on"), frame("SYNC 70")]
S = {"n": 0, "log": None, "p": None, "ch": None, "t": 0}


def step():
    # one piece of work per call: the runner collects garbage between calls, as a board would
    n = S["n"]
    S["n"] = n + 1
    if n == 0:
        S["log"] = Log(st, segment_max=300, flush_minutes=4)
        return True
    if n <= 60:
        i = n - 1
        log = S["log"]
        log.minute((i * 60000, 60, 50 - i % 7, 5, 5, i % 3, -100 + i * 9, 200 + i, i % 3))
        if i % 5 == 0:
            log.event((i * 60000 + 5, "slouch_end", 45000 + i * 1000, 250 - i))
        if i % 9 == 0:
            log.event((i * 60000 + 7, "sensor_error", 5, 1 << 20))
        return True
    if n == 61:
        S["log"].flush()
        S["log"].ack(30)
        S["log"] = None
        return True
    if n == 62:
        log = Log(st, segment_max=300)
        S["ch"] = Chan()
        S["p"] = Protocol(S["ch"], log, "MPYTEST", "1")
        return True
    k = n - 63
    if k < len(LINES):
        ch = S["ch"]
        ch.inb += LINES[k]
        for _ in range(40):
            S["t"] += 10
            S["p"].poll(S["t"])
        print(hexlify(ch.out).decode() or "-")
        ch.out = b""
        return True
    names = sorted(os.listdir(ROOT_DIR + "/log"))
    print(" ".join(names))
    for name in names:
        if name[0] in "0123456789":
            print(hexlify(open(ROOT_DIR + "/log/" + name, "rb").read()).decode())
    return False
'''


def test_same_bytes_under_micropython_and_cpython(tmp_path: Path) -> None:
    mpy = run_mpy('ROOT_DIR = "/flash"\n' + PROGRAM, heap=128 * 1024, loop="step")
    buf = io.StringIO()
    scope: dict[str, object] = {"__name__": "probe"}
    with redirect_stdout(buf):
        exec('ROOT_DIR = %r\n' % str(tmp_path) + PROGRAM, scope)
        while scope["step"]():  # type: ignore[operator]
            pass
    cpy = buf.getvalue()
    def comparable(text: str) -> list[str]:  # free space is the filesystem's, not the log's
        out = []
        for word in text.split():
            if word.startswith("5354415455532"):  # "STATUS ..."
                body = bytes.fromhex(word).decode().split("*")[0]
                word = re.sub(r" free=-?\d+", "", body)
            out.append(word)
        return out

    assert comparable(mpy) == comparable(cpy)
    out = b"".join(bytes.fromhex(x) for x in cpy.split()[:12] if x != "-")
    assert b"ERR long" in out and b"ERR crc" in out and b"END 20 23" in out
    assert b"OK ERASE" in out and os.listdir(tmp_path / "log")
