"""The laptop side under faults: damaged log files on `posture import`, a database locked by
another program or read-only, the clip losing power in the middle of a sync, and two syncs
at once. Always a clear message and exit status 2; nothing lost, nothing duplicated."""

from __future__ import annotations

import os
import random
import shutil
import sqlite3
import subprocess
import threading
from pathlib import Path

import pytest

from host.cli import main
from host.sim.ptydevice import prefill

from .evilclip import EvilClip, Honest, records

START = 1_760_000_000


@pytest.fixture(scope="module")
def day_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("day")
    prefill(str(root / "log"), 1, start_unix=START)
    return root / "log"


def cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    rc = main(args)
    cap = capsys.readouterr()
    assert "Traceback" not in cap.err and "Traceback" not in cap.out
    return rc, cap.out, cap.err


def table(db: Path) -> list[tuple]:
    if not db.exists():
        return []
    conn = sqlite3.connect(db)
    try:
        return (conn.execute("SELECT 'm', seq, boot, t_ms, worn_s, slouch_s FROM minutes").fetchall()
                + conn.execute("SELECT 'e', seq, boot, t_ms, kind, a FROM events").fetchall())
    except sqlite3.OperationalError:
        return []
    finally:
        conn.close()


def segments(log_dir: Path) -> list[Path]:
    return sorted(p for p in log_dir.iterdir() if p.suffix == ".bin" and p.stem.isdigit())


# ---- posture import of damaged files ------------------------------------------------------
def _damage(data: bytes, rng: random.Random, how: str) -> bytes:
    b = bytearray(data)
    if how == "truncate":
        return bytes(b[:rng.randrange(0, len(b))])
    if how == "flip":
        for _ in range(rng.randrange(1, 12)):
            i = rng.randrange(len(b))
            b[i] ^= 1 << rng.randrange(8)
        return bytes(b)
    if how == "zero_block":
        i = rng.randrange(len(b))
        b[i:i + rng.randrange(1, 200)] = bytes(min(len(b) - i, 200))
        return bytes(b[:len(data)])
    if how == "garbage_tail":
        return bytes(b) + bytes(rng.randrange(256) for _ in range(rng.randrange(1, 300)))
    if how == "shuffle":
        cut = rng.randrange(1, len(b))
        return bytes(b[cut:] + b[:cut])
    raise AssertionError(how)


@pytest.mark.parametrize("how", ["truncate", "flip", "zero_block", "garbage_tail", "shuffle"])
def test_import_of_damaged_segments_keeps_only_real_records(day_log: Path, tmp_path: Path, how: str,
                                                           capsys: pytest.CaptureFixture[str], cases) -> None:
    clean_db = tmp_path / "clean.sqlite"
    rc, _out, err = cli(["import", str(day_log), "--device", "CLIP1", "--db", str(clean_db)], capsys)
    assert rc == 0, err
    clean = set(table(clean_db))
    rng = random.Random(how)
    for trial in range(12):
        bad = tmp_path / ("bad%d" % trial)
        shutil.copytree(day_log, bad)
        for seg in segments(bad):
            if rng.random() < 0.6:
                seg.write_bytes(_damage(seg.read_bytes(), rng, how))
        db = tmp_path / ("db%d.sqlite" % trial)
        rc, out, err = cli(["import", str(bad), "--device", "CLIP1", "--db", str(db)], capsys)
        got = table(db)
        if rc == 0:
            assert set(got) <= clean, "a damaged file put a record in the database that the clip never wrote"
            assert len(got) == len(set(got))
        else:
            assert rc == 2 and err.startswith("posture: error:") and got == []
        # the undamaged copy on top: everything, once
        rc, _out, err = cli(["import", str(day_log), "--device", "CLIP1", "--db", str(db)], capsys)
        assert rc == 0 and sorted(table(db)) == sorted(clean)
        cases()


@pytest.mark.parametrize("content", [b"", b"\x00" * 5000, b"hello world\n" * 100, os.urandom(3000)])
def test_import_of_something_that_is_no_log(tmp_path: Path, content: bytes, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "00000001.bin"
    f.write_bytes(content)
    db = tmp_path / "db.sqlite"
    rc, _out, err = cli(["import", str(f), "--device", "CLIP1", "--db", str(db)], capsys)
    if content:
        assert rc == 2 and "not a posture log" in err
    else:
        assert rc in (0, 2)
    assert table(db) == []


def test_import_of_missing_empty_and_huge_inputs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    empty_dir = tmp_path / "empty"
    empty_dir.mkdir()
    huge = tmp_path / "00000009.bin"
    with open(huge, "wb") as f:
        f.truncate(65 * 1024 * 1024)           # sparse: no disk used
    for target, words in ((tmp_path / "nope.bin", "does not exist"), (empty_dir, "no log segments"),
                          (huge, "too big")):
        rc, _out, err = cli(["import", str(target), "--device", "CLIP1", "--db", str(tmp_path / "db")], capsys)
        assert rc == 2 and words in err, err


# ---- the database: locked by another program, read-only ---------------------------------
def test_a_database_locked_by_another_program(day_log: Path, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "db.sqlite"
    assert cli(["import", str(day_log), "--device", "CLIP1", "--db", str(db)], capsys)[0] == 0
    before = table(db)
    other = sqlite3.connect(db, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")           # e.g. a DB browser in the middle of a write
    try:
        rc, _out, err = cli(["import", str(day_log), "--device", "CLIP2", "--db", str(db)], capsys)
        assert rc == 2 and "locked" in err, err
        with EvilClip(Honest(records(20))) as clip:
            rc, _out, err = cli(["sync", "--port", clip.port, "--db", str(db), "--timeout", "1"], capsys)
            assert rc == 2 and "locked" in err, err
            assert not any(b.startswith("ACK") for b in clip.received)   # the clip keeps its records
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert table(db) == before
    rc, _out, err = cli(["import", str(day_log), "--device", "CLIP2", "--db", str(db)], capsys)
    assert rc == 0 and len(table(db)) == 2 * len(before)


def _make_read_only(path: Path) -> None:
    os.chmod(path, 0o444)
    if os.geteuid() == 0:                       # root ignores modes: mark the file immutable
        subprocess.run(["chattr", "+i", str(path)], check=True)
    try:
        with open(path, "r+b"):
            pass
    except OSError:
        return
    raise AssertionError("could not make %s read-only on this machine" % path)


def _undo_read_only(path: Path) -> None:
    if os.geteuid() == 0:
        subprocess.run(["chattr", "-i", str(path)], check=False)
    os.chmod(path, 0o644)


def test_a_read_only_database(day_log: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "db.sqlite"
    assert cli(["import", str(day_log), "--device", "CLIP1", "--db", str(db)], capsys)[0] == 0
    before = table(db)
    _make_read_only(db)
    try:
        rc, _out, err = cli(["import", str(day_log), "--device", "CLIP1", "--db", str(db)], capsys)
        assert rc == 2 and "read-only" in err, err
        with EvilClip(Honest(records(20), device_id="CLIP1")) as clip:
            rc, _out, err = cli(["sync", "--port", clip.port, "--db", str(db), "--timeout", "1"], capsys)
            assert rc == 2 and "read-only" in err, err
            assert not any(b.startswith("ACK") for b in clip.received)
        rc, out, err = cli(["summary", "--db", str(db), "--json"], capsys)   # reading still works
        assert rc == 0, err
    finally:
        _undo_read_only(db)
    assert table(db) == before


# ---- two syncs at once ------------------------------------------------------------------------
class Gated(Honest):
    """Holds its SYNC reply until released: a sync caught in the middle."""

    def __init__(self, recs: list[bytes]) -> None:
        super().__init__(recs)
        self.in_sync = threading.Event()
        self.release = threading.Event()

    def sync(self, start: int, count: int) -> bytes:
        self.in_sync.set()
        self.release.wait(timeout=20)
        return super().sync(start, count)


def test_a_second_sync_while_one_runs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "db.sqlite"
    first = Gated(records(300))
    result: dict[str, int] = {}
    with EvilClip(first) as clip1, EvilClip(Honest(records(300))) as clip2:
        t = threading.Thread(target=lambda: result.update(
            rc=main(["sync", "--port", clip1.port, "--db", str(db), "--timeout", "5"])))
        t.start()
        assert first.in_sync.wait(timeout=20)
        rc = main(["sync", "--port", clip2.port, "--db", str(db), "--timeout", "1"])
        assert not clip2.received                               # refused before it spoke to the clip
        first.release.set()
        t.join(timeout=30)
    err = capsys.readouterr().err
    assert rc == 2 and "another posture sync" in err, err
    assert result["rc"] == 0
    rows = table(db)
    assert len(rows) == 299 and len({(r[0], r[1]) for r in rows}) == 299


def test_the_cable_pulled_at_every_line_of_a_sync(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                 cases) -> None:
    """Unplugged after every line the clip sends (and in the middle of lines), then a clean sync:
    every record once, nothing from a half line."""
    recs = records(25)
    honest = Honest(recs)
    whole = honest("HELLO") + honest("TIME 1") + honest("SYNC 0 1000")
    ends = [i + 1 for i, b in enumerate(whole) if b == ord("\n")]
    cuts = sorted(set(ends) | {e - 7 for e in ends[2:]})
    for cut in cuts:
        db = tmp_path / ("db%d.sqlite" % cut)
        with EvilClip(Honest(recs), unplug_after=cut) as clip:
            rc, _out, err = cli(["sync", "--port", clip.port, "--db", str(db), "--timeout", "1"], capsys)
        assert rc == 2 and "posture: error:" in err, (cut, err)
        partial = table(db)
        with EvilClip(Honest(recs)) as clip:
            rc, _out, err = cli(["sync", "--port", clip.port, "--db", str(db), "--timeout", "1"], capsys)
        assert rc == 0, err
        final = table(db)
        assert set(partial) <= set(final) and len(final) == 24
        assert len({(r[0], r[1]) for r in final}) == 24
        cases()
