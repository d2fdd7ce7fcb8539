"""End to end through a pseudo-terminal: the real protocol and log on one side, pyserial on the other."""

from __future__ import annotations

import random
import shutil
import sqlite3
from pathlib import Path

import pytest

from host.db import Database
from host.errors import PostureError
from host.sim.ptydevice import PtyDevice, prefill
from host.sync import sync
from host.transport import Transport

START = 1_760_000_000
CLOCK = iter(range(1_770_000_000, 1_870_000_000, 7))


def now() -> float:
    return float(next(CLOCK))


def tables(db_path: Path) -> tuple[list, list]:
    conn = sqlite3.connect(db_path)
    try:
        minutes = conn.execute("SELECT * FROM minutes ORDER BY seq").fetchall()
        events = conn.execute("SELECT * FROM events ORDER BY seq").fetchall()
    finally:
        conn.close()
    return minutes, events


def do_sync(log_dir: Path, db_path: Path, **dev_kw: object) -> dict:
    with PtyDevice(str(log_dir), **dev_kw) as dev:  # type: ignore[arg-type]
        db = Database(db_path)
        try:
            with db.lock(), Transport(dev.port, timeout=2.0) as link:
                return sync(link, db, now=now, chunk=400).as_dict()
        finally:
            db.close()


@pytest.fixture(scope="module")
def three_days(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("three")
    prefill(str(root / "log"), 2, start_unix=START)
    prefill(str(root / "log"), 1, start_unix=START, anchored=False, seed=2)  # never anchored
    return root / "log"


@pytest.fixture(scope="module")
def clean(three_days: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[list, list]:
    root = tmp_path_factory.mktemp("clean")
    shutil.copytree(three_days, root / "log")
    first = do_sync(root / "log", root / "db.sqlite")
    assert first["new_minutes"] == 1800
    return tables(root / "db.sqlite")


def test_clean_sync_rebuilds_walls_and_marks_unknown(clean: tuple[list, list]) -> None:
    minutes, events = clean
    assert len(minutes) == 1800 and len(events) > 150
    boots = sorted({m[2] for m in minutes})
    assert len(boots) == 3
    for day, boot in enumerate(boots[:2]):
        walls = [m[4] for m in minutes if m[2] == boot]
        assert walls[0] == START + day * 86400 + 60 and walls[-1] == START + day * 86400 + 36000
    assert all(m[4] is None for m in minutes if m[2] == boots[2])


def test_second_sync_adds_nothing(three_days: Path, tmp_path: Path, clean: tuple[list, list]) -> None:
    shutil.copytree(three_days, tmp_path / "log")
    do_sync(tmp_path / "log", tmp_path / "db.sqlite")
    again = do_sync(tmp_path / "log", tmp_path / "db.sqlite")
    assert again["new_minutes"] == 0 and again["new_events"] == 0
    assert tables(tmp_path / "db.sqlite") == clean


@pytest.mark.parametrize("seed", range(6))
def test_sync_cut_at_random_points_and_resumed_equals_a_clean_sync(
        seed: int, three_days: Path, tmp_path: Path, clean: tuple[list, list]) -> None:
    rng = random.Random(seed)
    shutil.copytree(three_days, tmp_path / "log")
    cuts = 0
    for _ in range(40):
        try:
            do_sync(tmp_path / "log", tmp_path / "db.sqlite", unplug_after=rng.randrange(50, 60000))
            break
        except PostureError as exc:
            assert "went away" in str(exc) or "no reply" in str(exc) or "no HELLO" in str(exc) \
                or "corrupt" in str(exc)
            cuts += 1
    else:
        do_sync(tmp_path / "log", tmp_path / "db.sqlite")
    assert cuts >= 1
    assert tables(tmp_path / "db.sqlite") == clean


def test_a_second_sync_at_the_same_time_is_refused(three_days: Path, tmp_path: Path) -> None:
    db = Database(tmp_path / "db.sqlite")
    with db.lock():
        with pytest.raises(PostureError, match="another posture sync"):
            with Database(tmp_path / "db.sqlite").lock():
                pass


def test_no_device_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(PostureError, match="cannot open"):
        Transport(str(tmp_path / "ttyNOPE"))


class ReadOnlyStorage:
    """The log directory as the clip sees it while the laptop holds the drive: readable, not writable."""

    def __init__(self, inner: object) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> object:
        if name in ("append", "write", "remove", "rename", "ensure_dir"):
            def refuse(*_a: object, **_k: object) -> None:
                raise OSError(30, "read-only filesystem")
            return refuse
        return getattr(self.inner, name)


def test_records_of_a_read_only_boot_and_of_later_boots_all_arrive(tmp_path: Path) -> None:
    from firmware import events
    from host.sim.ptydevice import storage_for

    log_dir = tmp_path / "log"
    prefill(str(log_dir), 1, start_unix=START)
    db_path = tmp_path / "db.sqlite"
    ro = ReadOnlyStorage(storage_for(str(log_dir)))
    with PtyDevice(str(log_dir), storage=ro) as dev:
        assert dev.log.readonly
        with dev.lock:
            for i in range(30):
                dev.log.minute((i * 60000, 60, 60, 0, 0, 0, 10, 20, 0))
            dev.log.event((31 * 60000, events.SLOUCH_END, 40000, 250))
            dev.log.flush()
        db = Database(db_path)
        with Transport(dev.port, timeout=2.0) as link:
            first = sync(link, db, now=now)
        db.close()
    assert first.new_minutes == 600 + 30
    # the next start can write again: its records come after, and none is taken for a duplicate
    with PtyDevice(str(log_dir)) as dev:
        assert not dev.log.readonly
        with dev.lock:
            for i in range(20):
                dev.log.minute((i * 60000, 60, 50, 10, 0, 0, 10, 20, 0))
            dev.log.flush()
        db = Database(db_path)
        with Transport(dev.port, timeout=2.0) as link:
            second = sync(link, db, now=now)
        assert second.new_minutes == 20
        assert db.acked(second.device_id) < 0x800000
        db.close()


class FailingAppends:
    """The log directory with a flash that fails segment writes with an I/O error (not read-only)."""

    def __init__(self, inner: object) -> None:
        self.inner = inner
        self.broken = True

    def append(self, *args: object) -> None:
        if self.broken:
            raise OSError(5, "I/O error")
        self.inner.append(*args)  # type: ignore[attr-defined]

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)


def test_ram_records_taken_after_a_failed_flush_are_not_renumbered_after_a_power_cut(
        tmp_path: Path) -> None:
    from host.sim.ptydevice import storage_for

    log_dir = tmp_path / "log"
    db_path = tmp_path / "db.sqlite"
    flaky = FailingAppends(storage_for(str(log_dir)))
    with PtyDevice(str(log_dir), storage=flaky) as dev:
        with dev.lock:
            flaky.broken = False
            for i in range(10):
                dev.log.minute((i * 60000, 60, 60, 0, 0, 0, 10, 20, 0))
            dev.log.flush()                        # 0..9 (and the BOOT-less start) on the flash
            flaky.broken = True
            for i in range(10, 20):
                dev.log.minute((i * 60000, 60, 55, 5, 0, 0, 10, 20, 0))
            assert not dev.log.flush()             # 10..19 only in RAM
        # the power goes right after the host committed, before the clip saved the ACK
        dev.protocol.commands["ACK"] = lambda args: dev.protocol._send("OK ACK %s" % args[0])
        db = Database(db_path)
        with Transport(dev.port, timeout=2.0) as link:
            first = sync(link, db, now=now)
        db.close()
    assert first.new_minutes == 20
    with PtyDevice(str(log_dir)) as dev:           # restarted from the flash
        assert dev.log.next_seq > first.acked
        with dev.lock:
            for i in range(7):
                dev.log.minute((i * 60000, 60, 40, 20, 0, 0, 10, 20, 0))
            dev.log.flush()
        db = Database(db_path)
        with Transport(dev.port, timeout=2.0) as link:
            second = sync(link, db, now=now)
        db.close()
    assert second.new_minutes == 7
    minutes, _events = tables(db_path)
    assert len(minutes) == 27 and [m[5:8] for m in minutes[-7:]] == [(60, 40, 20)] * 7
