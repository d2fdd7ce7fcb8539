"""`posture sync`: pull the clip's new records into the local database and set its clock."""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import time
from pathlib import Path
from typing import Any, Callable

from host.commands import count
from host.commands.config import _wire, get
from host.db import Database, check_location, default_path
from host.devices import add_port_arguments, open_link
from host.errors import PostureError
from host.sync import sync
from host.transport import CorruptReply, Refused, Transport

NAME = "sync"
HELP = "Copy new records from the clip into the local database (resumable; sets the clip's clock)."
PROGRESS_FROM = 2000  # records: show a progress bar on syncs longer than this


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_port_arguments(p)
    p.add_argument("--db", metavar="FILE", help="database file (default: %s)" % default_path())
    p.add_argument("--erase", action="store_true",
                   help="afterwards free the clip's flash of everything now in the database")
    p.add_argument("--no-plan", action="store_true",
                   help="do not send the training plan (POSTURE_TRAIN_MIN) to the clip afterwards")
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
            plan = None if args.no_plan else apply_plan(link, db, result.device_id, time.time())
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


UNSUPPORTED = ("the clip's firmware does not support the training plan yet; run `posture deploy` "
               "(the synced records are safe)")


def apply_plan(link: Transport, db: Database, device_id: str, now: float,
               tz: Any = None) -> dict[str, Any]:
    """After a good sync: work out the training plan from the database and SET it on the clip
    (the SET path `posture config` uses), then record what was applied.

    Never fails the sync: the records are already committed. A clip whose firmware does not
    know POSTURE_TRAIN_MIN answers ERR (unknown setting): the result says to run deploy. A
    refusal or a dropped link is reported the same way, and the next sync tries again.
    """
    from host import plan as pl
    from host.goals import read_goal
    from host.summary import local_date

    try:
        goal = read_goal(db.conn)
        now_plan = pl.current(db.conn, device_id, tz)
        days = pl.measured_days(db.conn, local_date(now, tz), tz, goal)
        try:
            delay = int(get(link, pl.DELAY_KEY))
        except (ValueError, Refused):
            delay = None
        nxt = pl.next_plan(days, None if now_plan is None else now_plan["train_min"], delay, goal,
                           None if now_plan is None else now_plan["based_on"])
    except sqlite3.Error as exc:
        return {"status": "not applied", "message": "training plan not applied: %s" % exc}
    except PostureError as exc:
        return {"status": "not applied", "message": "training plan not applied (%s); the next "
                "sync tries again" % exc}
    sent = [(pl.TRAIN_KEY, nxt["train_min"])]
    if nxt["delay_s"] is not None:
        sent.append((pl.DELAY_KEY, nxt["delay_s"]))
    for i, (key, value) in enumerate(sent):
        try:
            link.request("SET %s %s" % (key, _wire(value)), "SET")
        except Refused as exc:
            if i == 0 and "unknown setting" in str(exc):
                return {"status": "unsupported", "message": UNSUPPORTED, "plan": nxt}
            return {"status": "refused", "plan": nxt,
                    "message": "the clip refused the training plan's %s %s (%s); the synced "
                               "records are safe" % (key, value, str(exc).split(": ", 1)[-1])}
        except PostureError as exc:
            return {"status": "not applied", "plan": nxt,
                    "message": "training plan not applied (%s); the synced records are safe and "
                               "the next sync tries again" % exc}
    db.note_plan(device_id, now, nxt["based_on"], nxt["train_min"], nxt["delay_s"], nxt["reason"])
    return {"status": "applied", "plan": nxt,
            "message": "training plan: %d min a day (%s %d)%s. %s" % (
                nxt["train_min"], pl.TRAIN_KEY, nxt["train_min"],
                "" if nxt["delay_s"] is None else ", alert after %d s" % nxt["delay_s"],
                nxt["reason"])}


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
