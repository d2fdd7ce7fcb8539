"""The laptop's SQLite database of synced clips (schema in docs/architecture.md).

Besides the contract tables, `anchors(device_id, seq, boot, t_ms, wall)` keeps
every TIME anchor (from the live TIME reply and from TIME records in the log),
so walls can be rebuilt for a boot from its nearest anchor. Records are added
once per (device_id, seq): syncing or importing twice adds nothing. One
writer at a time: `Database.lock()` takes a lock file next to the database and refuses a
second sync or import with a clear error. A record whose
(device_id, seq) is already held by a different record (other boot, time or
values) is never written over: it is left out and reported in `clashes`.

Errors: every sqlite3 error becomes a PostureError through `error_for`, which
says what happened (locked, read-only, disk full, damaged) and what to do. A
file is checked (quick_check, ~60 ms for a year of minutes) before anything is
written to it, so a damaged database is named as damaged and left unchanged.
Before a change to many rows (a newer layout; an erase that leaves this file
the only copy of the records) a whole copy is kept next to it (`name.bak`).
"""

from __future__ import annotations

import bisect
import os
import re
import sqlite3
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, NamedTuple, Sequence

from firmware.log import VOLATILE_SEQ  # seqs from a clip whose drive was read-only
from firmware.ticks import ticks_diff
from host.errors import PostureError
from host.records import Event, Minute, decode as decode_record

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
CREATE TABLE IF NOT EXISTS goal(id INTEGER PRIMARY KEY CHECK(id = 1), upright_pct INTEGER,
    worn_min INTEGER, set_wall REAL);
CREATE TABLE IF NOT EXISTS plans(device_id TEXT, applied_wall REAL, based_on TEXT,
    train_min INTEGER, delay_s INTEGER NULL, reason TEXT, PRIMARY KEY(device_id, applied_wall));
"""

DEVICE_ID = re.compile(r"[A-Za-z0-9_.:-]{1,40}")  # what a clip id may be (HELLO id=, --device)
BUSY_TIMEOUT = 2.0  # seconds to wait for another program's write lock (tests make it short)
WALL_MIN = 1_000_000_000.0   # 2001: anything earlier is not a real clock
WALL_MAX = 4_102_444_800.0   # 2100


def default_path() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir("posture", "posture-clip")) / "posture.sqlite3"


class Stored(NamedTuple):
    """One record in the form the database keeps it, to compare a record the clip sends for a
    seq already held. values: a minute's counts (MINUTE_COLUMNS), an event's (kind, a, b), ()
    for a time anchor."""

    kind: str   # "minute", "event" or "time"
    boot: int
    t_ms: int
    values: tuple[Any, ...]


MINUTE_COLUMNS = ("worn_s", "upright_s", "slouch_s", "moving_s", "lying_s", "mean_flex_d10",
                  "peak_flex_d10", "alerts")
EVENT_COLUMNS = ("kind", "a", "b")


_VALUES = {"minute": len(MINUTE_COLUMNS), "event": len(EVENT_COLUMNS), "time": 0}
_INSERT_MINUTE = ("INSERT INTO minutes(device_id, seq, boot, t_ms, wall, %s) VALUES (?,?,?,?,NULL,%s)"
                  % (", ".join(MINUTE_COLUMNS), ",".join("?" * len(MINUTE_COLUMNS))))
_INSERT_EVENT = ("INSERT INTO events(device_id, seq, boot, t_ms, wall, %s) VALUES (?,?,?,?,NULL,%s)"
                 % (", ".join(EVENT_COLUMNS), ",".join("?" * len(EVENT_COLUMNS))))
_INSERT_ANCHOR = "INSERT OR IGNORE INTO anchors(device_id, seq, boot, t_ms, wall) VALUES (?,?,?,?,?)"


def _try_lock(fd: int) -> bool:
    """Take the OS lock on an open file without waiting; False when another process holds it."""
    try:
        if sys.platform == "win32":
            import msvcrt

            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)   # the file's first byte
        else:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def _unlock(fd: int) -> None:
    try:
        if sys.platform == "win32":
            import msvcrt

            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        else:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_UN)
    except OSError:
        pass   # closing the file releases it too


def _bounded_minute(fields: Sequence[int]) -> tuple[int, ...]:
    """A minute's counts held to the contract (parts <= worn <= 60), whatever the clip sent.
    fields: a Minute, or the same nine values as a plain tuple (the chaos tier's model)."""
    m = fields if isinstance(fields, Minute) else Minute(*fields)
    worn = min(int(m.worn_s), 60)
    left = worn
    parts = []
    for value in (m.upright_s, m.slouch_s, m.moving_s, m.lying_s):
        value = min(int(value), left)
        parts.append(value)
        left -= value
    return (worn, *parts, m.mean_flex_d10, m.peak_flex_d10, m.alerts)


def _clash_message(device_id: str, seq: int, held: Stored, new: Stored) -> str:
    return ("record %d of %s differs from the one the database holds (%s of boot %d at t_ms %d; "
            "the clip sent a %s of boot %d at t_ms %d): kept the stored one"
            % (seq, device_id, held.kind, held.boot, held.t_ms, new.kind, new.boot, new.t_ms))


# PRAGMA user_version of a database laid out as SCHEMA says. 2 added `goal` (the daily goal
# `posture goal` sets; no row: the default) and `plans` (each training plan sync applied).
SCHEMA_VERSION = 2

# SQLite result codes (https://sqlite.org/rescode.html): the primary code is the low byte.
_BUSY, _LOCKED, _NOMEM, _READONLY, _IOERR, _CORRUPT = 5, 6, 7, 8, 10, 11
_FULL, _CANTOPEN, _NOTADB = 13, 14, 26
_READONLY_ROLLBACK = 776  # a hot journal that a read-only connection cannot roll back
CHECK_ROWS = 5  # problems quick_check lists before it stops


def rebuild_hint(path: Path) -> str:
    """How to get the records back when the database file is lost or damaged."""
    hint = ("the clip still holds every record it has not erased: move %s aside (keep it) and run "
            "`posture sync` again to rebuild the database from the clip" % path)
    bak = backup_path(path)
    if bak.is_file():
        hint += "; %s is a copy taken before the last erase or upgrade" % bak
    return hint


def backup_path(path: Path) -> Path:
    return path.with_name(path.name + ".bak")


def check_location(path: Path) -> None:
    """A clear error when the database path names a folder or a device instead of a file."""
    if path.is_dir():
        raise PostureError("%s is a folder, not a database file; give a file name such as %s"
                           % (path, path / "posture.sqlite3"))
    if path.exists() and not path.is_file():
        raise PostureError("%s is not a regular file, so it cannot be a posture database" % path)


def problems(conn: sqlite3.Connection) -> list[str] | None:
    """What SQLite's quick_check finds wrong with the file (None: nothing). Only reads.

    A file too damaged to check counts as damaged; a lock or a disk error is raised as it is.
    """
    try:
        rows = conn.execute("PRAGMA quick_check(%d)" % CHECK_ROWS).fetchall()
    except sqlite3.DatabaseError as exc:
        code = getattr(exc, "sqlite_errorcode", None)
        if isinstance(code, int) and code & 0xFF in (_CORRUPT, _NOTADB):
            return [str(exc)]
        raise
    found = [str(r[0]) for r in rows]
    return None if found == ["ok"] else found


def damaged(path: Path, found: list[str] | None = None) -> PostureError:
    detail = "; ".join(t[:120] for t in (found or [])[:2])
    return PostureError("the database %s is damaged%s and was left as it is; %s"
                        % (path, " (%s)" % detail if detail else "", rebuild_hint(path)))


def interrupted_write(path: Path) -> PostureError:
    return PostureError("a program was stopped while writing %s and left its journal; posture needs "
                        "write access to the file and its folder once to undo that unfinished "
                        "write (nothing committed is lost)" % path)


def error_for(path: Path, exc: sqlite3.Error, conn: sqlite3.Connection | None = None) -> PostureError:
    """The one policy for SQLite errors: what happened to the database and what to do about it."""
    code = getattr(exc, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    name = getattr(exc, "sqlite_errorname", None) or type(exc).__name__
    if primary in (_BUSY, _LOCKED):
        return PostureError("the database %s is locked by another program (a database browser, "
                            "another posture command); close it and try again" % path)
    if code == _READONLY_ROLLBACK:
        return interrupted_write(path)
    if primary == _READONLY:
        return PostureError("the database %s is read-only; make it writable (or give another "
                            "file with --db) to add records" % path)
    if primary == _FULL:
        return PostureError("the disk holding %s is full; the unfinished write was undone, free "
                            "some space and run the command again" % path)
    if primary == _NOMEM:
        return PostureError("out of memory while using the database %s" % path)
    if primary in (_CORRUPT, _NOTADB):
        if primary == _NOTADB and conn is None:
            return PostureError("%s is not a posture database (not an SQLite file, or its first "
                                "page is damaged); %s" % (path, rebuild_hint(path)))
        return damaged(path, [str(exc)])
    try:
        found = problems(conn) if conn is not None else None
    except sqlite3.Error:
        found = None
    if found:
        return damaged(path, found)
    if primary == _IOERR:
        return PostureError("the disk could not read or write %s (%s); check the disk and run the "
                            "command again" % (path, name))
    if primary == _CANTOPEN:
        return PostureError("cannot open the database %s: check that its folder exists and can be "
                            "written" % path)
    return PostureError("database error on %s (%s: %s)" % (path, name, exc))


class Database:
    """The database for writing (sync, import). Opening it checks it first and changes nothing
    in a damaged file; a file that does not exist is created (`created` says so)."""

    def __init__(self, path: str | Path, busy_timeout: float | None = None) -> None:
        self.path = Path(path)
        busy_timeout = BUSY_TIMEOUT if busy_timeout is None else busy_timeout
        check_location(self.path)
        self.created = not self.path.exists()
        conn = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(str(self.path), timeout=busy_timeout)
            self.conn = conn
            if not self.created:
                found = problems(conn)  # also rolls back a hot journal, as any writer would
                if found:
                    raise damaged(self.path, found)
            self._schema()
        except sqlite3.Error as exc:
            if conn is not None:
                conn.close()
            raise error_for(self.path, exc) from None
        except PostureError:
            if conn is not None:
                conn.close()
            raise
        except OSError as exc:
            if conn is not None:
                conn.close()
            raise PostureError("cannot open the database %s: %s" % (self.path, exc.strerror or exc)) from None
        self.clashes: list[str] = []  # records refused: their seq is held by a different record

    def _schema(self) -> None:
        """Create the tables, or bring an older layout up to SCHEMA (after a backup)."""
        c = self.conn
        version = int(c.execute("PRAGMA user_version").fetchone()[0])
        tables = {r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        ours = set(re.findall(r"CREATE TABLE IF NOT EXISTS (\w+)", SCHEMA))
        if version > SCHEMA_VERSION:
            raise PostureError("the database %s was made by a newer posture (layout %d, this one "
                               "knows up to %d): update posture" % (self.path, version, SCHEMA_VERSION))
        if tables and not tables & ours:
            raise PostureError("%s is an SQLite database but not a posture one (its tables: %s); "
                               "give another file with --db" % (self.path, ", ".join(sorted(tables))[:200]))
        if tables >= ours and version == SCHEMA_VERSION:
            return
        if tables and not tables >= ours:
            self.backup()  # an older layout: keep a copy before changing it
        c.executescript(SCHEMA + "PRAGMA user_version=%d;" % SCHEMA_VERSION)

    def backup(self) -> Path:
        """A whole copy next to the database (name.bak), taken before changes to many rows."""
        dest = backup_path(self.path)
        tmp = dest.with_name(dest.name + ".tmp")
        try:
            target = sqlite3.connect(str(tmp))
            try:
                self.conn.backup(target)
            finally:
                target.close()
            os.replace(tmp, dest)
        except (sqlite3.Error, OSError) as exc:
            try:
                tmp.unlink()
            except OSError:
                pass
            raise PostureError("cannot keep a backup of %s at %s (%s); nothing was changed"
                               % (self.path, dest, getattr(exc, "strerror", None) or exc)) from None
        return dest

    def discard_if_unused(self) -> None:
        """After a failure: remove a database this run created and stored no record in."""
        if not self.created:
            return
        try:
            used = self.conn.execute("SELECT (SELECT COUNT(*) FROM minutes) + "
                                     "(SELECT COUNT(*) FROM events)").fetchone()[0]
        except sqlite3.Error:
            return
        if used:
            return
        self.conn.close()
        for p in (self.path, Path(str(self.path) + "-journal"), Path(str(self.path) + ".lock")):
            try:
                p.unlink()
            except OSError:
                pass

    def close(self) -> None:
        self.conn.close()

    @contextmanager
    def lock(self) -> Iterator[None]:
        """Only one sync or import at a time on this database.

        An OS lock on `name.lock` (flock on Linux and macOS, msvcrt.locking on Windows): the
        system drops it when the process ends, however it ends, so a crash never leaves the
        database locked; the file itself stays and means nothing."""
        lock_path = str(self.path) + ".lock"
        try:
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise PostureError("cannot create the lock file %s: %s" % (lock_path, exc)) from None
        try:
            if not _try_lock(fd):
                raise PostureError("another posture sync or import is using %s; wait for it to "
                                   "finish" % self.path)
            try:
                yield
            finally:
                _unlock(fd)
        finally:
            os.close(fd)

    # ---- reading -----------------------------------------------------------
    def _read(self, sql: str, args: tuple[Any, ...] = ()) -> list[Any]:
        try:
            return self.conn.execute(sql, args).fetchall()
        except sqlite3.Error as exc:
            raise error_for(self.path, exc, self.conn) from None

    def acked(self, device_id: str) -> int:
        rows = self._read("SELECT acked_seq FROM sync_state WHERE device_id=?", (device_id,))
        row = rows[0] if rows else None
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

    def set_goal(self, upright_pct: int, worn_min: int, now: float) -> None:
        self._write(lambda: self.conn.execute(
            "INSERT OR REPLACE INTO goal(id, upright_pct, worn_min, set_wall) VALUES (1, ?, ?, ?)",
            (upright_pct, worn_min, now)))

    def reset_goal(self) -> None:
        self._write(lambda: self.conn.execute("DELETE FROM goal"))

    def note_plan(self, device_id: str, now: float, based_on: str | None, train_min: int,
                  delay_s: int | None, reason: str) -> None:
        """What `posture sync` set on the clip (host/plan.py made it)."""
        self._write(lambda: self.conn.execute(
            "INSERT OR REPLACE INTO plans(device_id, applied_wall, based_on, train_min, delay_s, "
            "reason) VALUES (?,?,?,?,?,?)",
            (device_id, now, based_on, train_min, delay_s, reason)))

    def devices(self) -> list[str]:
        return [r[0] for r in self._read("SELECT device_id FROM devices ORDER BY device_id")]

    def counts(self, device_id: str) -> tuple[int, int]:
        m = self._read("SELECT COUNT(*) FROM minutes WHERE device_id=?", (device_id,))
        e = self._read("SELECT COUNT(*) FROM events WHERE device_id=?", (device_id,))
        return int(m[0][0]), int(e[0][0])

    # ---- writing -----------------------------------------------------------
    def _write(self, fn: Callable[..., Any], *args: Any) -> Any:
        try:
            with self.conn:
                return fn(*args)
        except sqlite3.Error as exc:
            raise error_for(self.path, exc, self.conn) from None

    def note_device(self, device_id: str, fw_version: str | None, now: float) -> None:
        def run() -> None:
            self.conn.execute("INSERT OR IGNORE INTO devices(device_id, fw_version, first_seen, "
                              "last_sync) VALUES (?,?,?,NULL)", (device_id, fw_version, now))
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
        minutes = events = 0
        boots: set[int] = set()
        for seq, boot, t_ms, wall in anchors:
            c.execute(_INSERT_ANCHOR, (device_id, seq, boot, t_ms, wall))
            boots.add(boot)
        for raw in records:
            rec = decode_record(raw)
            f = rec.fields
            unix = 0.0   # a TIME record's clock
            if isinstance(f, Minute):
                new = Stored("minute", rec.boot, rec.t_ms, _bounded_minute(f))
            elif isinstance(f, Event):
                new = Stored("event", rec.boot, rec.t_ms, (f.kind, f.a, f.b))
            else:
                unix = float(f)
                if not WALL_MIN <= unix <= WALL_MAX:
                    boots.add(rec.boot)
                    continue
                new = Stored("time", rec.boot, rec.t_ms, ())
            held = self._held(device_id, rec.seq)
            if held is not None:  # never overwrite; a different record under a held seq is news
                if held != new:
                    self.clashes.append(_clash_message(device_id, rec.seq, held, new))
                continue
            boots.add(rec.boot)
            if new.kind == "minute":
                c.execute(_INSERT_MINUTE, (device_id, rec.seq, rec.boot, rec.t_ms) + new.values)
                minutes += 1
            elif new.kind == "event":
                c.execute(_INSERT_EVENT, (device_id, rec.seq, rec.boot, rec.t_ms) + new.values)
                events += 1
            else:
                c.execute(_INSERT_ANCHOR, (device_id, rec.seq, rec.boot, rec.t_ms, unix))
        for boot in boots:
            c.execute("INSERT OR IGNORE INTO boots(device_id, boot, anchor_wall, anchor_ms) "
                      "VALUES (?,?,NULL,NULL)", (device_id, boot))
        if acked is not None and 0 <= acked < VOLATILE_SEQ:
            c.execute("INSERT INTO sync_state(device_id, acked_seq) VALUES (?,?) "
                      "ON CONFLICT(device_id) DO UPDATE "
                      "SET acked_seq=MAX(acked_seq, excluded.acked_seq)", (device_id, acked))
        for boot in boots:
            self._rebuild_walls(device_id, boot)
        return minutes, events, boots

    def _held(self, device_id: str, seq: int) -> Stored | None:
        """What the database holds under (device_id, seq), in the form _store compares."""
        row = self.conn.execute(
            "SELECT 'minute', boot, t_ms, worn_s, upright_s, slouch_s, moving_s, lying_s, "
            "mean_flex_d10, peak_flex_d10, alerts FROM minutes WHERE device_id=?1 AND seq=?2 "
            "UNION ALL SELECT 'event', boot, t_ms, kind, a, b, 0, 0, 0, 0, 0 FROM events "
            "WHERE device_id=?1 AND seq=?2 UNION ALL SELECT 'time', boot, t_ms, 0, 0, 0, 0, 0, 0, "
            "0, 0 FROM anchors WHERE device_id=?1 AND seq=?2", (device_id, seq)).fetchone()
        if row is None:
            return None
        return Stored(row[0], row[1], row[2], tuple(row[3:3 + _VALUES[row[0]]]))

    def _rebuild_walls(self, device_id: str, boot: int) -> None:
        """wall for every record of one boot from its nearest anchor (in seq order).

        Within a boot, ticks are unwrapped in seq order (consecutive records are
        never 3 days apart: a minute summary closes every minute), so anchors
        reach records any distance away. No anchor: walls stay NULL.
        """
        c = self.conn
        anchors = c.execute("SELECT seq, t_ms, wall FROM anchors WHERE device_id=? AND boot=? "
                            "ORDER BY seq", (device_id, boot)).fetchall()
        # A TIME record right after the boot's wake event (sleep, a = 0) is the clip's own, carried
        # across a deep sleep on the IMU's clock (docs/protocol.md): the host's TIME wins over it.
        carried = {seq for (seq,) in c.execute(
            "SELECT seq + 1 FROM events WHERE device_id=? AND boot=? AND kind='sleep' AND a=0",
            (device_id, boot))}
        if any(a[0] not in carried for a in anchors):
            anchors = [a for a in anchors if a[0] not in carried]
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
                u += ticks_diff(t_ms, prev)
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
