"""The durable log: round trips, torn tails, power cuts, space, read-only."""

from __future__ import annotations

import random

import pytest

from firmware import events, record
from firmware.log import LEAN
from helpers import expected, feed, fields_of, open_log, random_items, read_all
from memfs import MemFS, PowerCut


def test_round_trip_and_reopen() -> None:
    fs = MemFS()
    log = open_log(fs)
    items = random_items(random.Random(1), 300)
    feed(log, items)
    log.flush()
    assert fields_of(read_all(log)) == expected(items)
    again = open_log(fs)
    decoded = read_all(again)
    assert fields_of(decoded) == expected(items)
    assert [d[1] for d in decoded] == list(range(len(items)))
    assert again.next_seq == len(items)
    assert again.boot == log.boot + 1
    assert {d[2] for d in decoded} == {log.boot}


def test_unflushed_records_are_lost_on_power_loss_unless_read() -> None:
    fs = MemFS()
    log = open_log(fs, flush_minutes=1000, buffer_max=100000, flush_kinds=())
    items = random_items(random.Random(2), 40)
    feed(log, items)
    assert fs.files == {} or all(len(v) < 100 for v in fs.files.values())
    assert read_all(open_log(fs)) == []               # never read: lost with the power
    log = open_log(fs, flush_minutes=1000, buffer_max=100000, flush_kinds=())
    feed(log, items)
    assert fields_of(read_all(log)) == expected(items)
    # what a reader handed out is on the flash first (docs/protocol.md: no seq reused)
    assert fields_of(read_all(open_log(fs))) == expected(items)


def test_minute_records_are_20_bytes_and_clamped() -> None:
    r = record.encode_minute(7, 3, (123, 99, 60, 0, 0, 0, -5000, 5000, 999))
    assert len(r) == 19
    rtype, seq, boot, t, f = record.decode(r)
    assert (rtype, seq, boot, t) == (record.T_MINUTE, 7, 3, 123)
    assert f == (123, 63, 60, 0, 0, 0, -2047, 2047, 255)
    e = record.encode_event(8, 3, (1 << 30, "no_such_kind", 1, 2))
    assert record.decode(e)[4] == ((1 << 30) & record.TICKS_MASK, "unknown_0", 1, 2)


def _one_batch_then_cut(cut: int) -> tuple[MemFS, list, list]:
    fs = MemFS()
    log = open_log(fs)
    items = random_items(random.Random(3), 30)
    feed(log, items)
    log.flush()
    last = ("event", (999999, events.SLOUCH_END, 45000, 70000))  # the 20-byte form
    fs.budget = cut
    with pytest.raises(PowerCut):
        log.event(last[1])
        log.flush()
    fs.budget = None
    return fs, items, [last]


@pytest.mark.parametrize("cut", range(20))
def test_torn_tail_at_every_byte_loses_only_that_record(cut: int) -> None:
    fs, items, _last = _one_batch_then_cut(cut)
    torn = max(len(v) for k, v in fs.files.items() if k.endswith(".bin") and "state" not in k)
    log = open_log(fs)
    assert fields_of(read_all(log)) == expected(items)
    assert log.truncated == cut
    seg = [v for k, v in fs.files.items() if k.startswith("/log/0")]
    assert sum(len(v) for v in seg) == torn - cut  # the tail is cut off the file
    more = random_items(random.Random(4), 5, t0=2000000)
    feed(log, more)
    log.flush()
    assert fields_of(read_all(open_log(fs))) == expected(items) + expected(more)


def test_power_cut_at_every_step_of_flushes_and_rotations() -> None:
    rng = random.Random(5)
    batches = [random_items(rng, rng.randrange(1, 12), t0=i * 10**6) for i in range(12)]
    # count the steps of a clean run
    fs = MemFS()
    log = open_log(fs, segment_max=200)
    start = fs.steps
    for b in batches:
        feed(log, b)
        log.flush()
    total = fs.steps - start
    assert len(log.segments) > 3  # rotations happened
    for cut in range(total + 1):
        fs = MemFS()
        log = open_log(fs, segment_max=200)
        fs.budget = cut
        done: list = []
        pending: list = []
        try:
            for b in batches:
                pending = b
                feed(log, b)
                log.flush()
                done += expected(b)
                pending = []
        except PowerCut:
            pass
        fs.budget = None
        got = fields_of(read_all(open_log(fs, segment_max=200)))
        # every flushed record intact, then at most a prefix of the batch being written
        assert got[:len(done)] == done, cut
        assert got[len(done):] == expected(pending)[:len(got) - len(done)], cut
        # and the log is usable afterwards
        log2 = open_log(fs, segment_max=200)
        extra = random_items(rng, 3, t0=50 * 10**6)
        feed(log2, extra)
        log2.flush()
        assert fields_of(read_all(open_log(fs, segment_max=200)))[-3:] == expected(extra)


def test_boot_counter_survives_a_torn_state_write() -> None:
    fs = MemFS()
    boots = [open_log(fs).boot for _ in range(3)]
    assert boots == [1, 2, 3]
    fs.budget = 5  # cut while writing the next state copy
    with pytest.raises(PowerCut):
        open_log(fs)
    fs.budget = None
    assert open_log(fs).boot in (4, 5)
    assert open_log(fs).boot > 4


def test_space_goes_from_the_oldest_acknowledged_segment_first() -> None:
    fs = MemFS()
    log = open_log(fs, segment_max=400, max_segments=4)
    items = random_items(random.Random(6), 80)
    feed(log, items[:40])
    log.flush()
    log.ack(log.next_seq - 1)
    feed(log, items[40:])
    log.flush()
    assert log.dropped == 0
    got = read_all(log)
    assert fields_of(got)[-40:] == expected(items[40:])
    assert all(e[4][1] != events.LOG_DROPPED for e in got if e[0] == record.T_EVENT)


def test_unacknowledged_data_is_dropped_last_and_reported() -> None:
    fs = MemFS()
    log = open_log(fs, segment_max=400, max_segments=3)
    items = random_items(random.Random(7), 120)
    for i in range(0, 120, 10):
        feed(log, items[i:i + 10])
        log.flush()
    log.flush()
    assert log.dropped > 0
    assert log.status()["dropped"] == log.dropped
    got = read_all(log)
    dropped = [d for d in got if d[0] == record.T_EVENT and d[4][1] == events.LOG_DROPPED]
    assert dropped and sum(d[4][2] for d in dropped) <= log.dropped
    assert len(got) + log.dropped == log.next_seq  # every record is either readable or counted
    seqs = [d[1] for d in got]
    assert seqs == sorted(seqs)
    assert open_log(fs).dropped == log.dropped  # persisted


def test_filesystem_full_keeps_records_in_ram() -> None:
    fs = MemFS(capacity=3000)
    open_log(fs)  # an earlier start: both state copies exist, so the seq floor can be saved
    log = open_log(fs, segment_max=100000, reserve=0, ram_max=600)
    items = random_items(random.Random(8), 400)
    feed(log, items)
    log.flush()
    assert log.write_errors > 0
    assert len(log.buf) <= 600 + record.MAX_SIZE
    got = fields_of(read_all(log))
    # what is readable is in order and a subset of what was given
    exp = expected(items)
    it = iter(exp)
    assert all(any(g == e for e in it) for g in got)
    assert got[-3:] == [x for x in exp[-3:] if x[1] != events.LOG_DROPPED][-3:]


def test_read_only_filesystem_keeps_a_bounded_ram_log() -> None:
    fs = MemFS()
    first = open_log(fs)
    feed(first, random_items(random.Random(9), 20))
    first.flush()
    fs.readonly = True
    log = open_log(fs, ram_max=500)
    assert log.readonly and log.boot & 0x8000 and log.next_seq >= 0x800000
    items = random_items(random.Random(10), 100)
    feed(log, items)
    log.flush()
    got = read_all(log)
    assert len(got) > 20
    assert fields_of(got)[-10:] == expected(items)[-10:]
    assert len(log.ram) <= 500
    assert log.dropped > 0


def test_erase_only_up_to_the_acknowledged_seq() -> None:
    fs = MemFS()
    log = open_log(fs, segment_max=300)
    feed(log, random_items(random.Random(11), 100))
    log.flush()
    assert log.erase(50) == -1  # nothing acknowledged yet
    log.ack(60)
    erased = log.erase(90)
    assert 0 <= erased <= 60
    got = read_all(log)
    assert got[0][1] == erased + 1 and got[-1][1] == 99
    again = open_log(fs, segment_max=300)
    assert again.first_seq() == erased + 1 and again.next_seq == 100


def test_resync_skips_damage_in_the_middle() -> None:
    fs = MemFS()
    log = open_log(fs, segment_max=100000)
    items = random_items(random.Random(12), 50)
    feed(log, items)
    log.flush()
    seg = fs.files["/log/00000001.bin"]
    seg[200] ^= 0xFF
    got = fields_of(read_all(open_log(fs, segment_max=100000)))
    assert len(got) == 49
    assert got == [v for v in expected(items) if v in got]


def test_day_fits_in_16_kb() -> None:
    fs = MemFS()
    log = open_log(fs)
    rng = random.Random(13)
    t = 0
    for minute in range(600):
        t += 60000
        log.minute((t, 60, 40, 10, 8, 2, 120, 300, 1))
        if minute % 6 == 0:  # 100 slouch/alert/break events a day
            log.event((t, events.SLOUCH_END, rng.randrange(1, 10**6), 250))
    log.flush()
    assert log.status()["bytes"] <= 16 * 1024


def test_plain_python_crc_matches_binascii() -> None:
    import binascii

    from firmware.crc import crc16, crc32_py

    rng = random.Random(14)
    for n in (0, 1, 7, 64, 300):
        data = bytes(rng.randrange(256) for _ in range(n))
        assert crc32_py(data) == binascii.crc32(data)
        assert crc16(data) == binascii.crc32(data) & 0xFFFF


def test_events_take_the_smallest_exact_form_and_activity_is_not_logged() -> None:
    sizes = {}
    for a, b in ((150, 0), (45000, 250), (45000, 70000), (-(1 << 31), -(1 << 31))):
        r = record.encode_event(1, 2, (5, events.SLOUCH_END, a, b))
        sizes[(a, b)] = len(r)
        assert record.decode(r) == (record.T_EVENT, 1, 2, 5, (5, events.SLOUCH_END, a, b))
    assert list(sizes.values()) == [16, 18, 20, 20]
    log = open_log(MemFS(), skip_kinds=LEAN)
    log.event((1, events.ACTIVITY, 2, 1))
    log.event((2, events.SLOUCH_START, 180, 0))
    assert [d[4][1] for d in read_all(log)] == [events.SLOUCH_START]


def test_boot_and_calibration_events_reach_the_flash_at_once() -> None:
    fs = MemFS()
    log = open_log(fs)
    log.minute((1, 60, 60, 0, 0, 0, 0, 0, 0))
    log.event((2, events.SLOUCH_START, 150, 0))
    assert len(log.buf) > 0
    log.event((3, events.CALIBRATED, 35, 52))
    assert len(log.buf) == 0
    assert [d[1] for d in read_all(open_log(fs))] == [0, 1, 2]


class _FailingIO(MemFS):
    """A flash whose writes fail with an I/O error (EIO, not read-only) while `broken` holds."""

    def __init__(self) -> None:
        super().__init__()
        self.broken: set[str] = set()  # "append" (segment writes), "state" (state copies)

    def open(self, path: str, mode: str = "r"):  # type: ignore[no-untyped-def]
        if "a" in mode and "append" in self.broken:
            raise OSError(5, "I/O error")
        if "w" in mode and "state" in path and "state" in self.broken:
            raise OSError(5, "I/O error")
        return super().open(path, mode)


@pytest.mark.parametrize("broken", [{"append"}, {"append", "state"}])
def test_a_seq_served_over_sync_is_never_reused_after_a_failed_flush_and_a_power_cut(
        broken: set[str]) -> None:
    fs = _FailingIO()
    log = open_log(fs)
    feed(log, random_items(random.Random(11), 10))
    log.flush()                                   # records 0..9 reach the flash
    fs.broken = broken
    feed(log, random_items(random.Random(12), 10, t0=10**7))
    assert not log.flush() and log.write_errors   # 10..19 stay in RAM
    served = [d[1] for d in read_all(log)]
    assert served[:10] == list(range(10))
    if broken == {"append"}:
        assert served == list(range(20))          # the floor could be saved: RAM records go out
    fs.broken = set()                             # power cut; the flash works again
    again = open_log(fs)
    assert again.next_seq > max(served), (again.next_seq, max(served))
    feed(again, random_items(random.Random(13), 5, t0=10**8))
    again.flush()
    fresh = [d[1] for d in read_all(again) if d[2] == again.boot]
    assert len(fresh) == 5 and min(fresh) > max(served)

