"""`posture calibrate`: ask the clip to take the current posture as upright, and report the outcome.

While the person sits still the clip's LIVE lines say "calibrating"; they are
read-only on the clip. Once the state changes, one SYNC fetches the
CALIBRATED / CALIBRATION_FAILED event (SYNC flushes the clip's log, so it is
not sent in a loop).
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from firmware import events, record
from host.commands.live import parse_live
from host.devices import add_port_arguments, open_link
from host.errors import PostureError
from host.sync import parse_record
from host.transport import CorruptReply, LinkError, Transport, fields, int_field

NAME = "calibrate"
HELP = "Calibrate the clip: sit upright and still, then run this."
RECHECK_S = 5.0  # a clip that never reports "calibrating": look for the outcome this seldom


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_port_arguments(p)
    p.add_argument("--wait", type=float, default=20.0, help="seconds to wait for the result (default 20)")
    p.add_argument("--json", action="store_true", help="print the result as JSON")


def _outcome(link: Transport, start: int) -> tuple[dict[str, object] | None, int]:
    """One SYNC from `start`: the calibration outcome if logged, and where to look next time."""
    link.send("SYNC %d 50" % start)
    for _ in range(50 + 200):  # records asked for, plus stale live lines
        try:
            line = link.read_body()
        except CorruptReply:
            continue
        if line.startswith("END "):
            break
        if line.startswith("ERR "):
            raise PostureError("the clip refused SYNC: %s" % line[4:])
        parsed = parse_record(line)
        if parsed is None:
            continue
        rtype, seq, _boot, _t, f = parsed[1]
        start = max(start, seq + 1)
        if rtype == record.T_EVENT and f[1] in (events.CALIBRATED, events.CALIBRATION_FAILED):
            return events.describe(f), start
    return None, start


def calibrate(link: Transport, wait: float) -> dict[str, object]:
    """CALIBRATE; follow the LIVE state until it is no longer "calibrating"; then fetch the outcome."""
    start = int_field(fields(link.request("CALIBRATE", "OK CALIBRATE")), "next", 0)
    deadline = time.monotonic() + wait
    link.request("LIVE on", "OK LIVE")
    checked = None
    try:
        while time.monotonic() < deadline:
            try:
                line = link.read_body(min(link.timeout, max(0.01, deadline - time.monotonic())))
            except CorruptReply:
                continue
            except LinkError:
                if time.monotonic() >= deadline:
                    break
                raise
            reading = parse_live(line) if line.startswith("L ") else None
            if reading is None or reading["state"] == "calibrating":
                continue
            if checked is not None and time.monotonic() - checked < RECHECK_S:
                continue
            link.request("LIVE off", "OK LIVE")
            found, start = _outcome(link, start)
            if found is not None:
                return found
            checked = time.monotonic()
            link.request("LIVE on", "OK LIVE")
    finally:
        try:
            link.send("LIVE off")
        except PostureError:
            pass
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
