"""The `posture` subcommands that talk to a clip, against the simulated clip on a pty."""

from __future__ import annotations

import json
import os
import random
import shutil
import sqlite3
from pathlib import Path

import pytest

from firmware import events
from host.cli import main
from host.logfile import read_records
from host.sim.ptydevice import PtyDevice, prefill

START = 1_760_000_000


@pytest.fixture(scope="module")
def two_days(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("two")
    prefill(str(root / "log"), 2, start_unix=START)
    return root / "log"


def rows(db: Path) -> tuple[list, list]:
    conn = sqlite3.connect(db)
    try:
        return (conn.execute("SELECT * FROM minutes ORDER BY seq").fetchall(),
                conn.execute("SELECT * FROM events ORDER BY seq").fetchall())
    finally:
        conn.close()


def test_sync_json_then_again(two_days: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copytree(two_days, tmp_path / "log")
    db = tmp_path / "db.sqlite"
    with PtyDevice(str(tmp_path / "log")) as dev:
        assert main(["sync", "--port", dev.port, "--db", str(db), "--json"]) == 0
        first = json.loads(capsys.readouterr().out)
        assert first["new_minutes"] == 1200 and first["clock_set"]
        assert main(["sync", "--port", dev.port, "--db", str(db)]) == 0
        assert "0 new minutes, 0 new events" in capsys.readouterr().out
        assert main(["sync", "--port", dev.port, "--db", str(db), "--erase", "--json"]) == 0
        erased = json.loads(capsys.readouterr().out)["erased_to"]
        assert erased > 0 and dev.log.first_seq() == erased + 1
        assert len([n for n in os.listdir(tmp_path / "log") if n[0].isdigit()]) <= 2


def test_import_of_copied_segments_then_sync_adds_nothing(two_days: Path, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copytree(two_days, tmp_path / "log")
    db = tmp_path / "db.sqlite"
    drive_copy = tmp_path / "copied"
    shutil.copytree(two_days, drive_copy)
    assert main(["import", str(drive_copy), "--db", str(db)]) == 2
    assert "--device" in capsys.readouterr().err
    assert main(["import", str(drive_copy), "--db", str(db), "--device", "SIM0001", "--json"]) == 0
    got = json.loads(capsys.readouterr().out)
    assert got["new_minutes"] == 1200
    imported = rows(db)
    assert main(["import", str(drive_copy), "--db", str(db), "--json"]) == 0  # the one clip known now
    assert json.loads(capsys.readouterr().out)["new_minutes"] == 0
    with PtyDevice(str(tmp_path / "log")) as dev:
        assert main(["sync", "--port", dev.port, "--db", str(db), "--json"]) == 0
    synced = json.loads(capsys.readouterr().out)
    assert synced["new_minutes"] == 0 and synced["new_events"] == 0
    assert rows(db) == imported
    assert all(m[4] is not None for m in imported[0])


def test_import_of_a_truncated_or_damaged_file(two_days: Path, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    seg = sorted(two_days.iterdir())[0]
    data = bytearray(seg.read_bytes())
    cut = tmp_path / "00000001.bin"
    cut.write_bytes(bytes(data[:len(data) // 2 + 7]))
    db = tmp_path / "db.sqlite"
    assert main(["import", str(cut), "--db", str(db), "--device", "X1", "--json"]) == 0
    half = json.loads(capsys.readouterr().out)
    assert 0 < half["records"] < len(data) // 20 and half["damaged_bytes"] > 0
    data[300] ^= 0x55
    damaged = tmp_path / "00000002.bin"
    damaged.write_bytes(bytes(data))
    assert main(["import", str(damaged), "--db", str(db), "--device", "X1", "--json"]) == 0
    whole = json.loads(capsys.readouterr().out)
    full, _ = read_records(seg.read_bytes())
    assert whole["records"] == len(full) - 1  # only the damaged record is lost
    # the damaged one (in the first half) was already imported: everything else after the cut is new
    assert whole["new_minutes"] + whole["new_events"] == len(full) - half["records"]
    junk = tmp_path / "junk.bin"
    junk.write_bytes(random.Random(5).randbytes(200000))
    assert main(["import", str(junk), "--db", str(db), "--device", "X1"]) == 2
    assert "not a posture log" in capsys.readouterr().err


def test_config_get_set_and_refusals(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with PtyDevice(str(tmp_path / "log")) as dev:
        assert main(["config", "--port", dev.port, "--json"]) == 0
        values = json.loads(capsys.readouterr().out)
        assert values["POSTURE_SLOUCH_DEG"] == "15" and values["POSTURE_HAPTIC_PIN"] == ""
        assert main(["config", "--port", dev.port, "POSTURE_SLOUCH_DEG", "22"]) == 0
        assert "POSTURE_SLOUCH_DEG = 22" in capsys.readouterr().out
        assert main(["config", "--port", dev.port, "POSTURE_SLOUCH_DEG", "99"]) == 2
        assert "outside" in capsys.readouterr().err
        assert main(["config", "--port", dev.port, "NOPE"]) == 2
    assert (tmp_path / "log" / "settings.txt").read_text() == "POSTURE_SLOUCH_DEG=22\n"
    with PtyDevice(str(tmp_path / "log")) as dev:  # kept across a restart
        assert main(["config", "--port", dev.port, "POSTURE_SLOUCH_DEG"]) == 0
        assert "= 22" in capsys.readouterr().out


def test_live_and_calibrate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    clock = [0]

    def ticks() -> int:
        clock[0] += 50  # simulated ticks: 50 ms per loop pass
        return clock[0]

    dev_box: list[PtyDevice] = []

    def calibrate() -> None:
        dev_box[0].log.event((clock[0], events.CALIBRATED, 35, 52))

    with PtyDevice(str(tmp_path / "log"), ticks=ticks, calibrate=calibrate,
                   live=lambda: (183, -12, "slouch")) as dev:
        dev_box.append(dev)
        assert main(["live", "--port", dev.port, "--json", "--count", "4"]) == 0
        lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
        assert len(lines) == 4
        assert lines[0]["flex_deg"] == 18.3 and lines[0]["side_deg"] == -1.2
        assert lines[0]["state"] == "slouch"
        assert main(["calibrate", "--port", dev.port, "--json"]) == 0
        got = json.loads(capsys.readouterr().out)
        assert got["event"] == "calibrated" and got["mount_tilt_deg"] == 3.5


def test_no_clip_and_bad_port(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sync", "--port", str(tmp_path / "ttyNONE"), "--db", str(tmp_path / "d")]) == 2
    assert "cannot open" in capsys.readouterr().err


def test_a_second_sync_while_one_runs_gets_a_clear_error(two_days: Path, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    from host.db import Database

    db_path = tmp_path / "db.sqlite"
    holder = Database(db_path)
    with holder.lock(), PtyDevice(str(tmp_path / "log")) as dev:
        assert main(["sync", "--port", dev.port, "--db", str(db_path)]) == 2
        assert "another posture sync or import" in capsys.readouterr().err
        assert main(["import", str(two_days), "--db", str(db_path), "--device", "A"]) == 2
        assert "another posture sync or import" in capsys.readouterr().err
    holder.close()


def test_a_database_locked_by_another_program(two_days: Path, tmp_path: Path) -> None:
    from host.db import Database
    from host.errors import PostureError
    from host.logfile import read_log

    db_path = tmp_path / "db.sqlite"
    db = Database(db_path, busy_timeout=0.05)
    other = sqlite3.connect(db_path)
    other.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(PostureError, match="locked by another program"):
            db.store("A", read_log([two_days]).records)
        with pytest.raises(PostureError, match="locked by another program"):
            Database(db_path, busy_timeout=0.05)
    finally:
        other.rollback()
        other.close()
    assert db.counts("A") == (0, 0)  # nothing half-written
    assert db.store("A", read_log([two_days]).records)[0] == 1200  # and it works once free
    db.close()


def test_pick_port_none_one_many() -> None:
    from types import SimpleNamespace

    from host.devices import pick_port
    from host.errors import PostureError

    def port(name: str) -> object:
        return SimpleNamespace(device=name, description="QT Py", serial_number="X", interface="CircuitPython CDC2 data")

    with pytest.raises(PostureError, match="no clip connected"):
        pick_port(None, lambda: [])
    assert pick_port(None, lambda: [port("/dev/ttyACM1")]) == "/dev/ttyACM1"
    with pytest.raises(PostureError, match="2 clips connected"):
        pick_port(None, lambda: [port("/dev/ttyACM1"), port("/dev/ttyACM3")])
    assert pick_port("/dev/ttyUSB9", lambda: []) == "/dev/ttyUSB9"


def test_a_read_only_database_is_a_clear_error(two_days: Path, tmp_path: Path) -> None:
    from host.db import Database
    from host.errors import PostureError
    from host.logfile import read_log

    db = Database(tmp_path / "db.sqlite")
    db.conn.execute("PRAGMA query_only=1")  # as a database file the user may not write
    with pytest.raises(PostureError, match="read-only"):
        db.store("A", read_log([two_days]).records)
    db.close()


def test_calibrate_waits_on_live_state_and_syncs_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Waiting for the outcome reads LIVE lines (nothing written on the clip); one SYNC fetches it."""
    clock = [0]
    started: list[int] = []
    dev_box: list[PtyDevice] = []

    def ticks() -> int:
        clock[0] += 50  # simulated ticks: 50 ms per loop pass
        if started and clock[0] - started[0] >= 5000:  # five simulated seconds of sitting still
            started.clear()
            dev_box[0].log.event((clock[0], events.CALIBRATED, 41, 52))
        return clock[0]

    def live() -> tuple[int | None, int | None, str]:
        return (None, None, "calibrating") if started else (20, 0, "seated")

    with PtyDevice(str(tmp_path / "log"), ticks=ticks, calibrate=lambda: started.append(clock[0]),
                   live=live) as dev:
        dev_box.append(dev)
        syncs: list[list[str]] = []
        real_sync = dev.protocol.commands["SYNC"]
        dev.protocol.commands["SYNC"] = lambda args: (syncs.append(args), real_sync(args))[1]
        assert main(["calibrate", "--port", dev.port, "--json"]) == 0
        got = json.loads(capsys.readouterr().out)
    assert got["event"] == "calibrated" and got["mount_tilt_deg"] == 4.1
    assert len(syncs) == 1, syncs


def test_calibrate_that_never_finishes_is_a_clear_error(tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    with PtyDevice(str(tmp_path / "log"), calibrate=lambda: None,
                   live=lambda: (None, None, "calibrating")) as dev:
        assert main(["calibrate", "--port", dev.port, "--wait", "0.5", "--timeout", "0.3"]) == 2
    assert "did not finish calibrating within" in capsys.readouterr().err


@pytest.mark.parametrize("clip_proto, says", [
    (0, "runs older firmware (protocol 0; this posture speaks 1): run `posture deploy`"),
    (2, "runs newer firmware (protocol 2) than this posture knows (1): update the posture tool"),
])
def test_a_clip_speaking_another_protocol_is_refused_with_the_side_to_update(
        two_days: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch, clip_proto: int, says: str) -> None:
    """The real protocol over a pty, its firmware claiming another version: nothing is synced,
    no database is left behind, and the message names which side to update."""
    import host.client  # noqa: F401  (the host's version is read before the clip's is changed)
    from firmware import protocol

    shutil.copytree(two_days, tmp_path / "log")
    db = tmp_path / "db.sqlite"
    monkeypatch.setattr(protocol, "_PROTO_VERSION", clip_proto)   # the clip's side only
    with PtyDevice(str(tmp_path / "log")) as dev:
        assert main(["sync", "--port", dev.port, "--db", str(db)]) == 2
        acked = dev.log.acked
    err = capsys.readouterr().err
    assert says in err and "Traceback" not in err
    assert not db.exists() and acked == -1


def test_the_parser_and_posture_devices_load_no_heavy_module() -> None:
    """`posture --help` and `posture devices` start fast: building every command's options
    imports no numpy, matplotlib or rich (they took over a second to import)."""
    import subprocess
    import sys

    code = ("import sys\nfrom host.cli import build_parser\nbuild_parser()\n"
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'numpy', 'matplotlib', 'rich', 'PIL'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[2] / "host").stdout
    assert out.strip() == "[]"
