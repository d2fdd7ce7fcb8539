"""Storage faults on the whole simulated clip (the real boot.py, code.py, Log and Protocol):
the drive left read-only (the laptop has it), a full drive, and power cuts; the data channel
(usb_cdc.data) is how the records are checked, as `posture sync` would read them."""

from __future__ import annotations

import os
import random

import pytest

from firmware import events, record
from firmware.log import VOLATILE_SEQ
from host.logfile import read_records

from .helpers import (
    SLOUCH_START_S,
    TWO_SLOUCH_DAY,
    alert_pattern_played,
    device,
    events as console_events,
    recording,
    sync_all,
    talk,
)

# for the half-hour runs: the wearer must last as long as the run (past its end the simulated
# chip would repeat one sample, which the clip rightly takes for a frozen sensor: firmware/sensor.py)
LONG_DAY = TWO_SLOUCH_DAY + [("upright", 30 * 60)]


def log_files(dev) -> dict[str, bytes]:
    d = os.path.join(dev.fs_dir, "log")
    if not os.path.isdir(d):
        return {}
    return {n: open(os.path.join(d, n), "rb").read() for n in sorted(os.listdir(d))}


def test_a_read_only_drive_keeps_alerting_and_serves_records_from_ram() -> None:
    with device(recording(TWO_SLOUCH_DAY)) as dev:
        dev.board.pin("BUTTON").drive(lambda t_ms: t_ms > 3000)   # held through boot.py: drive stays the laptop's
        dev.run_for(SLOUCH_START_S + 60 + 60 + 60 + 30)
        assert dev.board.readonly and dev.crashes == []
        assert "read-only" in dev.console_text()
        assert alert_pattern_played(dev) == 2
        assert log_files(dev) == {}                                   # nothing written
        recs = sync_all(dev)
        assert recs and all(r[1] >= VOLATILE_SEQ for r in recs)
        kinds = [r[4][1] for r in recs if r[0] == record.T_EVENT]
        assert kinds.count(events.SLOUCH_ALERT) == 2
        assert [k for k in kinds if k in (events.SLOUCH_START, events.SLOUCH_END)] == \
            [events.SLOUCH_START, events.SLOUCH_END] * 2


def test_a_full_drive_keeps_alerting_and_says_so() -> None:
    with device(recording(LONG_DAY)) as dev:
        dev.run_for(3)                                                # boot.py made the drive writable
        dev.board.fs_capacity = dev.board.drive.used_bytes()         # not one free cluster left
        dev.run_for(30 * 60)                                          # until a batch outgrows the last cluster
        assert dev.crashes == [] and "Traceback" not in dev.console_text()
        assert alert_pattern_played(dev) == 2
        status = [line for line in talk(dev, "STATUS") if line.startswith("STATUS")]
        assert status, "no STATUS reply"
        fields = dict(w.split("=") for w in status[0].split()[1:] if "=" in w)
        assert int(fields["werr"]) > 0 and int(fields["buffered"]) > 0
        recs = sync_all(dev)                                          # what could not be written waits in RAM
        kinds = [r[4][1] for r in recs if r[0] == record.T_EVENT]
        assert kinds.count(events.SLOUCH_ALERT) == 2


def test_a_power_cut_keeps_every_flushed_record_and_the_numbering_goes_on() -> None:
    with device(recording(TWO_SLOUCH_DAY)) as dev:
        dev.run_for(SLOUCH_START_S + 60 + 60 + 30)
        flushed = []
        for name, data in log_files(dev).items():
            if name.endswith(".bin") and name[:8].isdigit():
                flushed += [record.decode(r) for r in read_records(data)[0]]
        assert flushed, "nothing reached the flash in 3 minutes"
        dev.power_cut()
        dev.run_for(90)
        assert [r[1] for r in dev.resets] == ["PowerCut"] and dev.boots == 2
        recs = sync_all(dev)
        by_seq = {r[1]: r for r in recs}
        for r in flushed:
            assert by_seq.get(r[1]) == r, "flushed record %d lost or changed" % r[1]
        seqs = [r[1] for r in recs]
        assert seqs == sorted(set(seqs))
        boots = sorted({r[2] for r in recs})
        assert len(boots) == 2 and boots[1] == boots[0] + 1
        after = [r for r in recs if r[2] == boots[1]]
        assert after and min(r[1] for r in after) > max(r[1] for r in flushed)


def test_sensor_faults_reach_the_log() -> None:
    with device(recording(TWO_SLOUCH_DAY)) as dev:
        dev.run_for(20)
        dev.imu.vanish()
        dev.run_for(4)
        dev.imu.reappear()
        dev.run_for(5)
        kinds = [r[4][1] for r in sync_all(dev) if r[0] == record.T_EVENT]
        assert events.SENSOR_ERROR in kinds and events.SENSOR_RECOVERED in kinds
        assert kinds.index(events.SENSOR_ERROR) < kinds.index(events.SENSOR_RECOVERED)
        assert [e["event"] for _t, e in console_events(dev)].count("sensor_error") == 1


@pytest.mark.parametrize("seed", range(4))
def test_power_cuts_at_random_moments_of_a_day(seed: int, cases) -> None:
    rng = random.Random(seed)
    with device(recording(TWO_SLOUCH_DAY, seed=seed)) as dev:
        on_flash: dict[int, tuple] = {}
        for _ in range(4):
            dev.run_for(rng.uniform(20, 120))
            for name, data in log_files(dev).items():
                if name.endswith(".bin") and name[:8].isdigit():
                    on_flash.update((r[1], r) for r in map(record.decode, read_records(data)[0]))
            dev.power_cut()
            cases()
        dev.run_for(30)
        assert dev.crashes == [] and len(dev.resets) == 4
        recs = {r[1]: r for r in sync_all(dev)}
        lost = [seq for seq, r in on_flash.items() if recs.get(seq) != r]
        assert not lost, "flushed records lost or changed: %s" % lost[:10]
        assert len({r[2] for r in recs.values()}) == 5                   # five boots, numbered apart


def test_records_served_from_ram_on_a_full_drive_never_have_their_seqs_reused() -> None:
    """The host takes records the clip could not write (drive full); the power goes before the
    ACK; after the restart the clip's new records must not reuse those seqs (the host would
    skip them as already held)."""
    with device(recording(LONG_DAY)) as dev:
        dev.run_for(3)
        dev.board.fs_capacity = dev.board.drive.used_bytes()
        dev.run_for(30 * 60)
        served = sync_all(dev)                      # no ACK: the cable is pulled, then the power
        assert int(dict(w.split("=") for w in talk(dev, "STATUS")[0].split()[1:] if "=" in w)["werr"]) > 0
        held = max(r[1] for r in served)
        dev.power_cut()
        dev.run_for(5 * 60)
        later = [r for r in sync_all(dev) if r[2] != served[-1][2]]   # the new boot's records
        assert later, "nothing logged after the restart"
        assert min(r[1] for r in later) > held, "seqs %d..%d handed out again" % (min(r[1] for r in later), held)


def test_two_read_only_boots_in_a_row_both_reach_the_database(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """RAM-only records carry 'volatile' boot numbers and seqs; two such boots must not collide,
    or the database would keep the first boot's records and silently drop the second's."""
    from host.db import Database

    db = Database(tmp_path / "db.sqlite")
    with device(recording(TWO_SLOUCH_DAY)) as dev:
        dev.board.pin("BUTTON").drive(False)          # held: the laptop keeps the drive at each boot
        served = []
        for _ in range(2):
            dev.run_for(100)
            assert dev.board.readonly
            recs = sync_all(dev)
            assert recs
            served.append(recs)
            db.store("CLIP", [record.encode_minute(r[1], r[2], r[4]) if r[0] == record.T_MINUTE else
                              record.encode_event(r[1], r[2], r[4]) if r[0] == record.T_EVENT else
                              record.encode_time(r[1], r[2], r[3], r[4]) for r in recs])
            dev.power_cut()
    minutes, evs = db.counts("CLIP")
    db.close()
    assert minutes + evs == sum(len([r for r in s if r[0] != record.T_TIME]) for s in served), \
        "records of the second read-only boot were dropped as duplicates of the first's"


def test_a_drive_full_at_start_is_called_full_not_read_only() -> None:
    with device(recording(TWO_SLOUCH_DAY)) as dev:
        dev.run_for(3)
        for name in ("state0.bin", "state1.bin"):   # the next start must create a state file...
            path = os.path.join(dev.fs_dir, "log", name)
            if os.path.exists(path):
                os.remove(path)
        dev.board.fs_capacity = dev.board.drive.used_bytes()   # ...on a drive without a free cluster
        dev.power_cut()
        dev.run_for(SLOUCH_START_S + 60)
        text = dev.console_text().split("posture: running on")[-2]          # the second start
        assert "the drive is full" in text and "read-only" not in text, text
        assert alert_pattern_played(dev) >= 1
