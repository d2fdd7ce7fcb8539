"""The clip loses power in the middle of a sync, after the host committed records it still
held in RAM and before the ACK reached it: when it comes back and logs on, the next sync
must bring every new record, once."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from firmware import events
from host.sim.ptydevice import PtyDevice

from .helpers import cli, table


def _log_more(dev: PtyDevice, n: int, t0: int) -> None:
    with dev.lock:
        for k in range(n):
            dev.log.minute((t0 + k * 60000, 60, 50, 5, 5, 0, 100, 200, 0))
            dev.log.event((t0 + k * 60000 + 1, events.SLOUCH_START, 200, 0))


def test_the_clip_loses_power_between_the_hosts_commit_and_the_ack(day_log: Path, tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """Records still in the clip's RAM reach the database; the power goes before the ACK arrives;
    the clip restarts from its flash and logs on. Nothing is lost or doubled in the database."""
    log_dir = tmp_path / "log"
    shutil.copytree(day_log, log_dir)
    db = tmp_path / "db.sqlite"
    dev = PtyDevice(str(log_dir), log_kwargs={"flush_minutes": 1000, "buffer_max": 1 << 20})
    _log_more(dev, 10, 50_000_000)             # 20 records in RAM only

    # the cable stays, but the clip browns out the moment the host sends its ACK
    def brownout(args):  # type: ignore[no-untyped-def]
        dev.channel.unplugged = True
    dev.protocol.commands["ACK"] = brownout
    rc, _out, err = cli(["sync", "--port", dev.port, "--db", str(db), "--timeout", "1"], capsys)
    assert rc == 2 and "posture: error:" in err
    dev.stop()
    got_first = table(db)
    assert len(got_first) > 0

    # power back: the log reopens from flash (the RAM records are gone from the clip) and logs on
    dev2 = PtyDevice(str(log_dir))
    _log_more(dev2, 10, 90_000_000)
    with dev2.lock:
        dev2.log.flush()
    rc, _out, err = cli(["sync", "--port", dev2.port, "--db", str(db), "--timeout", "2"], capsys)
    dev2.stop()
    assert rc == 0, err
    final = table(db)
    keys = [(r[0], r[1]) for r in final]
    assert len(keys) == len(set(keys))
    assert set(got_first) <= set(final)                      # nothing the host had is lost
    after = [r for r in final if r[3] >= 90_000_000]
    assert len(after) == 20, "records the clip logged after the power came back were lost: %d" % len(after)




# ---- issue 11, finding 4: no seq a reply names is ever handed out again -------------------------
# The real boot.py/code.py on the simulated board. A reply that names a seq (TIME's seq=, the
# next= of HELLO, STATUS and CALIBRATE) used to name records that lived only in RAM until the
# next batch (up to ten minutes); a power cut then handed the same numbers to new records.

def _named_bound(command: str, lines: list[str]) -> int:
    """The lowest seq a later record may have, from what the reply named."""
    reply = [line for line in lines if line.split()[0] in ("TIME", "HELLO", "STATUS", "OK")]
    assert reply, lines
    fields = dict(w.split("=") for w in reply[0].split() if "=" in w)
    return int(fields["seq"]) + 1 if command.startswith("TIME") else int(fields["next"])


@pytest.mark.parametrize("command", ["TIME 1760000000", "HELLO", "STATUS", "CALIBRATE"])
def test_no_seq_a_reply_named_is_handed_out_again_after_a_power_cut(command: str) -> None:
    from .helpers import SLOUCH_START_S, TWO_SLOUCH_DAY, device, recording, sync_all, talk

    with device(recording(TWO_SLOUCH_DAY)) as dev:
        dev.run_for(SLOUCH_START_S + 90)        # calibrated, one slouch: its records wait in RAM
        bound = _named_bound(command, talk(dev, command))
        dev.power_cut()                          # within the flush interval
        dev.run_for(60)
        recs = sync_all(dev)
        boots = sorted({r[2] for r in recs})
        assert len(boots) == 2, boots
        later = [r[1] for r in recs if r[2] == boots[1]]
        assert later and min(later) >= bound, \
            "%s named seqs up to %d; after the power cut seq %d was handed out again" % (
                command, bound - 1, min(later))


def test_a_sync_cut_after_time_then_a_power_cut_loses_no_record(tmp_path: Path) -> None:
    """The issue's case with the host's database: the host stores the TIME reply as an anchor
    (host/sync.py does so before the first SYNC), the cable goes, then the power. The restarted
    clip's records must all reach the database: none refused as a clash with that anchor."""
    from firmware import record
    from host.db import Database

    from .helpers import SLOUCH_START_S, TWO_SLOUCH_DAY, device, recording, sync_all, talk

    db = Database(tmp_path / "db.sqlite")
    with device(recording(TWO_SLOUCH_DAY)) as dev:
        dev.run_for(SLOUCH_START_S - 5)          # calibrated (that batch is on the flash)
        reply = [line for line in talk(dev, "TIME 1760000000") if line.startswith("TIME ")][0]
        f = dict(w.split("=") for w in reply.split()[1:])
        db.store("CLIP", [], None, anchors=[(int(f["seq"]), int(f["boot"]), int(f["ms"]), 1760000000.0)])
        dev.power_cut()
        dev.run_for(60)
        recs = sync_all(dev)
    raw = [record.encode_minute(r[1], r[2], r[4]) if r[0] == record.T_MINUTE else
           record.encode_event(r[1], r[2], r[4]) if r[0] == record.T_EVENT else
           record.encode_time(r[1], r[2], r[3], r[4]) for r in recs]
    db.store("CLIP", raw)
    later_boot = max(r[2] for r in recs)
    held = db.conn.execute("SELECT kind FROM events WHERE device_id='CLIP' AND boot=?",
                           (later_boot,)).fetchall()
    clashes = list(db.clashes)
    db.close()
    assert clashes == [], clashes
    assert (events.CALIBRATED,) in held, "the restarted clip's calibration never reached the database"


def test_records_served_while_the_drive_turned_read_only_keep_their_numbers_apart(tmp_path: Path) -> None:
    """The laptop takes the drive mid-day (EROFS on the next batch): the records that could not be
    written are served from RAM; the power goes; the next boot must not number its records
    like the ones the host already took."""
    from firmware import record
    from firmware.log import Log
    from firmware.logreader import Reader
    from firmware.storage import Storage

    from .cutfs import CutFS

    fs = CutFS()
    log = Log(Storage(str(tmp_path), fs, fs.open), urandom=lambda n: b"\x05" * n, flush_minutes=5)
    for k in range(12):
        log.minute((k * 60000, 60, 50, 5, 5, 0, 100, 200, 0))
    fs.readonly = True
    for k in range(12, 20):
        log.minute((k * 60000, 60, 50, 5, 5, 0, 100, 200, 0))
    reader = Reader(log, 0)
    taken = []
    while True:
        raw = reader.next()
        if raw is None:
            break
        taken.append(record.decode(raw)[1])
    assert log.readonly and len(taken) == 20
    fs.readonly = False                        # power cut; the drive is the clip's again
    again = Log(Storage(str(tmp_path), fs, fs.open), urandom=lambda n: b"\x05" * n, flush_minutes=5)
    for k in range(10):
        again.minute((k * 60000, 60, 50, 5, 5, 0, 100, 200, 0))
    again.flush()
    reader = Reader(again, 0)
    new = []
    while True:
        raw = reader.next()
        if raw is None:
            break
        r = record.decode(raw)
        if r[2] == again.boot:
            new.append(r[1])
    assert len(new) == 10
    assert not set(new) & set(taken), "seqs handed out twice: %s" % sorted(set(new) & set(taken))
