"""Opening the synced database for reading (summary, suggest, report), with clear errors."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime, timedelta
from pathlib import Path

from host.errors import PostureError

SYNC_HINT = "plug in the clip and run `posture sync` (or try `posture demo`)"


def default_db_path() -> Path:
    from host.db import default_path

    return Path(default_path())


def open_for_reading(path: str | Path | None) -> sqlite3.Connection:
    """A read-only connection to the database (default: host.db's location)."""
    p = Path(path) if path is not None else default_db_path()
    if not p.exists():
        raise PostureError("no posture data yet: %s does not exist; %s" % (p, SYNC_HINT))
    try:
        # as_uri() escapes '#', '?' and '%' in the path, which a raw "file:" string would misread
        conn = sqlite3.connect(p.resolve().as_uri() + "?mode=ro", uri=True)
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    except sqlite3.DatabaseError as exc:
        raise PostureError("%s is not a posture database (%s)" % (p, exc)) from exc
    if not {"minutes", "events"} <= tables:
        raise PostureError("%s is not a posture database (no minutes/events tables); %s"
                           % (p, SYNC_HINT))
    return conn


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
