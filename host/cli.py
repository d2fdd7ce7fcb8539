"""`posture`: the one entry point. Subcommands live in host/commands/, one module each."""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Sequence

from host.commands import COMMANDS
from host.errors import PostureError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="posture",
        description="Posture clip: replay recordings, sync the clip, summarise and report.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS:
        module = importlib.import_module("host.commands." + name)
        p = sub.add_parser(module.NAME, help=module.HELP, description=module.HELP)
        module.add_arguments(p)
        p.set_defaults(_run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        result = args._run(args)
    except PostureError as exc:
        print("posture: error: %s" % exc, file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("posture: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    return int(result or 0)


if __name__ == "__main__":
    sys.exit(main())
