"""`posture deploy`: install the firmware, its libraries and settings.toml on a CIRCUITPY drive."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from host.commands import options

if TYPE_CHECKING:
    from host import deploy

NAME = "deploy"
HELP = "Copy the firmware, device libraries and settings.toml onto the board's CIRCUITPY drive."

_VERBS = {"mkdir": ("create folder", "would create folder"), "write": ("write", "would write"),
          "update": ("update", "would update"), "remove": ("remove", "would remove"),
          "same": ("unchanged", "unchanged")}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--drive", metavar="PATH", help="the CIRCUITPY drive (default: find the mounted one)")
    parser.add_argument("--dry-run", action="store_true", help="list what would be done; write nothing")
    parser.add_argument("--source", choices=("pypi", "circup"), default="pypi",
                        help="where the device libraries come from: the PyPI packages installed with "
                             "this tool (default, works offline) or `circup install` (needs the network)")
    parser.add_argument("--mpy-cross", metavar="PATH",
                        help="a CircuitPython mpy-cross matching the board's version, to install .mpy files")
    options.add_json(parser)


def run(args: argparse.Namespace) -> int:
    from host import deploy, drive

    path = drive.find_drive(args.drive)
    target = deploy.DirTarget(path)
    plan = deploy.plan(target, source=args.source, mpy_cross=args.mpy_cross)
    circup = deploy.circup_command(str(path)) if args.source == "circup" else None
    if not args.dry_run:
        if circup:
            deploy.run_circup(circup)
        deploy.apply(plan, target)
    if args.json:
        json.dump(report(plan, path, args.dry_run, circup), sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        print_text(plan, path, args.dry_run, circup)
    return 0


def report(plan: deploy.Plan, path: Path, dry_run: bool, circup: list[str] | None) -> dict:
    return {
        "drive": str(path),
        "circuitpython": plan.info.version,
        "board_id": plan.info.board_id,
        "board": plan.board["name"],
        "known_board": plan.board["known"],
        "wiring": plan.board["wiring"],
        "dry_run": dry_run,
        "format": plan.fmt,
        "format_note": plan.fmt_note,
        "circup": circup,
        "steps": [{"action": s.action, "path": s.path, "bytes": len(s.data) if s.data is not None else None}
                  for s in plan.steps],
        "settings_kept": plan.settings_kept,
        "warnings": plan.warnings,
    }


def print_text(plan: deploy.Plan, path: Path, dry_run: bool, circup: list[str] | None) -> None:
    board = plan.board
    print("%s: CircuitPython %s on %s (%s)"
          % (path, plan.info.version, board["name"], plan.info.board_id or "no board id"))
    print("  wiring: %s" % board["wiring"])
    if plan.fmt == "mpy":   # the .py fallback is the usual case: its reasons stay in --json
        print("  files: %s" % plan.fmt_note)
    if circup:
        print("  libraries: %s %s" % ("would run" if dry_run else "ran", " ".join(circup)))
    counts: dict[str, int] = {}
    for step in plan.steps:
        counts[step.action] = counts.get(step.action, 0) + 1
        if step.action != "same":
            print("  %-19s %s" % (_VERBS[step.action][1 if dry_run else 0], step.path))
    if plan.settings_kept:
        print("  settings.toml: yours, left byte for byte (it sets %s)" % ", ".join(plan.settings_kept))
    for warning in plan.warnings:
        print("  warning: %s" % warning)
    summary = ", ".join("%d %s" % (n, _VERBS[a][1 if dry_run else 0]) for a, n in sorted(counts.items()))
    if dry_run:
        print("Dry run, nothing written: %s." % summary)
    else:
        print("Done: %s. The board restarts by itself; open the serial console to see it start." % summary)
