"""`posture import PATH`: add a log copied off the CIRCUITPY drive to the database (same dedup as sync).

The clip is named by the UID line of boot_out.txt on its drive, the same id its data channel
sends, so importing a drive and later syncing the clip count as one clip. Nothing is written
(not even a new database file) until the log has been read and the clip is known.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from host.commands import count, options
from host.db import DEVICE_ID, Database, check_location, default_path
from host.errors import PostureError
from host.logfile import read_log

NAME = "import"
HELP = ("Import log segments from the clip's drive (the drive itself, its log folder or one "
        ".bin file).")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("files", metavar="PATH", nargs="+", type=Path,
                   help="the CIRCUITPY drive (or a copy of it), its log folder, or a segment "
                        "such as log/00000012.bin")
    p.add_argument("--device", metavar="ID",
                   help="the clip these records come from (default: the UID in the drive's "
                        "boot_out.txt, else the one clip in the database)")
    options.add_db(p, writes=True)
    options.add_json(p)


def _device(db: Database | None, given: str | None, on_drive: set[str]) -> str:
    if len(on_drive) > 1:
        raise PostureError("these folders come from %d different clips (%s): import one at a time"
                           % (len(on_drive), ", ".join(sorted(on_drive))))
    drive = next(iter(on_drive), None)
    if given:
        if not DEVICE_ID.fullmatch(given):
            raise PostureError("--device %r is not a clip id (letters, digits, _ . : -)" % given)
        if drive is not None and given != drive:
            raise PostureError("--device %s does not match the clip whose drive this is (its "
                               "boot_out.txt says UID:%s); leave --device out" % (given, drive))
        return given
    if drive is not None:
        return drive
    known = db.devices() if db is not None else []
    if len(known) == 1:
        return known[0]
    if not known:
        raise PostureError("cannot tell which clip this log is from: import the clip's drive (its "
                           "boot_out.txt names the clip) or say --device ID (`posture sync` shows "
                           "the id)")
    raise PostureError("the database has %d clips (%s): choose one with --device"
                       % (len(known), ", ".join(known)))


def run(args: argparse.Namespace) -> int:
    log = read_log(args.files)
    path = Path(args.db) if args.db else default_path()
    check_location(path)
    if not path.exists():  # decide the clip before a new database is made
        _device(None, args.device, log.device_ids)
    db = Database(path)
    ok = False
    try:
        with db.lock():
            device = _device(db, args.device, log.device_ids)
            db.note_device(device, None, time.time())
            minutes, events, _boots = db.store(device, log.records)  # no ACK: sync still resumes
        ok = True
    finally:
        if not ok:
            db.discard_if_unused()
        db.close()
    db.warn_clashes()
    result = {"device_id": device, "files": log.files, "records": len(log.records),
              "new_minutes": minutes, "new_events": events, "damaged_bytes": log.damaged_bytes,
              "clashes": len(db.clashes)}
    if args.json:
        sys.stdout.write(json.dumps(result) + "\n")
    else:
        sys.stdout.write("imported %s from %s for %s: %s, %s"
                         % (count(len(log.records), "record"), count(log.files, "file"), device,
                            count(minutes, "new minute"), count(events, "new event")))
        if log.damaged_bytes:
            sys.stdout.write(" (%d damaged bytes skipped)" % log.damaged_bytes)
        sys.stdout.write("\n")
    return 0

