"""Power cuts at every step of the log's writes, on a real directory (tests/faults/cutfs.py).

A workload of appends, flushes (batches), segment rotations, ACKs (state file
writes) and ERASE runs with the power cut at step k, for every k: every byte
of every append, every create, remove and rename. Then the clip "reboots": a new
Log over the same files. Every record whose flush had returned True is there
and intact, nothing that was never written appears, seqs only grow, the boot
counter moves on, and the log takes and keeps new records. A second cut in the
middle of that recovery (truncating the torn tail) is survived too.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from firmware import events
from firmware.log import Log
from firmware.storage import Storage

from .cutfs import CutFS, PowerCut
from .powercuts import LOG_KW, Tracker, contents, workload


def open_log(directory: Path, fs: CutFS) -> Log:
    return Log(Storage(str(directory), fs, fs.open), urandom=lambda n: b"\x01" * n, **LOG_KW)


def check_after_reboot(directory: Path, before: Tracker, old_boot: int, pre: dict[int, tuple]) -> Log:
    log = open_log(directory, CutFS())
    found = contents(log)
    everything = dict(pre)
    everything.update(before.fed)
    for seq, fields in found.items():          # nothing that was never written
        assert seq in everything and fields == everything[seq], (seq, fields)
    kept_from = max(before.erase_requested, log.acked if before.erase_requested >= 0 else -1) + 1
    for seq in before.confirmed | set(pre):    # every flushed record, unless erased after its ACK
        if seq >= kept_from:
            assert seq in found, "flushed record %d lost" % seq
    assert log.boot == old_boot + 1
    assert log.next_seq > max(found, default=-1)
    assert log.acked <= max(everything)
    # the log is usable: new records get new seqs, reach the flash and survive the next start
    new = []
    for k in range(5):
        new.append(log.next_seq)
        log.event((k, events.BREAK_TAKEN, k, 0))
    assert log.flush() is True
    again = contents(open_log(directory, CutFS()))
    for seq in new:
        assert again[seq][1] == events.BREAK_TAKEN
    assert set(found) <= set(again) | set(range(kept_from))
    return log


def prepared(tmp: Path, seed: int) -> tuple[Path, dict[int, tuple], int]:
    """A log that already holds two flushed segments of an earlier boot."""
    base = tmp / "base"
    base.mkdir()
    log = open_log(base, CutFS())
    t = Tracker()
    workload(log, t, seed + 100, items=12)
    assert log.flush() is not False
    return base, t.fed, log.boot


def count_steps(base: Path, tmp: Path, seed: int) -> int:
    d = tmp / "count"
    shutil.copytree(base, d)
    fs = CutFS()
    log = open_log(d, fs)
    start = fs.steps
    workload(log, Tracker(), seed)
    return fs.steps - start


@pytest.mark.parametrize("seed", [1, 2])
def test_a_power_cut_at_every_step_loses_only_the_unflushed_batch(tmp_path: Path, seed: int, cases) -> None:
    base, pre, boot0 = prepared(tmp_path, seed)
    total = count_steps(base, tmp_path, seed)
    assert total > 400                          # bytes of batches, state writes, creates, renames
    for cut in range(total + 1):
        d = tmp_path / ("cut%d" % cut)
        shutil.copytree(base, d)
        fs = CutFS()
        log = open_log(d, fs)
        t = Tracker()
        fs.budget = fs.steps + cut
        try:
            workload(log, t, seed)
        except PowerCut:
            pass
        else:
            assert cut == total
        check_after_reboot(d, t, log.boot, pre)
        shutil.rmtree(d)
        cases()


def test_a_second_cut_during_recovery(tmp_path: Path, cases) -> None:
    seed = 3
    base, pre, _boot0 = prepared(tmp_path, seed)
    total = count_steps(base, tmp_path, seed)
    n = 0
    for cut in range(5, total, 31):
        torn = tmp_path / "torn"
        shutil.copytree(base, torn)
        fs = CutFS()
        log = open_log(torn, fs)
        t = Tracker()
        fs.budget = fs.steps + cut
        try:
            workload(log, t, seed)
        except PowerCut:
            pass
        boot1 = log.boot
        probe = CutFS()
        probe_dir = tmp_path / "probe"
        shutil.copytree(torn, probe_dir)
        open_log(probe_dir, probe)               # how many steps the recovery takes
        shutil.rmtree(probe_dir)
        assert probe.steps > 0 or cut == 0
        for cut2 in range(0, probe.steps, 3):
            d = tmp_path / "again"
            shutil.copytree(torn, d)
            fs2 = CutFS()
            fs2.budget = cut2
            with pytest.raises(PowerCut):
                open_log(d, fs2)
            log3 = open_log(d, CutFS())          # the boot cut during recovery may not have counted
            assert log3.boot in (boot1 + 1, boot1 + 2)
            found = contents(log3)
            for seq in t.confirmed | set(pre):
                if t.erase_requested < 0 or seq > log3.acked:
                    assert seq in found, (cut, cut2, seq)
            for seq, fields in found.items():
                assert fields == {**pre, **t.fed}[seq]
            assert log3.next_seq > max(found)
            shutil.rmtree(d)
            n += 1
            cases()
        shutil.rmtree(torn)
    assert n > 20
