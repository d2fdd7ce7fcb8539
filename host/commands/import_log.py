"""`posture import FILE`: add a log copied off the CIRCUITPY drive to the database (same dedup as sync)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from host.db import DEVICE_ID, Database, default_path
from host.errors import PostureError
from host.logfile import read_log

NAME = "import"
HELP = "Import log segments copied from the clip's drive (a .bin file or its log folder)."


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("files", metavar="FILE", nargs="+", type=Path,
                   help="a segment (log/00000012.bin) or the whole log folder")
    p.add_argument("--device", metavar="ID",
                   help="the clip these records come from (default: the one clip in the database)")
    p.add_argument("--db", metavar="FILE", help="database file (default: %s)" % default_path())
    p.add_argument("--json", action="store_true", help="print the result as JSON")


def _device(db: Database, given: str | None) -> str:
    if given:
        if not DEVICE_ID.fullmatch(given):
            raise PostureError("--device %r is not a clip id (letters, digits, _ . : -)" % given)
        return given
    known = db.devices()
    if len(known) == 1:
        return known[0]
    if not known:
        raise PostureError("the database has no clip yet: say which clip the log is from with "
                           "--device ID (`posture sync` shows the id)")
    raise PostureError("the database has %d clips (%s): choose one with --device"
                       % (len(known), ", ".join(known)))


def run(args: argparse.Namespace) -> int:
    log = read_log(args.files)
    db = Database(args.db or default_path())
    try:
        with db.lock():
            device = _device(db, args.device)
            db.note_device(device, None, time.time())
            minutes, events, _boots = db.store(device, log.records)  # no ACK: sync still resumes
    finally:
        db.close()
    db.warn_clashes()
    result = {"device_id": device, "files": log.files, "records": len(log.records),
              "new_minutes": minutes, "new_events": events, "damaged_bytes": log.damaged_bytes,
              "clashes": len(db.clashes)}
    if args.json:
        sys.stdout.write(json.dumps(result) + "\n")
    else:
        sys.stdout.write("imported %d records from %d file(s) for %s: %d new minutes, %d new events"
                         % (len(log.records), log.files, device, minutes, events))
        if log.damaged_bytes:
            sys.stdout.write(" (%d damaged bytes skipped)" % log.damaged_bytes)
        sys.stdout.write("\n")
    return 0
