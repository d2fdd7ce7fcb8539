"""A record whose seq the database already holds with other content: kept as stored, reported."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from firmware import events, record
from host.cli import main
from host.db import Database
from host.sim.ptydevice import PtyDevice, prefill
from host.sync import sync
from host.transport import Transport


def _minute(seq: int, boot: int, t_ms: int, upright: int = 60) -> bytes:
    return record.encode_minute(seq, boot, (t_ms, 60, upright, 60 - upright, 0, 0, 10, 20, 0))


def _rows(path: Path) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT seq, boot, t_ms, upright_s FROM minutes UNION ALL "
                            "SELECT seq, boot, t_ms, a FROM events ORDER BY 1").fetchall()
    finally:
        conn.close()


def test_a_different_record_with_a_held_seq_is_never_stored_and_is_reported(tmp_path: Path) -> None:
    db = Database(tmp_path / "db.sqlite")
    db.store("A", [_minute(s, 1, s * 60000) for s in range(5)])
    before = _rows(tmp_path / "db.sqlite")
    assert db.store("A", [_minute(2, 1, 120000)])[:2] == (0, 0)     # the same record: no warning
    assert db.clashes == []
    got = db.store("A", [_minute(2, 7, 5000, upright=30),          # another boot's record 2
                         _minute(3, 1, 180000, upright=10),        # same boot and time, other counts
                         record.encode_event(4, 1, (240000, events.SLOUCH_START, 150, 0)),  # an event
                         _minute(5, 7, 65000)])                    # really new
    assert got[:2] == (1, 0)
    assert _rows(tmp_path / "db.sqlite") == before + [(5, 7, 65000, 60)]
    assert len(db.clashes) == 3
    assert "record 2" in db.clashes[0] and "boot 1" in db.clashes[0] and "boot 7" in db.clashes[0]
    assert all("kept the stored one" in m for m in db.clashes)
    db.close()


def test_import_of_another_log_under_the_same_id_warns_on_stderr(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    prefill(str(tmp_path / "one"), 1, seed=1)
    prefill(str(tmp_path / "two"), 1, seed=2)
    db = str(tmp_path / "db.sqlite")
    assert main(["import", str(tmp_path / "one"), "--device", "A", "--db", db]) == 0
    assert capsys.readouterr().err == ""
    before = _rows(tmp_path / "db.sqlite")
    assert main(["import", str(tmp_path / "two"), "--device", "A", "--db", db, "--json"]) == 0
    out, err = capsys.readouterr()
    assert "differs from the one the database holds" in err
    assert json.loads(out)["clashes"] > 500
    assert _rows(tmp_path / "db.sqlite")[:len(before)] == before


def test_sync_result_carries_the_clash_warnings(tmp_path: Path) -> None:
    prefill(str(tmp_path / "log"), 1, seed=1)
    db = Database(tmp_path / "db.sqlite")
    db.store("SIM0001", [_minute(3, 99, 1234)])                   # something else already holds 3
    with PtyDevice(str(tmp_path / "log")) as dev, Transport(dev.port, timeout=2.0) as link:
        result = sync(link, db)
    db.close()
    assert len(result.warnings) == 1 and "record 3" in result.warnings[0]
    assert result.as_dict()["warnings"] == result.warnings
