"""Whatever the clip (or a noisy line) sends, the host ends with a result or a PostureError."""

from __future__ import annotations

import os
import random
import tempfile

from hypothesis import given, settings, strategies as st

from firmware import events, record
from firmware.protocol import frame
from host.db import Database
from host.errors import PostureError
from host.sim.ptydevice import PtyDevice, prefill
from host.sim.stubs import ScriptedSerial
from host.sync import sync
from host.transport import Transport

GOOD = record.encode_minute(0, 1, (60000, 60, 50, 5, 5, 0, 100, 200, 0)).hex()
BODIES = st.sampled_from([
    "HELLO id=ABC fw=1 proto=1 boot=1 first=0 next=5 acked=-1",
    "HELLO id=../../etc fw=1 boot=1 first=0 next=5 acked=-1",
    "HELLO id=ABC fw=1 boot=99999999 first=0 next=5 acked=-1",
    "HELLO id=ABC fw=1 boot=1 first=0 next=99999999999999 acked=-1",
    "TIME boot=1 ms=1000 seq=5", "TIME boot=1 ms=-4 seq=5", "TIME boot=x",
    "R " + GOOD, "R " + GOOD[:-2], "R zz", "R " + "00" * 21, "R " + "ff" * 400,
    "END 1 1", "END 0 0", "END 99999 5", "END", "END x y",
    "OK ACK 0", "OK ACK", "ERR crc corrupt line", "L 1 2 3 upright", "",
])


@settings(max_examples=250, deadline=None)
@given(st.lists(st.one_of(BODIES.map(frame), st.binary(max_size=80)), max_size=25))
def test_sync_against_any_reply_stream_ends_cleanly(parts: list[bytes]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(os.path.join(tmp, "db.sqlite"))
        link = Transport("fake", timeout=1.0, serial_obj=ScriptedSerial(b"".join(parts)))
        try:
            sync(link, db, now=lambda: 1_770_000_000.0)
        except PostureError:
            pass
        # whatever was stored is well-formed
        for row in db.conn.execute("SELECT seq, worn_s, wall FROM minutes"):
            assert 0 <= row[0] and 0 <= row[1] <= 63
        db.close()


def test_sync_over_a_noisy_line_still_gets_everything_once(tmp_path) -> None:
    """Flip bits in the clip's output: bad lines are dropped and asked for again."""
    prefill(str(tmp_path / "log"), 1)
    rng = random.Random(3)

    with PtyDevice(str(tmp_path / "log")) as dev:
        real_write = dev.channel.write

        def noisy_write(data: bytes) -> int:
            if len(data) > 40 and rng.random() < 0.02:
                data = bytearray(data)
                data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
                data = bytes(data)
            return real_write(data)

        with dev.lock:
            dev.channel.write = noisy_write  # type: ignore[method-assign]
        db = Database(tmp_path / "db.sqlite")
        done = None
        for _attempt in range(10):
            try:
                with Transport(dev.port, timeout=2.0) as link:
                    done = sync(link, db, now=lambda: 1_770_000_000.0, chunk=100)
                break
            except PostureError:
                continue
        assert done is not None
        minutes, evs = db.counts(done.device_id)
        assert minutes == 600
        kinds = [r[0] for r in db.conn.execute("SELECT kind FROM events")]
        assert kinds.count(events.BOOT) == 1 and kinds.count(events.CALIBRATED) == 1
        seqs = [r[0] for r in db.conn.execute(
            "SELECT seq FROM minutes UNION ALL SELECT seq FROM events UNION ALL "
            "SELECT seq FROM anchors ORDER BY 1")]  # the TIME records are anchors
        assert len(seqs) == len(set(seqs)) and seqs == list(range(seqs[0], seqs[0] + len(seqs)))
