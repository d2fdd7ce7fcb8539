"""`posture config [KEY [VALUE]]`: read or change the clip's settings over the data channel."""

from __future__ import annotations

import argparse
import json
import sys

from firmware import settings
from host.devices import add_port_arguments, open_link
from host.errors import PostureError
from host.transport import CorruptReply, Refused, Transport

NAME = "config"
HELP = "Show the clip's settings, or read or change one (validated, kept across restarts)."


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_port_arguments(p)
    p.add_argument("key", nargs="?", metavar="KEY", help="a setting, e.g. POSTURE_SLOUCH_DEG")
    p.add_argument("value", nargs="?", metavar="VALUE", help="the new value")
    p.add_argument("--json", action="store_true", help="print JSON")


def _wire(value: object) -> str:
    text = str(value)
    return "-" if text == "" else text


def get(link: Transport, key: str) -> str:
    words = link.request("GET " + key, "GET").split(" ", 2)
    if len(words) != 3 or words[1] != key or len(words[2]) > 40:
        raise CorruptReply("the clip's reply to GET %s was malformed" % key)
    return "" if words[2] == "-" else words[2]


def run(args: argparse.Namespace) -> int:
    keys = [row[0] for row in settings.SPEC]
    if args.key is not None and args.key not in keys:
        raise PostureError("unknown setting %s; known: %s" % (args.key, ", ".join(keys)))
    if args.value is not None:
        ok, clean = settings.validate(args.key, args.value)
        if not ok:
            raise PostureError(str(clean))
        if " " in str(clean) or str(clean) == "-":
            raise PostureError("%s cannot contain spaces" % args.key)
    with open_link(args.port, args.timeout) as link:
        if args.value is not None:
            try:
                link.request("SET %s %s" % (args.key, _wire(clean)), "SET")
            except Refused as exc:
                # the clip's own check: a pin on the IMU's bus or the button, a pin the board
                # lacks, an address nothing answers at. Nothing was changed on the clip.
                reason = str(exc).split(": ", 1)[-1]
                if reason.startswith("value "):
                    reason = reason[len("value "):]
                raise PostureError("the clip refused %s = %s: %s. Nothing was changed"
                                   % (args.key, args.value, reason.split(" refused: ", 1)[-1])) from None
        values = {k: get(link, k) for k in ([args.key] if args.key else keys)}
    if args.json:
        sys.stdout.write(json.dumps(values) + "\n")
    else:
        for k, v in values.items():
            sys.stdout.write("%s = %s\n" % (k, v))
    return 0
