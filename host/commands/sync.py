"""`posture sync`: pull the clip's new records into the local database and set its clock."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any, Callable

from host.commands import count, options
from host.errors import PostureError

NAME = "sync"
HELP = "Copy new records from the clip into the local database (resumable; sets the clip's clock)."
PROGRESS_FROM = 2000  # records: show a progress bar on syncs longer than this


def add_arguments(p: argparse.ArgumentParser) -> None:
    options.add_port(p)
    options.add_db(p, writes=True)
    p.add_argument("--erase", action="store_true",
                   help="afterwards free the clip's flash of everything now in the database")
    p.add_argument("--no-plan", action="store_true",
                   help="do not send the training plan (POSTURE_TRAIN_MIN) to the clip afterwards")
    options.add_json(p)


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
    from host.db import Database, check_location, default_path
    from host.sync import LogWasReset, apply_plan, erase_synced, sync

    path = Path(args.db) if args.db else default_path()
    check_location(path)
    # the clip first: with no clip (or a port that will not open) nothing is created on disk
    with options.open_clip(args) as clip:
        db = Database(path)
        progress, bar = _progress_bar() if not args.json else (None, None)
        ok = False
        try:
            with db.lock():
                try:
                    result = sync(clip, db, progress=progress)
                except LogWasReset as exc:
                    raise PostureError("%s with --db" % exc) from None
                erased = erase_synced(clip, result.acked, db) if args.erase else None
            ok = True
            plan = None if args.no_plan else apply_plan(clip, db, result.device_id, time.time())
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
        out["plan"] = plan
        sys.stdout.write(json.dumps(out) + "\n")
    else:
        sys.stdout.write("synced %s (firmware %s): %s, %s; clock set; database %s\n"
                         % (result.device_id, result.fw_version, count(result.new_minutes, "new minute"),
                            count(result.new_events, "new event"), db.path))
        if erased is not None:
            sys.stdout.write("the clip's flash is freed up to record %d\n" % erased)
        if plan is not None:
            sys.stdout.write(plan["message"] + "\n")
    return 0
