"""The laptop's SQLite database of synced clips (schema in docs/architecture.md).

Besides the contract tables, `anchors(device_id, seq, boot, t_ms, wall)` keeps
every TIME anchor (from the live TIME reply and from TIME records in the log),
so walls can be rebuilt for a boot from its nearest anchor. Records are added
once per (device_id, seq): syncing or importing twice adds nothing. One
writer at a time: `Database.lock()` takes a lock file next to the database and refuses a second sync or import with a clear error. A record whose
(device_id, seq) is already held by a different record (other boot, time or
values) is never written over: it is left out and reported in `clashes`.
"""

from __future__ import annotations

import bisect
import os
import re
import sqlite3
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from contextlib import contextmanager

from firmware.log import VOLATILE_SEQ  # seqs from a clip whose drive was read-only
from firmware import record
from firmware.record import TICKS_MASK
from host.errors import PostureError

SCHEMA = """
CREATE TABLE IF NOT EXISTS devices(device_id TEXT PRIMARY KEY, fw_version TEXT, first_seen REAL,
    last_sync REAL);
CREATE TABLE IF NOT EXISTS boots(device_id TEXT, boot INTEGER, anchor_wall REAL, anchor_ms INTEGER,
    PRIMARY KEY(device_id, boot));
CREATE TABLE IF NOT EXISTS minutes(device_id TEXT, seq INTEGER, boot INTEGER, t_ms INTEGER,
    wall REAL NULL, worn_s INTEGER, upright_s INTEGER, slouch_s INTEGER, moving_s INTEGER,
    lying_s INTEGER, mean_flex_d10 INTEGER, peak_flex_d10 INTEGER, alerts INTEGER,
    PRIMARY KEY(device_id, seq));
CREATE TABLE IF NOT EXISTS events(device_id TEXT, seq INTEGER, boot INTEGER, t_ms INTEGER,
    wall REAL NULL, kind TEXT, a INTEGER, b INTEGER, PRIMARY KEY(device_id, seq));
CREATE TABLE IF NOT EXISTS sync_state(device_id TEXT PRIMARY KEY, acked_seq INTEGER);
CREATE TABLE IF NOT EXISTS anchors(device_id TEXT, seq INTEGER, boot INTEGER, t_ms INTEGER,
    wall REAL, PRIMARY KEY(device_id, seq));
"""

DEVICE_ID = re.compile(r"[A-Za-z0-9_.:-]{1,40}")  # what a clip id may be (HELLO id=, --device)
BUSY_TIMEOUT = 2.0  # seconds to wait for another program's write lock (tests make it short)
WALL_MIN = 1_000_000_000.0   # 2001: anything earlier is not a real clock
WALL_MAX = 4_102_444_800.0   # 2100


def default_path() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir("posture", "posture-clip")) / "posture.sqlite3"


def _bounded_minute(fields: Any) -> tuple[int, ...]:
    """A minute's counts held to the contract (parts <= worn <= 60), whatever the clip sent."""
    worn = min(int(fields[1]), 60)
    left = worn
    parts = []
    for value in fields[2:6]:
        value = min(int(value), left)
        parts.append(value)
        left -= value
    return (worn, *parts, *fields[6:9])


def _clash_message(device_id: str, seq: int, held: tuple[Any, ...], new: tuple[Any, ...]) -> str:
    return ("record %d of %s differs from the one the database holds (%s of boot %d at t_ms %d; "
            "the clip sent a %s of boot %d at t_ms %d): kept the stored one"
            % (seq, device_id, held[0], held[1], held[2], new[0], new[1], new[2]))


class Database:
    def __init__(self, path: str | Path, busy_timeout: float | None = None) -> None:
        self.path = Path(path)
        busy_timeout = BUSY_TIMEOUT if busy_timeout is None else busy_timeout
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.conn = sqlite3.connect(str(self.path), timeout=busy_timeout)
            self.conn.executescript(SCHEMA)
        except (sqlite3.Error, OSError) as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise PostureError("the database %s is locked by another program" % self.path) from None
            raise PostureError("cannot open the database %s: %s" % (self.path, exc)) from None
        self.clashes: list[str] = []  # records refused: their seq is held by a different record

    def close(self) -> None:
        self.conn.close()

    @contextmanager
    def lock(self) -> Iterator[None]:
        """Only one sync or import at a time on this database."""
        import fcntl

        lock_path = str(self.path) + ".lock"
        try:
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise PostureError("cannot create the lock file %s: %s" % (lock_path, exc)) from None
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                raise PostureError("another posture sync or import is using %s; wait for it to "
                                   "finish" % self.path) from None
            yield
        finally:
            os.close(fd)

    # ---- reading -----------------------------------------------------------
    def acked(self, device_id: str) -> int:
        row = self.conn.execute("SELECT acked_seq FROM sync_state WHERE device_id=?",
                                (device_id,)).fetchone()
        return -1 if row is None else int(row[0])

    def warn_clashes(self, since: int = 0, shown: int = 5) -> None:
        """The clash messages from `since` on, on stderr (the first few and a count)."""
        import sys

        new = self.clashes[since:]
        for text in new[:shown]:
            sys.stderr.write("posture: warning: %s\n" % text)
        if len(new) > shown:
            sys.stderr.write("posture: warning: %d more records clashed with held ones the same way\n"
                             % (len(new) - shown))

    def devices(self) -> list[str]:
        return [r[0] for r in self.conn.execute("SELECT device_id FROM devices ORDER BY device_id")]

    def counts(self, device_id: str) -> tuple[int, int]:
        m = self.conn.execute("SELECT COUNT(*) FROM minutes WHERE device_id=?", (device_id,))
        e = self.conn.execute("SELECT COUNT(*) FROM events WHERE device_id=?", (device_id,))
        return int(m.fetchone()[0]), int(e.fetchone()[0])

    # ---- writing -----------------------------------------------------------
    def _write(self, fn: Callable[..., Any], *args: Any) -> Any:
        try:
            with self.conn:
                return fn(*args)
        except sqlite3.OperationalError as exc:
            text = str(exc)
            if "locked" in text or "busy" in text:
                raise PostureError("the database %s is locked by another program" % self.path) from None
            if "readonly" in text.replace(" ", "").replace("-", ""):
                raise PostureError("the database %s is read-only" % self.path) from None
            raise PostureError("database error on %s: %s" % (self.path, text)) from None

    def note_device(self, device_id: str, fw_version: str | None, now: float) -> None:
        def run() -> None:
            self.conn.execute("INSERT OR IGNORE INTO devices VALUES (?,?,?,NULL)",
                              (device_id, fw_version, now))
            if fw_version is not None:
                self.conn.execute("UPDATE devices SET fw_version=? WHERE device_id=?",
                                  (fw_version, device_id))
        self._write(run)

    def finish_sync(self, device_id: str, now: float) -> None:
        self._write(lambda: self.conn.execute(
            "UPDATE devices SET last_sync=? WHERE device_id=?", (now, device_id)))

    def store(self, device_id: str, records: Iterable[bytes], acked: int | None = None,
              anchors: Iterable[tuple[int, int, int, float]] = ()) -> tuple[int, int, set[int]]:
        """Add raw records (and live anchors (seq, boot, t_ms, wall)) in one transaction.

        Also moves sync_state to `acked` (never backwards, never into the volatile range).
        Returns (new minutes, new events, boots touched).
        """
        return self._write(self._store, device_id, list(records), acked, list(anchors))

    def _store(self, device_id: str, records: list[bytes], acked: int | None,
               anchors: list[tuple[int, int, int, float]]) -> tuple[int, int, set[int]]:
        c = self.conn
        before = c.total_changes
        minutes = events = 0
        boots: set[int] = set()
        for seq, boot, t_ms, wall in anchors:
            c.execute("INSERT OR IGNORE INTO anchors VALUES (?,?,?,?,?)",
                      (device_id, seq, boot, t_ms, wall))
            boots.add(boot)
        for raw in records:
            rtype, seq, boot, t_ms, fields = record.decode(raw)
            if rtype == record.T_MINUTE:
                new: tuple[Any, ...] = ("minute", boot, t_ms) + _bounded_minute(fields)
            elif rtype == record.T_EVENT:
                new = ("event", boot, t_ms) + tuple(fields[1:])
            elif WALL_MIN <= float(fields) <= WALL_MAX:
                new = ("time", boot, t_ms)
            else:
                boots.add(boot)
                continue
            held = self._held(device_id, seq)
            if held is not None:  # never overwrite; a different record under a held seq is news
                if held != new:
                    self.clashes.append(_clash_message(device_id, seq, held, new))
                continue
            boots.add(boot)
            if new[0] == "minute":
                c.execute("INSERT INTO minutes VALUES (?,?,?,?,NULL,?,?,?,?,?,?,?,?)",
                          (device_id, seq) + new[1:])
                minutes += 1
            elif new[0] == "event":
                c.execute("INSERT INTO events VALUES (?,?,?,?,NULL,?,?,?)", (device_id, seq) + new[1:])
                events += 1
            else:
                c.execute("INSERT OR IGNORE INTO anchors VALUES (?,?,?,?,?)",
                          (device_id, seq, boot, t_ms, float(fields)))
        for boot in boots:
            c.execute("INSERT OR IGNORE INTO boots VALUES (?,?,NULL,NULL)", (device_id, boot))
        if acked is not None and 0 <= acked < VOLATILE_SEQ:
            c.execute("INSERT INTO sync_state VALUES (?,?) ON CONFLICT(device_id) DO UPDATE "
                      "SET acked_seq=MAX(acked_seq, excluded.acked_seq)", (device_id, acked))
        for boot in boots:
            self._rebuild_walls(device_id, boot)
        return minutes, events, boots

    def _held(self, device_id: str, seq: int) -> tuple[Any, ...] | None:
        """What the database holds under (device_id, seq), in the form _store compares."""
        row = self.conn.execute(
            "SELECT 'minute', boot, t_ms, worn_s, upright_s, slouch_s, moving_s, lying_s, "
            "mean_flex_d10, peak_flex_d10, alerts FROM minutes WHERE device_id=?1 AND seq=?2 "
            "UNION ALL SELECT 'event', boot, t_ms, kind, a, b, 0, 0, 0, 0, 0 FROM events "
            "WHERE device_id=?1 AND seq=?2 UNION ALL SELECT 'time', boot, t_ms, 0, 0, 0, 0, 0, 0, "
            "0, 0 FROM anchors WHERE device_id=?1 AND seq=?2", (device_id, seq)).fetchone()
        if row is None:
            return None
        return tuple(row[:{"minute": 11, "event": 6, "time": 3}[row[0]]])

    def _rebuild_walls(self, device_id: str, boot: int) -> None:
        """wall for every record of one boot from its nearest anchor (in seq order).

        Within a boot, ticks are unwrapped in seq order (consecutive records are
        never 3 days apart: a minute summary closes every minute), so anchors
        reach records any distance away. No anchor: walls stay NULL.
        """
        c = self.conn
        anchors = c.execute("SELECT seq, t_ms, wall FROM anchors WHERE device_id=? AND boot=? "
                            "ORDER BY seq", (device_id, boot)).fetchall()
        if not anchors:
            return
        last = anchors[-1]
        c.execute("UPDATE boots SET anchor_wall=?, anchor_ms=? WHERE device_id=? AND boot=?",
                  (last[2], last[1], device_id, boot))
        rows = c.execute(
            "SELECT seq, t_ms, 'm' FROM minutes WHERE device_id=? AND boot=? UNION ALL "
            "SELECT seq, t_ms, 'e' FROM events WHERE device_id=? AND boot=? UNION ALL "
            "SELECT seq, t_ms, 'a' FROM anchors WHERE device_id=? AND boot=? ORDER BY 1",
            (device_id, boot) * 3).fetchall()
        unwrapped: dict[int, int] = {}
        u = prev = None
        for seq, t_ms, _src in rows:
            if u is None or prev is None:
                u = t_ms
            else:  # signed: a back-dated event is a small step back, not a wrap
                step = (t_ms - prev) & TICKS_MASK
                u += step - (1 << 29) if step >= 1 << 28 else step
            prev = t_ms
            unwrapped[seq] = u
        a_seqs = [a[0] for a in anchors]
        updates: dict[str, list[tuple[float, str, int]]] = {"m": [], "e": []}
        for seq, _t, src in rows:
            if src == "a":
                continue
            i = bisect.bisect_left(a_seqs, seq)
            near = [j for j in (i - 1, i) if 0 <= j < len(anchors)]
            j = min(near, key=lambda k: abs(a_seqs[k] - seq))
            wall = anchors[j][2] + (unwrapped[seq] - unwrapped[a_seqs[j]]) / 1000.0
            updates[src].append((wall, device_id, seq))
        c.executemany("UPDATE minutes SET wall=? WHERE device_id=? AND seq=?", updates["m"])
        c.executemany("UPDATE events SET wall=? WHERE device_id=? AND seq=?", updates["e"])
