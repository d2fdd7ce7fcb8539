"""`posture goal [show|set|reset]`: the daily goal that scores, streaks and the training plan use."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from host.commands import options
from host.db import Database, check_location, default_path
from host.errors import PostureError
from host.goals import UPRIGHT_RANGE, WORN_RANGE, Goal, parse_goal, read_goal

NAME = "goal"
HELP = "Show, set or reset the daily goal (upright share of seated time, hours worn)."

OPTION_NAMES = ("--upright", "--worn-min")  # what a bad value is called in its message


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("action", nargs="?", choices=("show", "set", "reset"), default="show",
                   help="show (default), set (with --upright and/or --worn-min) or reset to the default")
    p.add_argument("--upright", metavar="PCT",
                   help="upright share of seated worn time to reach, %d-%d percent (default 80)" % UPRIGHT_RANGE)
    p.add_argument("--worn-min", metavar="MIN",
                   help="minutes worn for a day to count, %d-%d (default 120)" % WORN_RANGE)
    options.add_db(p, writes=True)
    options.add_json(p, "the goal")


def _show(goal: Goal, args: argparse.Namespace, note: str = "") -> None:
    if args.json:
        out = {"upright_pct": goal.upright_pct, "worn_min": goal.worn_min, "custom": goal.custom,
               "text": goal.describe()}
        sys.stdout.write(json.dumps(out) + "\n")
        return
    sys.stdout.write("daily goal: %s%s%s\n" % (goal.describe(), "" if goal.custom else " (the default)",
                                               note))


def run(args: argparse.Namespace) -> int:
    path = Path(args.db) if args.db else default_path()
    check_location(path)
    if args.action != "set" and (args.upright is not None or args.worn_min is not None):
        raise PostureError("--upright and --worn-min go with `posture goal set`")
    if args.action == "show":
        if not path.exists():
            _show(Goal(), args, "; no database yet at %s" % path)
            return 0
        from host.readdb import reading

        with reading(path) as conn:
            _show(read_goal(conn), args)
        return 0
    if args.action == "set" and args.upright is None and args.worn_min is None:
        raise PostureError("say what to set: --upright PCT and/or --worn-min MIN "
                           "(e.g. posture goal set --upright 85)")
    if args.action == "set":
        parse_goal(args.upright, args.worn_min, names=OPTION_NAMES)  # bad values stop here, before the file is touched
    db = Database(path)
    try:
        with db.lock():
            if args.action == "reset":
                db.reset_goal()
                goal = Goal()
            else:
                goal = parse_goal(args.upright, args.worn_min, base=read_goal(db.conn),
                                  names=OPTION_NAMES)
                if goal.custom:
                    db.set_goal(goal.upright_pct, goal.worn_min, time.time())
                else:
                    db.reset_goal()
        _show(goal, args)
    finally:
        db.close()
    return 0
