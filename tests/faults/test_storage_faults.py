"""A full flash (ENOSPC) and a read-only drive (EROFS: the laptop holds CIRCUITPY) under the real
Monitor, detector, haptics and Log: the clip keeps alerting exactly as it would with a healthy
drive (the motor timeline is the same), and its records wait in bounded RAM for sync."""

from __future__ import annotations

from pathlib import Path

import pytest

from firmware import events, record
from firmware.detector import PostureDetector
from firmware.haptics import SLOUCH_ALERT, Player
from firmware.log import VOLATILE_SEQ, Log
from firmware.monitor import Monitor
from firmware.settings import Settings
from firmware.storage import Storage

from .cutfs import CutFS
from .helpers import recording

# calibrate, then three sustained slouches with upright time between: 12 simulated minutes
DAY = [("upright", 40), ("slouch", 70, {"flex": 30}), ("upright", 120), ("slouch", 90, {"flex": 28}),
       ("upright", 200), ("slouch", 80, {"flex": 32}), ("upright", 120)]
RATE = 26


class Motor:
    def __init__(self) -> None:
        self.timeline: list[tuple[int, int]] = []
        self.now = 0

    def set(self, level: int) -> None:
        self.timeline.append((self.now, level))


def run_day(log: Log | None, on_minute_hook=None, switch=None) -> tuple[Motor, list[tuple]]:
    """The day through the real Monitor at the sensor's rate; switch(t_ms) may inject faults."""
    rec = recording(DAY, rate_hz=RATE)
    settings = Settings()
    motor = Motor()
    evs: list[tuple] = []
    mon = Monitor(PostureDetector(settings), Player(motor, settings.haptic_strength), log=log,
                  on_event=evs.append)
    n = int(rec.t_s[-1] * 1000) // (1000 // RATE)
    for k in range(n):
        t = k * (1000 // RATE)
        motor.now = t
        if switch is not None:
            switch(t)
        mon.process(t, *rec.at(t))
    return motor, evs


def alerts(evs: list[tuple]) -> list[tuple]:
    return [e for e in evs if e[1] == events.SLOUCH_ALERT]


@pytest.fixture(scope="module")
def reference() -> tuple[Motor, list[tuple]]:
    motor, evs = run_day(None)
    assert len(alerts(evs)) == 3
    return motor, evs


def all_records(log: Log) -> list[tuple]:
    out = []
    reader = log.reader(0)
    while True:
        raw = reader.next()
        if raw is None:
            return out
        out.append(record.decode(raw))


def make_log(directory: Path, fs: CutFS, **kw: object) -> Log:
    kw.setdefault("flush_minutes", 2)
    return Log(Storage(str(directory), fs, fs.open), urandom=lambda n: b"\x07" * n, **kw)  # type: ignore[arg-type]


def _alert_buzzes(motor: Motor) -> int:
    ons = [t for t, level in motor.timeline if level]
    return len(ons)


def test_read_only_from_the_start(tmp_path: Path, reference) -> None:
    fs = CutFS()
    fs.readonly = True                       # boot.py could not remount: the laptop has the drive
    log = make_log(tmp_path, fs, ram_max=4096)
    assert log.readonly
    motor, evs = run_day(log)
    assert motor.timeline == reference[0].timeline
    assert evs == reference[1]
    recs = all_records(log)
    assert recs and all(r[1] >= VOLATILE_SEQ for r in recs)          # never mistaken for flash seqs
    kinds = [r[4][1] for r in recs if r[0] == record.T_EVENT]
    assert kinds.count(events.SLOUCH_ALERT) == 3
    assert sum(1 for r in recs if r[0] == record.T_MINUTE) >= 11
    assert list(tmp_path.iterdir()) == []                              # nothing was written


def test_read_only_in_the_middle_keeps_what_was_flushed(tmp_path: Path, reference) -> None:
    fs = CutFS()
    log = make_log(tmp_path, fs)

    def switch(t: int) -> None:
        if t >= 300_000:
            fs.readonly = True                # the laptop takes the drive five minutes in
    motor, evs = run_day(log, switch=switch)
    assert motor.timeline == reference[0].timeline and evs == reference[1]
    assert log.readonly
    recs = all_records(log)
    kinds = [r[4][1] for r in recs if r[0] == record.T_EVENT]
    assert kinds.count(events.SLOUCH_ALERT) == 3                       # flushed ones and RAM ones
    on_flash = all_records(make_log(tmp_path, CutFS()))
    assert on_flash and all(r[1] < VOLATILE_SEQ for r in on_flash)
    seqs = [r[1] for r in recs if r[1] < VOLATILE_SEQ]
    assert seqs == sorted(seqs)


def test_ram_is_bounded_while_read_only(tmp_path: Path, reference) -> None:
    fs = CutFS()
    fs.readonly = True
    log = make_log(tmp_path, fs, ram_max=200)
    motor, _evs = run_day(log)
    assert motor.timeline == reference[0].timeline
    assert len(log.ram) + len(log.buf) <= 200 + 2 * record.MAX_SIZE
    assert log.dropped > 0                                             # and it says so (STATUS)
    assert log.status()["dropped"] == log.dropped and log.status()["ro"] == 1


def test_full_flash_keeps_alerting_and_catches_up_when_space_returns(tmp_path: Path, reference) -> None:
    fs = CutFS()
    log = make_log(tmp_path, fs, ram_max=4096)

    def switch(t: int) -> None:
        fs.full = 120_000 <= t < 600_000     # the flash fills up, until the user deletes a file
    motor, evs = run_day(log, switch=switch)
    assert motor.timeline == reference[0].timeline and evs == reference[1]
    assert _alert_buzzes(motor) >= 3 * (len(SLOUCH_ALERT) + 1) // 2
    assert log.write_errors > 0
    assert log.flush() is True
    # everything the Monitor handed over is on the flash after a restart, in order, once
    again = all_records(make_log(tmp_path, CutFS()))
    kinds = [r[4][1] for r in again if r[0] == record.T_EVENT]
    assert kinds.count(events.SLOUCH_ALERT) == 3
    seqs = [r[1] for r in again]
    assert seqs == sorted(set(seqs))
    assert sum(1 for r in again if r[0] == record.T_MINUTE) >= 11


def test_a_flash_that_stays_full_never_stops_the_alerts(tmp_path: Path, reference) -> None:
    fs = CutFS()
    log = make_log(tmp_path, fs, ram_max=200)
    fs.full = True
    motor, evs = run_day(log)
    assert motor.timeline == reference[0].timeline and evs == reference[1]
    assert len(log.buf) <= 200 + 2 * record.MAX_SIZE
    assert log.status()["werr"] > 0 and log.dropped > 0          # counted, for STATUS


def test_the_flash_filling_up_at_every_byte_of_a_batch(tmp_path: Path, cases) -> None:
    """The drive runs out k bytes into an append (for every k), stays full for a few batches,
    then has room again: after a restart every record is on the flash exactly once, in order."""
    from .powercuts import LOG_KW, Tracker, contents, workload

    probe = CutFS()
    probe_dir = tmp_path / "probe"
    log = Log(Storage(str(probe_dir), probe, probe.open), urandom=lambda n: b"\x01" * n, **LOG_KW)
    workload(log, Tracker(), 5, items=10)
    first_batch = probe.steps
    for k in range(0, first_batch + 60):
        d = tmp_path / ("k%d" % k)
        fs = CutFS()
        log = Log(Storage(str(d), fs, fs.open), urandom=lambda n: b"\x01" * n, **LOG_KW)
        fs.space = k                                # the drive fills up after the start
        t = Tracker()
        workload(log, t, 5, items=10)               # fills up somewhere in here
        assert log.write_errors > 0 or k > 60      # small k: the drive did fill up
        fs.space = None
        fs.full = False
        workload(log, t, 6, items=8)                # room again: the backlog goes out
        assert log.flush() is True
        found = contents(Log(Storage(str(d), CutFS(), CutFS().open), urandom=lambda n: b"\x01" * n, **LOG_KW))
        fed = {s: v for s, v in t.fed.items()}
        assert {s: found[s] for s in found if s in fed} == {s: fed[s] for s in found if s in fed}
        missing = sorted(set(fed) - set(found))
        assert not missing, "k=%d: records lost: %s" % (k, missing[:8])
        cases()
