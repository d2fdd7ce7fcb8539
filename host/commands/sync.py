"""`posture sync`: pull the clip's new records into the local database and set its clock."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, Callable

from host.db import Database, default_path
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
    db = Database(args.db or default_path())
    progress, bar = _progress_bar() if not args.json else (None, None)
    try:
        with db.lock(), open_link(args.port, args.timeout) as link:
            result = sync(link, db, progress=progress)
            erased = erase_synced(link, result.acked) if args.erase else None
    finally:
        if bar is not None:
            bar.stop()
        db.close()
    db.warn_clashes()
    if args.json:
        out = result.as_dict()
        out["db"] = str(db.path)
        out["erased_to"] = erased
        sys.stdout.write(json.dumps(out) + "\n")
    else:
        sys.stdout.write("synced %s (firmware %s): %d new minutes, %d new events; clock set; "
                         "database %s\n" % (result.device_id, result.fw_version, result.new_minutes,
                                            result.new_events, db.path))
        if erased is not None:
            sys.stdout.write("the clip's flash is freed up to record %d\n" % erased)
    return 0


def erase_synced(link: Transport, acked: int) -> int:
    """ERASE what the clip has acknowledged; returns the seq erased to (-1: nothing yet)."""
    if acked < 0:
        return -1
    reply = link.request("ERASE %d" % acked, "OK ERASE").split()
    try:
        return int(reply[2])
    except (IndexError, ValueError):
        raise CorruptReply("the clip's reply to ERASE was malformed") from None
