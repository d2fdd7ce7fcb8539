"""The clip loses power in the middle of a sync, after the host committed records it still
held in RAM and before the ACK reached it: when it comes back and logs on, the next sync
must bring every new record, once."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from firmware import events
from host.sim.ptydevice import PtyDevice

from .test_host_faults import cli, day_log, table  # noqa: F401  (day_log is a fixture)


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


