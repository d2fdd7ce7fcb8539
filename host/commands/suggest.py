"""`posture suggest`: a short exercise plan built from the synced posture records."""

from __future__ import annotations

import argparse
import json
import sys

from host.commands import options

NAME = "suggest"
HELP = "A short personal plan (stretches, strength work, desk and clip tips) from your records."


def add_arguments(p: argparse.ArgumentParser) -> None:
    options.add_days(p)
    options.add_db(p)
    options.add_json(p, "the plan")


def run(args: argparse.Namespace) -> int:
    from host.readdb import reading, require_data
    from host.suggest import render_plan, suggest

    options.check_days(args.days)
    with reading(args.db) as conn:
        require_data(conn)
        plan = suggest(conn, args.days)
    if args.json:
        sys.stdout.write(json.dumps(plan, indent=2, ensure_ascii=False) + "\n")
    else:
        from rich.console import Console

        render_plan(plan, Console())
    return 0
