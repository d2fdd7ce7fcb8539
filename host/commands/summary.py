"""`posture summary`: wear, posture, slouch episodes, alerts and breaks for a day or a span."""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
from datetime import timedelta
from typing import TYPE_CHECKING

from host.commands import options
from host.errors import PostureError

if TYPE_CHECKING:
    import sqlite3

NAME = "summary"
HELP = "Summarise synced posture records: a day (default: the latest with data), a week or a span."


def add_arguments(p: argparse.ArgumentParser) -> None:
    g = p.add_mutually_exclusive_group()
    g.add_argument("--day", metavar="DATE", help="one local day: YYYY-MM-DD, today or yesterday")
    g.add_argument("--week", action="store_true", help="the 7 days ending with the latest day with data")
    g.add_argument("--from", dest="from_", metavar="DATE", help="first day of a span (with --to)")
    p.add_argument("--to", metavar="DATE", help="last day of a span, inclusive (default: the latest day)")
    options.add_db(p)
    options.add_json(p, "the figures")


def period(conn: sqlite3.Connection, args: argparse.Namespace) -> tuple[float, float]:
    """[start, end) of the days asked for, cut to the days that hold records."""
    from host import summary as sm
    from host.readdb import parse_date

    held = sm.data_days(conn)
    assert held is not None  # require_data ran first
    latest = held[1]
    if args.to and not args.from_:
        raise PostureError("--to needs --from")
    if args.day:
        first = last = parse_date(args.day)
    elif args.week:
        first, last = latest - timedelta(days=6), latest
    elif args.from_:
        first = parse_date(args.from_)
        last = parse_date(args.to) if args.to else latest
        if last < first:
            raise PostureError("--to %s is before --from %s" % (last, first))
    else:
        first = last = latest
    cut = sm.clamp_days(conn, first, last)
    if cut is None:
        raise PostureError("no records from %s to %s; synced records cover %s to %s (try --day %s)"
                           % (first, last, held[0], held[1], held[1]))
    if cut != (first, last) and (args.day or args.from_):
        sys.stderr.write("posture: note: synced records cover %s to %s; showing %s to %s\n"
                         % (held[0], held[1], cut[0], cut[1]))
    return sm.day_span(*cut)


def run(args: argparse.Namespace) -> int:
    from host import summary as sm
    from host.readdb import reading, require_data

    with reading(args.db) as conn:
        require_data(conn)
        start, end = period(conn, args)
        s = sm.summarise(conn, start, end)
        if not s["has_data"]:
            a, b = sm.data_days(conn) or (None, None)
            raise PostureError("no records from %s to %s; synced records cover %s to %s (try --day %s)"
                               % (s["period"]["first_day"], s["period"]["last_day"], a, b, b))
    if args.json:
        sys.stdout.write(json.dumps(s, indent=2) + "\n")
        return 0
    from rich.console import Console

    sm.render_summary(s, Console())
    return 0
