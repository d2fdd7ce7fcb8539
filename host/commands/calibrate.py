"""`posture calibrate`: ask the clip to take the current posture as upright, and report the outcome."""

from __future__ import annotations

import argparse
import json
import sys
import time

from firmware import events, record
from host.devices import add_port_arguments, open_link
from host.errors import PostureError
from host.transport import Transport, fields, int_field

NAME = "calibrate"
HELP = "Calibrate the clip: sit upright and still, then run this."


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_port_arguments(p)
    p.add_argument("--wait", type=float, default=20.0, help="seconds to wait for the result (default 20)")
    p.add_argument("--json", action="store_true", help="print the result as JSON")


def calibrate(link: Transport, wait: float) -> dict[str, object]:
    """CALIBRATE, then watch the clip's new records for the CALIBRATED / CALIBRATION_FAILED event."""
    start = int_field(fields(link.request("CALIBRATE", "OK CALIBRATE")), "next", 0)
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        link.send("SYNC %d 50" % start)
        while True:
            line = link.read_body()
            if line.startswith("END "):
                break
            if not line.startswith("R "):
                continue
            try:
                rtype, seq, _boot, _t, f = record.decode(bytes.fromhex(line[2:]))
            except ValueError:
                continue
            start = max(start, seq + 1)
            if rtype == record.T_EVENT and f[1] in (events.CALIBRATED, events.CALIBRATION_FAILED):
                return events.describe(f)
        time.sleep(0.3)  # a person is sitting still; poll gently
    raise PostureError("the clip did not finish calibrating within %.0f s" % wait)


def run(args: argparse.Namespace) -> int:
    with open_link(args.port, args.timeout) as link:
        result = calibrate(link, args.wait)
    if args.json:
        sys.stdout.write(json.dumps(result) + "\n")
    elif result["event"] == events.CALIBRATED:
        sys.stdout.write("calibrated: mount tilt %.1f°, %d samples\n"
                         % (result["mount_tilt_deg"], result["samples"]))  # type: ignore[str-format]
    else:
        sys.stdout.write("calibration failed: %s; sit upright and still, then try again\n"
                         % result["reason"])
    return 0 if result["event"] == events.CALIBRATED else 1
