"""`posture sync` against a clip that lies or misbehaves (a pty with scripted replies).

Whatever comes over the cable is untrusted: absurd fields are refused with a
clear message and exit status 2, never a traceback; the database keeps only
records that passed their check, never a duplicate; nothing makes the host
loop forever or hold unbounded data.
"""

from __future__ import annotations

import itertools
import sqlite3
from pathlib import Path

import pytest

from firmware import record
from firmware.protocol import frame
from host.cli import main

from .evilclip import EvilClip, Honest, records


def sync_cli(port: str, db: Path, capsys: pytest.CaptureFixture[str], timeout: float = 1.0) -> tuple[int, str]:
    rc = main(["sync", "--port", port, "--db", str(db), "--timeout", str(timeout), "--json"])
    cap = capsys.readouterr()
    assert "Traceback" not in cap.err
    return rc, cap.err


def rows(db: Path) -> tuple[list, list, list]:
    if not db.exists():   # a sync that failed before storing a record leaves no new database
        return [], [], []
    conn = sqlite3.connect(db)
    try:
        return (conn.execute("SELECT device_id, seq, boot, t_ms, worn_s FROM minutes ORDER BY seq").fetchall(),
                conn.execute("SELECT device_id, seq, kind FROM events ORDER BY seq").fetchall(),
                conn.execute("SELECT device_id FROM devices").fetchall())
    finally:
        conn.close()


def test_an_honest_clip_syncs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The fake itself is a fair clip: the lies below are the only difference."""
    with EvilClip(Honest(records(50))) as clip:
        rc, err = sync_cli(clip.port, tmp_path / "db", capsys)
    assert rc == 0, err
    assert len(rows(tmp_path / "db")[0]) == 49


class BadHello(Honest):
    def __init__(self, line: str) -> None:
        super().__init__(records(10))
        self.line = line

    def hello(self) -> bytes:
        return frame(self.line)


@pytest.mark.parametrize("line,words", [
    ("HELLO id=../../etc/passwd fw=1 proto=1 boot=1 first=0 next=10 acked=-1", "device id"),
    ("HELLO id=%s fw=1 proto=1 boot=1 first=0 next=10 acked=-1" % ("A" * 300), "device id"),
    ("HELLO id=EVIL01 fw=1 proto=1 boot=99999 first=0 next=10 acked=-1", "boot"),
    ("HELLO id=EVIL01 fw=1 proto=1 boot=1 first=0 next=99999999999999 acked=-1", "next"),
    ("HELLO id=EVIL01 fw=1 proto=1 boot=1 first=-5 next=10 acked=-1", "first"),
    ("HELLO id=EVIL01 fw=1 proto=1 boot=one first=0 next=10 acked=-1", "boot"),
    ("HELLO id=EVIL01", "boot"),
])
def test_absurd_hello_fields_are_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str], line: str,
                                         words: str) -> None:
    with EvilClip(BadHello(line)) as clip:
        rc, err = sync_cli(clip.port, tmp_path / "db", capsys)
        assert not any(b.startswith("ACK") for b in clip.received)
    assert rc == 2 and err.startswith("posture: error:") and words in err, err
    assert rows(tmp_path / "db") == ([], [], [])


class BadTime(Honest):
    def __init__(self, line: str) -> None:
        super().__init__(records(10))
        self.line = line

    def time(self, unix: int) -> bytes:
        return frame(self.line)


@pytest.mark.parametrize("line", ["TIME boot=1 ms=%d seq=3" % (1 << 40), "TIME boot=1 ms=-1 seq=3",
                                  "TIME boot=70000 ms=5 seq=3", "TIME boot=1 ms=5"])
def test_absurd_time_replies_are_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str], line: str) -> None:
    with EvilClip(BadTime(line)) as clip:
        rc, err = sync_cli(clip.port, tmp_path / "db", capsys)
    assert rc == 2 and "posture: error:" in err
    assert rows(tmp_path / "db")[0] == []


class Endless(Honest):
    """Answers SYNC with valid records, never END, never stopping."""

    def __init__(self) -> None:
        super().__init__(records(10))
        seqs = itertools.count(0)
        self.stream_iter = (frame("R " + record.encode_minute(s, 1, (s, 60, 60, 0, 0, 0, 1, 1, 0)).hex())
                            for s in itertools.islice(seqs, 200_000))

    def sync(self, start: int, count: int) -> bytes:
        return b"<stream>"


def test_a_clip_that_never_stops_sending_is_cut_off(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    evil = Endless()
    with EvilClip(evil, stream=evil.stream_iter) as clip:
        rc, err = sync_cli(clip.port, tmp_path / "db", capsys)
        streamed = clip.bytes_streamed
    assert rc == 2 and "posture: error:" in err, err
    # the host stopped reading long before the clip ran out (200 000 lines)
    assert streamed < 120_000 * 60, streamed


class LyingEnd(Honest):
    def sync(self, start: int, count: int) -> bytes:
        good = super().sync(start, count)
        return good.rsplit(b"END", 1)[0] + frame("END 999999 5")


def test_an_end_line_that_lies_about_the_count(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with EvilClip(LyingEnd(records(30))) as clip:
        rc, err = sync_cli(clip.port, tmp_path / "db", capsys)
    assert rc == 2 and "posture: error:" in err
    minutes = rows(tmp_path / "db")[0]
    assert len(minutes) == len(set(m[1] for m in minutes)) == 29   # what arrived is kept, once


class Garbled(Honest):
    """Every record line is damaged in a different way; one good record in the middle."""

    def sync(self, start: int, count: int) -> bytes:
        if start > 0:
            return frame("END 0 %d" % start)
        good = records(3, wall=None)
        bad_crc = bytearray(good[0])
        bad_crc[-1] ^= 0xFF
        lines = [
            frame("R " + bytes(bad_crc).hex()),                   # record check fails
            frame("R zz" + good[0].hex()),                         # not hex
            frame("R " + good[0].hex()[:-6]),                      # cut short
            frame("R " + (good[0] + b"\x00" * 4000).hex())[:600] + b"\n",   # oversized line
            b"R " + good[0].hex().encode() + b"*0000\n",           # bad line CRC
            b"\xff" * 2000 + b"\n",                                # binary noise, no CRC
            frame("R " + good[1].hex()),                           # the one good record
            frame("R " + good[1].hex()),                           # repeated: out of order
        ]
        return b"".join(lines) + frame("END 8 2")


def test_damaged_records_never_reach_the_database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with EvilClip(Garbled(records(3))) as clip:
        rc, err = sync_cli(clip.port, tmp_path / "db", capsys)
    assert rc == 2 and "posture: error:" in err, err
    minutes = rows(tmp_path / "db")[0]
    assert all(m[1] in (0, 1) for m in minutes)      # nothing but real records
    assert len(minutes) == len(set(m[1] for m in minutes))


class AbsurdContent(Honest):
    """Records that pass their check but carry nonsense: minutes longer than 60 s, a clock in 1970."""

    def __init__(self) -> None:
        recs = [record.encode_time(0, 1, 0, 5),                             # unix 5: 1970
                record.encode_time(1, 1, 100, 4_000_000_000_0 % (1 << 32)),
                record.encode_minute(2, 1, (60000, 63, 63, 63, 63, 63, 2047, 2047, 255)),
                record.encode_event(3, 1, (70000, "slouch_end", -(1 << 31), (1 << 31) - 1))]
        super().__init__(recs)


def test_records_with_absurd_content_are_bounded(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with EvilClip(AbsurdContent()) as clip:
        rc, err = sync_cli(clip.port, tmp_path / "db", capsys)
    assert rc == 0, err
    conn = sqlite3.connect(tmp_path / "db")
    try:
        walls = conn.execute("SELECT wall FROM minutes").fetchall()
        worn = conn.execute("SELECT worn_s, upright_s + slouch_s + moving_s + lying_s FROM minutes").fetchall()
        anchors = conn.execute("SELECT wall FROM anchors").fetchall()
    finally:
        conn.close()
    # a 1970 clock is no anchor: the TIME reply's (the host's own clock) is the one kept
    assert all(1_000_000_000 <= a[0] <= 4_102_444_800 for a in anchors)
    assert walls and all(w[0] is None or 1_000_000_000 <= w[0] <= 4_102_444_800 for w in walls)
    assert all(w <= 60 and parts <= w for w, parts in worn), worn


class RefusesAck(Honest):
    def ack(self, seq: int) -> bytes:
        return frame("ERR range seq %d was never written" % seq)


def test_a_refused_ack_keeps_what_was_committed_and_the_next_sync_adds_no_duplicate(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    recs = records(40)
    with EvilClip(RefusesAck(recs)) as clip:
        rc, err = sync_cli(clip.port, tmp_path / "db", capsys)
    assert rc == 2 and "refused" in err
    first = rows(tmp_path / "db")[0]
    with EvilClip(Honest(recs)) as clip:
        rc, err = sync_cli(clip.port, tmp_path / "db", capsys)
    assert rc == 0, err
    second = rows(tmp_path / "db")[0]
    assert len(second) == 39 and len(set(m[1] for m in second)) == 39
    assert set(first) <= set(second)


class Reset(Honest):
    """A clip whose numbering went backwards (its log was wiped)."""

    def hello(self) -> bytes:
        return frame("HELLO id=EVIL01 fw=1 proto=1 boot=1 first=0 next=3 acked=-1")


def test_a_clip_whose_numbering_went_back_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with EvilClip(Honest(records(40))) as clip:
        assert sync_cli(clip.port, tmp_path / "db", capsys)[0] == 0
    before = rows(tmp_path / "db")
    with EvilClip(Reset(records(3))) as clip:
        rc, err = sync_cli(clip.port, tmp_path / "db", capsys)
    assert rc == 2 and "reset" in err
    assert rows(tmp_path / "db") == before


# ---- whatever comes back: hypothesis over the reply stream -------------------------------------
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st  # noqa: E402

from host.db import Database  # noqa: E402
from host.errors import PostureError  # noqa: E402
from host.sim.stubs import ScriptedSerial  # noqa: E402
from host.sync import sync  # noqa: E402
from host.transport import Transport  # noqa: E402

GOOD = records(40)



_PART = st.one_of(
    st.just(frame("HELLO id=EVIL01 fw=1 proto=1 boot=1 first=0 next=40 acked=-1")),
    st.builds(lambda b, f, n, a: frame("HELLO id=EVIL01 fw=1 proto=1 boot=%d first=%d next=%d acked=%d"
                                       % (b, f, n, a)),
              st.integers(-5, 1 << 17), st.integers(-5, 1 << 33), st.integers(-5, 1 << 33), st.integers(-5, 99)),
    st.just(frame("TIME boot=1 ms=5000 seq=40")),
    st.builds(lambda ms: frame("TIME boot=1 ms=%d seq=40" % ms), st.integers(-(1 << 31), 1 << 31)),
    st.sampled_from(GOOD).map(lambda r: frame("R " + r.hex())),
    st.sampled_from(GOOD).map(lambda r: b"R " + r.hex().encode() + b"*FFFF\n"),
    st.builds(lambda r, i: frame("R " + r.hex()[:i]), st.sampled_from(GOOD), st.integers(0, 40)),
    st.builds(lambda c, n: frame("END %d %d" % (c, n)), st.integers(-3, 10_000), st.integers(-3, 1 << 33)),
    st.builds(lambda s: frame("OK ACK %d" % s), st.integers(-3, 100)),
    st.sampled_from([frame("ERR range no"), frame("L 5 100 20 slouch"), b"\n", b"\r\n"]),
    st.binary(max_size=80),
    st.integers(500, 3000).map(lambda n: b"X" * n + b"\n"),
)


@hsettings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                    HealthCheck.too_slow])
@given(parts=st.lists(_PART, max_size=40))
def test_any_reply_stream_ends_in_a_result_or_a_clear_error(tmp_path_factory: pytest.TempPathFactory,
                                                            parts: list[bytes], cases) -> None:
    db = Database(tmp_path_factory.mktemp("h") / "db.sqlite")
    port = ScriptedSerial(b"".join(parts))
    try:
        with Transport("sim", timeout=1.0, serial_obj=port) as link:
            sync(link, db, now=lambda: 1_770_000_000.0, chunk=10)
    except PostureError as exc:
        assert str(exc)                                    # a message, never a traceback
    finally:
        minutes = db.conn.execute("SELECT seq, t_ms, worn_s FROM minutes").fetchall()
        db.close()
    valid = {(record.seq_at(r, 0), record.decode(r)[3], record.decode(r)[4][1])
             for r in GOOD if record.decode(r)[0] == record.T_MINUTE}
    assert set(minutes) <= valid and len(minutes) == len(set(minutes))
    assert len(port.written) < 200_000                     # the host's side of the talk stays bounded
    cases()
