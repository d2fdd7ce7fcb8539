"""`posture devices`: the clips connected now (CircuitPython data channels)."""

from __future__ import annotations

import argparse
import json
import sys

from host.commands import options
from host.devices import NO_CLIP, data_ports
from host.errors import PostureError

NAME = "devices"
HELP = "List the connected clips (their data channel ports)."


def add_arguments(p: argparse.ArgumentParser) -> None:
    options.add_json(p, "the list")


def run(args: argparse.Namespace) -> int:
    """Exit 0 with the list; no clip is an error like in every other command (exit 2)."""
    ports = data_ports()
    if args.json:
        sys.stdout.write(json.dumps([p.as_dict() for p in ports], indent=2) + "\n")
        if not ports:
            raise PostureError(NO_CLIP)
        return 0
    if not ports:
        raise PostureError(NO_CLIP)
    for p in ports:
        extra = " serial %s" % p.serial_number if p.serial_number else ""
        sys.stdout.write("%s  %s (%s)%s\n" % (p.device, p.description, p.interface, extra))
    return 0
