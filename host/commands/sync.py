"""`posture sync`: pull the clip's new records into the local database and set its clock."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Callable

from host.commands import count
from host.db import Database, check_location, default_path
from host.devices import add_port_arguments, open_link
from host.sync import sync
from host.transport import CorruptReply, Transport

NAME = "sync"
HELP = "Copy new records from the clip into the local database (resumable; sets the clip's clock)."
PROGRESS_FROM = 2000  # records: show a progress bar on syncs longer than this


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_port_arguments(p)
    p.add_argument("--db", metavar="FILE", help="database file (default: %s)" % default_path())
    p.add_argument("--erase", action="store_true",
                   help="afterwards free the clip's flash of everything now in the database")
    p.add_argument("--json", action="store_true", help="print the result as JSON")


def _progress_bar() -> tuple[Callable[[int, int], None] | None, Any]:
    if not sys.stderr.isatty():
        return None, None
    from rich.progress import Progress

    bar = Progress(transient=True)
    state: dict[str, Any] = {}

    def update(done: int, total: int) -> None:
        if "task" not in state:
            if total < PROGRESS_FROM:
                return
            bar.start()
            state["task"] = bar.add_task("syncing", total=total)
        bar.update(state["task"], completed=done, total=total)
    return update, bar


def run(args: argparse.Namespace) -> int:
    path = Path(args.db) if args.db else default_path()
    check_location(path)
    # the clip first: with no clip (or a port that will not open) nothing is created on disk
    with open_link(args.port, args.timeout) as link:
        db = Database(path)
        progress, bar = _progress_bar() if not args.json else (None, None)
        ok = False
        try:
            with db.lock():
                result = sync(link, db, progress=progress)
                erased = erase_synced(link, result.acked, db) if args.erase else None
            ok = True
        finally:
            if bar is not None:
                bar.stop()
            if not ok:
                db.discard_if_unused()
            db.close()
    db.warn_clashes()
    if args.json:
        out = result.as_dict()
        out["db"] = str(db.path)
        out["erased_to"] = erased
        sys.stdout.write(json.dumps(out) + "\n")
    else:
        sys.stdout.write("synced %s (firmware %s): %s, %s; clock set; database %s\n"
                         % (result.device_id, result.fw_version, count(result.new_minutes, "new minute"),
                            count(result.new_events, "new event"), db.path))
        if erased is not None:
            sys.stdout.write("the clip's flash is freed up to record %d\n" % erased)
    return 0


def erase_synced(link: Transport, acked: int, db: Database | None = None) -> int:
    """ERASE what the clip has acknowledged; returns the seq erased to (-1: nothing yet).

    After the erase the database is the only copy of those records, so a whole copy of it
    is kept first (name.bak next to it).
    """
    if acked < 0:
        return -1
    if db is not None:
        db.backup()
    reply = link.request("ERASE %d" % acked, "OK ERASE").split()
    try:
        return int(reply[2])
    except (IndexError, ValueError):
        raise CorruptReply("the clip's reply to ERASE was malformed") from None
