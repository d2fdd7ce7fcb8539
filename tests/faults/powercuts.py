"""The log's power-cut workload, shared by test_log_power_cuts.py (a cut at every step) and
test_storage_faults.py (the drive filling up at every byte): a seeded run of appends,
flushes, ACKs and an ERASE, with a Tracker of what was fed and what a flush confirmed."""

from __future__ import annotations

import random

from firmware import events, record
from firmware.log import Log

LOG_KW = dict(segment_max=160, buffer_max=90, flush_minutes=3, max_segments=50)


def contents(log: Log) -> dict[int, tuple]:
    out = {}
    reader = log.reader(0)
    while True:
        raw = reader.next()
        if raw is None:
            return out
        rtype, seq, _boot, _t, fields = record.decode(raw)
        assert seq not in out
        out[seq] = fields


class Tracker:
    def __init__(self) -> None:
        self.fed: dict[int, tuple] = {}        # seq -> what the Monitor handed over
        self.confirmed: set[int] = set()       # seqs a flush() reported on the flash
        self.erase_requested = -1
        self.acked_ok = -1


def confirm(log: Log, t: Tracker) -> None:
    """The call returned: every record that has left the RAM buffer is on the flash."""
    pending = record.seq_at(log.buf, 0) if log.buf else log.next_seq
    t.confirmed.update(s for s in t.fed if s < pending)


def workload(log: Log, t: Tracker, seed: int, items: int = 36) -> None:
    rng = random.Random(seed)
    clock = 1000
    for i in range(items):
        clock += rng.randrange(500, 60000)
        seq = log.next_seq
        t.fed[seq] = None  # type: ignore[assignment]
        if rng.random() < 0.55:
            value = (clock, 60, 40, 10, 5, 5, rng.randrange(-200, 600), rng.randrange(0, 900), rng.randrange(3))
            t.fed[seq] = value
            log.minute(value)
        else:
            value = (clock, rng.choice((events.SLOUCH_START, events.SLOUCH_END, events.ACTIVITY)),
                     rng.randrange(-5000, 5000), rng.randrange(100000))
            t.fed[seq] = value
            log.event(value)
        confirm(log, t)
        if i % 7 == 6:
            log.flush()
            confirm(log, t)
        if i % 11 == 10 and t.confirmed:
            target = max(t.confirmed) - 3
            if target >= 0 and log.ack(target):
                t.acked_ok = max(t.acked_ok, target)
        if i == 25 and log.acked > 0:
            t.erase_requested = log.acked
            log.erase(log.acked)
    log.flush()
    confirm(log, t)
