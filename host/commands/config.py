"""`posture config [KEY [VALUE]]`: read or change the clip's settings over the data channel."""

from __future__ import annotations

import argparse
import json
import sys

from firmware import settings
from host.commands import options
from host.errors import PostureError
from host.transport import Refused

NAME = "config"
HELP = "Show the clip's settings, or read or change one (validated, kept across restarts)."


def add_arguments(p: argparse.ArgumentParser) -> None:
    options.add_port(p)
    p.add_argument("key", nargs="?", metavar="KEY", help="a setting, e.g. POSTURE_SLOUCH_DEG")
    p.add_argument("value", nargs="?", metavar="VALUE", help="the new value")
    options.add_json(p, "the settings")


def run(args: argparse.Namespace) -> int:
    from host.client import EMPTY

    keys = [row[0] for row in settings.SPEC]
    if args.key is not None and args.key not in keys:
        raise PostureError("unknown setting %s; known: %s" % (args.key, ", ".join(keys)))
    if args.value is not None:
        ok, clean = settings.validate(args.key, args.value)
        if not ok:
            raise PostureError(str(clean))
        if " " in str(clean) or str(clean) == EMPTY:
            raise PostureError("%s cannot contain spaces" % args.key)
    with options.open_clip(args) as clip:
        if args.value is not None:
            try:
                clip.set(args.key, clean)
            except Refused as exc:
                # the clip's own check: a pin on the IMU's bus or the button, a pin the board
                # lacks, an address nothing answers at. Nothing was changed on the clip.
                reason = str(exc).split(": ", 1)[-1]
                if reason.startswith("value "):
                    reason = reason[len("value "):]
                raise PostureError("the clip refused %s = %s: %s. Nothing was changed"
                                   % (args.key, args.value, reason.split(" refused: ", 1)[-1])) from None
        values = {k: clip.get(k) for k in ([args.key] if args.key else keys)}
    if args.json:
        sys.stdout.write(json.dumps(values) + "\n")
    else:
        for k, v in values.items():
            sys.stdout.write("%s = %s\n" % (k, v))
    return 0
