"""Opening the synced database for reading (summary, suggest, report), with clear errors."""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Iterator

from host.db import _READONLY_ROLLBACK, BUSY_TIMEOUT, check_location, damaged, error_for, interrupted_write, problems
from host.errors import PostureError

SYNC_HINT = "plug in the clip and run `posture sync` (or try `posture demo`)"


def default_db_path() -> Path:
    from host.db import default_path

    return Path(default_path())


def open_for_reading(path: str | Path | None) -> sqlite3.Connection:
    """A read-only connection to a checked database (default: host.db's location).

    Reading never changes the file, with one exception SQLite itself requires: a journal
    left by a program stopped in the middle of a write ("hot journal") is rolled back
    first, which restores the last committed state; a read-only connection cannot do it.
    """
    p = Path(path) if path is not None else default_db_path()
    check_location(p)
    if not p.exists():
        raise PostureError("no posture data yet: %s does not exist; %s" % (p, SYNC_HINT))
    try:
        conn = _connect(p)
    except sqlite3.Error as exc:
        if getattr(exc, "sqlite_errorcode", None) != _READONLY_ROLLBACK:
            raise error_for(p, exc) from None
        _roll_back_hot_journal(p)
        try:
            conn = _connect(p)
        except sqlite3.Error as exc2:
            raise error_for(p, exc2) from None
    return conn


def _connect(p: Path) -> sqlite3.Connection:
    # as_uri() escapes '#', '?' and '%' in the path, which a raw "file:" string would misread
    conn = sqlite3.connect(p.resolve().as_uri() + "?mode=ro", uri=True)
    try:
        found = problems(conn)
        if found:
            raise damaged(p, found)
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    except BaseException:
        conn.close()
        raise
    if not {"minutes", "events"} <= tables:
        conn.close()
        raise PostureError("%s is not a posture database (no minutes/events tables); %s"
                           % (p, SYNC_HINT))
    return conn


def _roll_back_hot_journal(p: Path) -> None:
    """Open for writing once, so SQLite undoes the interrupted write from its journal."""
    try:
        rw = sqlite3.connect(str(p), timeout=BUSY_TIMEOUT)
        try:
            rw.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
        finally:
            rw.close()
    except sqlite3.Error as exc:
        code = getattr(exc, "sqlite_errorcode", None)
        if isinstance(code, int) and code & 0xFF in (8, 14):  # READONLY, CANTOPEN
            raise interrupted_write(p) from None
        raise error_for(p, exc) from None


@contextmanager
def reading(path: str | Path | None) -> Iterator[sqlite3.Connection]:
    """The checked read-only connection; any SQLite error inside becomes a PostureError."""
    p = Path(path) if path is not None else default_db_path()
    conn = open_for_reading(p)
    try:
        yield conn
    except sqlite3.Error as exc:
        raise error_for(p, exc, conn) from None
    finally:
        conn.close()


def require_data(conn: sqlite3.Connection) -> None:
    """PostureError when nothing usable has been synced yet."""
    total = conn.execute("SELECT COUNT(*) FROM minutes").fetchone()[0]
    if total == 0:
        raise PostureError("no posture records yet; %s" % SYNC_HINT)
    anchored = conn.execute("SELECT COUNT(*) FROM minutes WHERE wall IS NOT NULL").fetchone()[0]
    if anchored == 0:
        raise PostureError(
            "%d minutes are synced but none has a wall time (the clip was never given the "
            "time during those boots), so they cannot be placed on days; run `posture sync` "
            "while the clip is running so new records are anchored" % total)


def parse_date(text: str, today: date | None = None) -> date:
    today = today or datetime.now().date()
    t = text.strip().lower()
    if t == "today":
        return today
    if t == "yesterday":
        return today - timedelta(days=1)
    try:
        return date.fromisoformat(t)
    except ValueError as exc:
        raise PostureError("%r is not a date (use YYYY-MM-DD, today or yesterday)" % text) from exc
