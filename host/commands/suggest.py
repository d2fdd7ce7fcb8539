"""`posture suggest`: a short exercise plan built from the synced posture records."""

from __future__ import annotations

import argparse
import json
import sys

from rich.console import Console

from host.errors import PostureError
from host.readdb import reading, require_data
from host.suggest import render_plan, suggest

NAME = "suggest"
HELP = "A short personal plan (stretches, strength work, desk and clip tips) from your records."


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--days", type=int, default=7, metavar="N",
                   help="look at the N days ending with the latest day with data (default 7)")
    p.add_argument("--db", metavar="FILE", help="the database (default: where `posture sync` writes)")
    p.add_argument("--json", action="store_true", help="print the plan as one JSON object")


def run(args: argparse.Namespace) -> int:
    if args.days < 1:
        raise PostureError("--days must be at least 1")
    with reading(args.db) as conn:
        require_data(conn)
        plan = suggest(conn, args.days)
    if args.json:
        sys.stdout.write(json.dumps(plan, indent=2, ensure_ascii=False) + "\n")
    else:
        render_plan(plan, Console())
    return 0
