"""The laptop side under faults: damaged log files on `posture import`, a database locked by
another program or read-only, the clip losing power in the middle of a sync, and two syncs
at once. Always a clear message and exit status 2; nothing lost, nothing duplicated."""

from __future__ import annotations

import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from host.cli import main
from host.sim.ptydevice import prefill

from .evilclip import EvilClip, Honest, records
from .helpers import START, cli, table


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


# ---- a damaged database: every page zeroed or flipped ------------------------------------------
def _digest(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def synced_db(day_log: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("synced") / "posture.sqlite3"
    assert main(["import", str(day_log), "--device", "CLIP1", "--db", str(db)]) == 0
    return db


def _read_commands(db: Path, tmp: Path, day_log: Path) -> list[list[str]]:
    return [["summary", "--db", str(db), "--json"], ["suggest", "--db", str(db), "--json"],
            ["report", "--db", str(db), "--out", str(tmp / "out")],
            ["import", str(day_log), "--db", str(db)]]


def test_every_page_zeroed_or_flipped_is_named_damaged_and_left_alone(
        synced_db: Path, day_log: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], cases) -> None:
    """Each page of a synced database zeroed, or every bit of it flipped; then every command that
    opens the database: exit 2, a message naming it damaged (or not a database) with how to
    rebuild, no traceback, and not one byte of the file changed."""
    clean = synced_db.read_bytes()
    page = sqlite3.connect(synced_db).execute("PRAGMA page_size").fetchone()[0]
    for cmd in _read_commands(synced_db, tmp_path, day_log):       # the undamaged file works
        assert cli(cmd, capsys)[0] == 0, cmd
    assert synced_db.read_bytes() == clean                       # (importing again added nothing)
    pages = len(clean) // page
    assert pages >= 8
    for n in range(pages):
        for how in ("zeroed", "flipped"):
            bad = bytearray(clean)
            chunk = bad[n * page:(n + 1) * page]
            bad[n * page:(n + 1) * page] = bytes(page) if how == "zeroed" else bytes(b ^ 0xFF for b in chunk)
            db = tmp_path / "damaged.sqlite3"
            db.write_bytes(bytes(bad))
            before = _digest(db)
            for cmd in _read_commands(db, tmp_path, day_log):
                rc, _out, err = cli(cmd, capsys)
                assert rc == 2, (n, how, cmd, err)
                assert "damaged" in err and "posture sync" in err, (n, how, cmd, err)
                assert _digest(db) == before, (n, how, cmd)
            with EvilClip(Honest(records(20), device_id="CLIP1")) as clip:
                rc, _out, err = cli(["sync", "--port", clip.port, "--db", str(db), "--timeout", "1"], capsys)
                assert rc == 2 and "damaged" in err, (n, how, err)
                assert not any(b.startswith("ACK") for b in clip.received)
            assert _digest(db) == before
            assert not Path(str(db) + "-journal").exists()
            cases()


def test_a_commit_cut_short_leaves_a_hot_journal_that_reading_rolls_back(
        synced_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A program killed in the middle of a commit leaves a hot journal; a read-only connection
    cannot roll it back ("attempt to write a readonly database"). The read commands roll it
    back once and show the last committed data."""
    db = tmp_path / "posture.sqlite3"
    shutil.copy(synced_db, db)
    rc, out, _err = cli(["summary", "--db", str(db), "--json"], capsys)
    assert rc == 0
    committed = json.loads(out)
    killed = ("import os, sqlite3, sys\n"
              "c = sqlite3.connect(sys.argv[1])\n"
              "c.execute('PRAGMA cache_size=1')\n"                 # pages spill into the file
              "c.execute('BEGIN IMMEDIATE')\n"
              "c.execute('UPDATE minutes SET worn_s = 0, upright_s = 0')\n"
              "c.execute('DELETE FROM events')\n"
              "os._exit(9)\n")                                     # killed before COMMIT
    subprocess.run([sys.executable, "-c", killed, str(db)], check=False)
    journal = Path(str(db) + "-journal")
    assert journal.exists() and journal.stat().st_size > 0, "no hot journal was left"
    for cmd in (["summary", "--db", str(db), "--json"], ["suggest", "--db", str(db), "--json"]):
        rc, out, err = cli(cmd, capsys)
        assert rc == 0, err
    rc, out, err = cli(["summary", "--db", str(db), "--json"], capsys)
    assert json.loads(out)["wear_min"] == committed["wear_min"] > 0
    assert not journal.exists()


def test_a_folder_given_as_the_database(day_log: Path, tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "dbdir"
    folder.mkdir()
    for cmd in _read_commands(folder, tmp_path, day_log) + [["import", str(day_log), "--device", "C1",
                                                            "--db", str(folder)]]:
        rc, _out, err = cli(cmd, capsys)
        assert rc == 2 and "is a folder" in err, (cmd, err)
    with EvilClip(Honest(records(5))) as clip:
        rc, _out, err = cli(["sync", "--port", clip.port, "--db", str(folder), "--timeout", "1"], capsys)
    assert rc == 2 and "is a folder" in err, err
    assert list(folder.iterdir()) == []


def test_an_older_layout_is_backed_up_before_it_is_changed(day_log: Path, tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "old.sqlite3"
    assert cli(["import", str(day_log), "--device", "CLIP1", "--db", str(db)], capsys)[0] == 0
    conn = sqlite3.connect(db)
    conn.execute("DROP TABLE anchors")         # the layout before anchors were kept
    conn.execute("PRAGMA user_version=0")
    conn.commit()
    conn.close()
    old = table(db)
    assert cli(["import", str(day_log), "--device", "CLIP1", "--db", str(db)], capsys)[0] == 0
    bak = tmp_path / "old.sqlite3.bak"
    assert bak.exists() and table(bak) == old
    tables = {r[0] for r in sqlite3.connect(bak).execute("SELECT name FROM sqlite_master")}
    assert "anchors" not in tables
    tables = {r[0] for r in sqlite3.connect(db).execute("SELECT name FROM sqlite_master")}
    assert "anchors" in tables


def test_erase_keeps_a_backup_of_the_database_first(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """After ERASE the database is the only copy of those records: a whole copy is kept first."""
    from host.sim.ptydevice import PtyDevice

    prefill(str(tmp_path / "log"), 1, start_unix=START)
    db = tmp_path / "db.sqlite"
    with PtyDevice(str(tmp_path / "log")) as dev:
        assert cli(["sync", "--port", dev.port, "--db", str(db)], capsys)[0] == 0
        assert not (tmp_path / "db.sqlite.bak").exists()
        rc, out, err = cli(["sync", "--port", dev.port, "--db", str(db), "--erase"], capsys)
        assert rc == 0, err
    bak = tmp_path / "db.sqlite.bak"
    assert bak.exists() and table(bak) == table(db) and len(table(db)) > 100


# ---- failures leave nothing behind -----------------------------------------------------------------
@pytest.fixture
def no_clip(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No clip plugged in; the user's data folder (where the default database goes) in tmp_path."""
    from adafruit_board_toolkit import circuitpython_serial

    monkeypatch.setattr(circuitpython_serial, "data_comports", lambda: [])
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    return home


def _files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


def test_sync_with_no_clip_creates_no_database_and_no_lock(no_clip: Path, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    from host.db import default_path

    assert str(default_path()).startswith(str(no_clip))
    rc, _out, err = cli(["sync"], capsys)
    assert rc == 2 and "no clip connected" in err
    rc, _out, err = cli(["sync", "--port", str(tmp_path / "ttyNOPE"), "--db", str(tmp_path / "x.db")], capsys)
    assert rc == 2 and "no such port" in err, err
    assert _files(no_clip) == [] and not (tmp_path / "x.db").exists()
    assert not (tmp_path / "x.db.lock").exists()
    rc, _out, err = cli(["summary"], capsys)                 # still "nothing synced yet"
    assert rc == 2 and "does not exist" in err


def test_a_sync_that_fails_before_any_record_leaves_no_new_database(tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "new.sqlite3"
    with EvilClip(Honest(records(20)), unplug_after=0) as clip:
        rc, _out, err = cli(["sync", "--port", clip.port, "--db", str(db), "--timeout", "0.5"], capsys)
    assert rc == 2 and "posture: error:" in err, err
    assert _files(tmp_path) == []


def test_a_failed_import_creates_no_database(tmp_path: Path, day_log: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    junk = tmp_path / "00000001.bin"
    junk.write_bytes(b"hello world\n" * 100)
    db = tmp_path / "db.sqlite"
    rc, _out, err = cli(["import", str(junk), "--device", "CLIP1", "--db", str(db)], capsys)
    assert rc == 2 and "not a posture log" in err
    rc, _out, err = cli(["import", str(day_log), "--db", str(db)], capsys)   # which clip? unknown
    assert rc == 2 and "which clip" in err, err
    assert not db.exists() and not (tmp_path / "db.sqlite.lock").exists()


def test_devices_with_no_clip_exits_2_like_every_other_refusal(no_clip: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    for args in (["devices"], ["devices", "--json"]):
        rc, out, err = cli(args, capsys)
        assert rc == 2 and "no clip connected" in err, (args, rc, err)
    assert json.loads(out) == []


def test_a_port_held_by_another_program_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import serial  # type: ignore[import-untyped]

    db = tmp_path / "db.sqlite"
    with EvilClip(Honest(records(20))) as clip:
        other = serial.Serial(clip.port, 115200, timeout=0.05, exclusive=True)  # a serial monitor
        try:
            rc, _out, err = cli(["sync", "--port", clip.port, "--db", str(db), "--timeout", "1"], capsys)
        finally:
            other.close()
        assert rc == 2 and "in use by another program" in err, err
        assert not db.exists()
        rc, out, err = cli(["sync", "--port", clip.port, "--db", str(db), "--timeout", "1"], capsys)
        assert rc == 0, err


def test_counts_are_said_in_the_singular_for_one(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from firmware import record

    seg = tmp_path / "log" / "00000001.bin"
    seg.parent.mkdir()
    seg.write_bytes(record.encode_time(0, 1, 0, START)
                    + record.encode_minute(1, 1, (60000, 60, 50, 5, 5, 0, 100, 200, 0)))
    rc, out, _err = cli(["import", str(seg), "--device", "CLIP1", "--db", str(tmp_path / "db")], capsys)
    assert rc == 0 and "1 new minute," in out and "0 new events" in out, out
    assert "from 1 file for" in out
    with EvilClip(Honest(records(1, wall=None))) as clip:
        rc, out, err = cli(["sync", "--port", clip.port, "--db", str(tmp_path / "db2"), "--timeout", "1"], capsys)
    assert rc == 0 and "1 new minute, 0 new events" in out, out


# ---- import names the clip from its drive -----------------------------------------------------------
BOOT_OUT = ("Adafruit CircuitPython 9.2.1 on 2024-11-20; Adafruit QT Py RP2040 with rp2040\n"
            "Board ID:adafruit_qtpy_rp2040\nUID:DE6270E4E3465A2C\nboot.py output:\n")


def test_import_of_the_drive_root_takes_the_clip_id_from_boot_out(day_log: Path, tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    drive = tmp_path / "CIRCUITPY"
    shutil.copytree(day_log, drive / "log")
    (drive / "boot_out.txt").write_text(BOOT_OUT)
    db = tmp_path / "db.sqlite"
    for target in (drive, drive / "log", segments(drive / "log")[0]):
        rc, out, err = cli(["import", str(target), "--db", str(db), "--json"], capsys)
        assert rc == 0, (target, err)
        assert json.loads(out)["device_id"] == "DE6270E4E3465A2C"
    rc, _out, err = cli(["import", str(drive), "--db", str(db), "--device", "CLIP1"], capsys)
    assert rc == 2 and "UID:DE6270E4E3465A2C" in err
    assert [r[0] for r in sqlite3.connect(db).execute("SELECT device_id FROM devices")] == ["DE6270E4E3465A2C"]


def test_an_imported_drive_and_a_later_sync_are_the_same_clip(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    """The real boot.py/code.py on the simulated board: its drive imported, then the clip synced
    over its data channel. One clip in the database, every record once."""
    from host.db import Database
    from host.sim.bridge import PtyBridge
    from host.sync import sync
    from host.transport import Transport

    from .helpers import device, recording

    drive = tmp_path / "CIRCUITPY"
    db = tmp_path / "db.sqlite"
    motion = recording([("upright", 60), ("slouch", 120, {"flex": 30}), ("upright", 720)])
    with device(motion, fs_dir=str(drive)) as dev:
        dev.run_for(900)                 # 15 simulated minutes: the log flushes every 10
        assert (drive / "boot_out.txt").read_text().count("UID:") == 1
        rc, out, err = cli(["import", str(drive), "--db", str(db), "--json"], capsys)
        assert rc == 0, err
        imported = json.loads(out)
        assert imported["new_minutes"] >= 10
        database = Database(db)
        try:
            with PtyBridge(dev) as bridge, Transport(bridge.port, timeout=5.0) as link:
                result = sync(link, database)
        finally:
            database.close()
    assert result.device_id == imported["device_id"]
    devices = [r[0] for r in sqlite3.connect(db).execute("SELECT device_id FROM devices")]
    assert devices == [imported["device_id"]]
    rows = table(db)
    assert len(rows) == len({(r[0], r[1]) for r in rows})


# ---- memory stays bounded whatever the input --------------------------------------------------------
MEMORY_LIMIT = 400 << 20   # address space for the whole CLI process; it starts at about 155 MB
_RUN_CLI = "import sys\nfrom host.cli import main\nsys.exit(main(sys.argv[1:]))\n"


def _run_limited(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    import resource

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))

    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    return subprocess.run([sys.executable, "-c", _RUN_CLI, *args], cwd=cwd, env=env, preexec_fn=limit,
                          capture_output=True, text=True, timeout=300)


def _sparse(path: Path, head: bytes, size: int) -> Path:
    with open(path, "wb") as f:        # sparse: no disk used, reads as NUL bytes
        f.write(head)
        f.truncate(size)
    return path


@pytest.mark.parametrize("case", ["replay_nul_flood", "replay_dev_zero", "replay_settings_urandom",
                                  "import_dev_zero", "import_huge_segment", "settings_fifo"])
def test_memory_stays_bounded_on_endless_and_huge_inputs(case: str, tmp_path: Path) -> None:
    """Each in its own process under a 400 MB address-space limit: a clear error, exit 2."""
    csv = tmp_path / "small.csv"
    csv.write_text("t_s,ax,ay,az,gx,gy,gz\n" + "".join("%.3f,0,0,9.8,0,0,0\n" % (i / 26) for i in range(400)))
    if case == "replay_nul_flood":
        big = _sparse(tmp_path / "rec.csv", b"t_s,ax,ay,az,gx,gy,gz\n", 2 << 30)
        args, words = ["replay", str(big)], "line 2: longer than"
    elif case == "replay_dev_zero":
        args, words = ["replay", "/dev/zero"], "line 1: longer than"
    elif case == "replay_settings_urandom":
        args, words = ["replay", str(csv), "--settings", "/dev/urandom"], "not a regular file"
    elif case == "import_dev_zero":
        args, words = ["import", "/dev/zero", "--device", "C1", "--db", str(tmp_path / "db")], "not a regular file"
    elif case == "import_huge_segment":
        big = _sparse(tmp_path / "00000001.bin", b"", 1 << 30)
        args, words = ["import", str(big), "--device", "C1", "--db", str(tmp_path / "db")], "too big"
    else:
        fifo = tmp_path / "settings.toml"
        os.mkfifo(fifo)                       # opening it for reading must not wait for a writer
        args, words = ["replay", str(csv), "--settings", str(fifo)], "not a regular file"
    res = _run_limited(args, tmp_path)
    assert res.returncode == 2, (res.returncode, res.stderr[-2000:])
    assert res.stderr.startswith("posture: error:") and words in res.stderr, res.stderr[-2000:]
    assert "Traceback" not in res.stderr and "MemoryError" not in res.stderr
    assert not (tmp_path / "db").exists()
