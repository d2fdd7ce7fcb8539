"""Building logs over a MemFS and reading everything back."""

from __future__ import annotations

import random

from firmware import events, record
from firmware.log import Log
from firmware.storage import Storage
from memfs import MemFS


def storage(fs: MemFS) -> Storage:
    return Storage("/log", fs, fs.open)


def open_log(fs: MemFS, **kw: object) -> Log:
    kw.setdefault("urandom", lambda n: bytes(range(1, n + 1)))
    return Log(storage(fs), **kw)  # type: ignore[arg-type]


def read_all(log: Log, from_seq: int = 0) -> list[tuple]:
    out = []
    reader = log.reader(from_seq)
    while True:
        r = reader.next()
        if r is None:
            return out
        out.append(record.decode(r))


def random_items(rng: random.Random, n: int, t0: int = 0) -> list[tuple[str, tuple]]:
    """A mix of minute summaries and events, as the Monitor would hand them over."""
    items: list[tuple[str, tuple]] = []
    t = t0
    for _ in range(n):
        t += rng.randrange(1, 60000)
        if rng.random() < 0.6:
            worn = rng.randrange(0, 61)
            parts = [0, 0, 0, 0]
            left = worn
            for i in range(4):
                parts[i] = rng.randrange(0, left + 1)
                left -= parts[i]
            items.append(("minute", (t, worn, *parts, rng.randrange(-300, 900),
                                     rng.randrange(0, 1500), rng.randrange(0, 4))))
        else:
            kind = rng.choice([k for k in events.KINDS if k not in (events.LOG_DROPPED, events.ACTIVITY)])
            items.append(("event", (t, kind, rng.randrange(-(1 << 31), 1 << 31),
                                    rng.randrange(-1000, 100000))))
    return items


def feed(log: Log, items: list[tuple[str, tuple]]) -> None:
    for what, value in items:
        if what == "minute":
            log.minute(value)
        else:
            log.event(value)


def fields_of(decoded: list[tuple]) -> list[tuple]:
    return [d[4] for d in decoded if d[0] != record.T_TIME]


def expected(items: list[tuple[str, tuple]]) -> list[tuple]:
    return [v for _w, v in items]
