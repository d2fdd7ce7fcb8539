"""`posture sync`: pull the clip's new records into the local database and set its clock."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, Callable

from host.db import Database, default_path
from host.devices import add_port_arguments, open_link
from host.sync import sync

NAME = "sync"
HELP = "Copy new records from the clip into the local database (resumable; sets the clip's clock)."
PROGRESS_FROM = 2000  # records: show a progress bar on syncs longer than this


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_port_arguments(p)
    p.add_argument("--db", metavar="FILE", help="database file (default: %s)" % default_path())
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
    finally:
        if bar is not None:
            bar.stop()
        db.close()
    if args.json:
        out = result.as_dict()
        out["db"] = str(db.path)
        sys.stdout.write(json.dumps(out) + "\n")
    else:
        sys.stdout.write("synced %s (firmware %s): %d new minutes, %d new events; clock set; "
                         "database %s\n" % (result.device_id, result.fw_version, result.new_minutes,
                                            result.new_events, db.path))
    return 0
