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
from typing import TYPE_CHECKING

from firmware import events
from host.commands import options
from host.commands.live import parse_live
from host.errors import PostureError
from host.records import Event
from host.transport import CorruptReply, LinkError

if TYPE_CHECKING:
    from host.client import Clip

NAME = "calibrate"
HELP = "Calibrate the clip: sit upright and still, then run this."
RECHECK_S = 5.0  # a clip that never reports "calibrating": look for the outcome this seldom
OUTCOME_CHUNK = 50  # records one look for the outcome asks for


def add_arguments(p: argparse.ArgumentParser) -> None:
    options.add_port(p)
    p.add_argument("--wait", type=float, default=20.0, help="seconds to wait for the result (default 20)")
    options.add_json(p)


def _outcome(clip: Clip, start: int) -> tuple[dict[str, object] | None, int]:
    """One SYNC from `start`: the calibration outcome if logged, and where to look next time."""
    got = clip.sync(start, OUTCOME_CHUNK)
    for r in got.records:
        start = max(start, r.rec.seq + 1)
        f = r.rec.fields
        if isinstance(f, Event) and f.kind in (events.CALIBRATED, events.CALIBRATION_FAILED):
            return events.describe(f), start
    return None, start


def calibrate(clip: Clip, wait: float) -> dict[str, object]:
    """CALIBRATE; follow the LIVE state until it is no longer "calibrating"; then fetch the outcome."""
    start = clip.calibrate()
    deadline = time.monotonic() + wait
    clip.live(True)
    checked = None
    try:
        while time.monotonic() < deadline:
            try:
                line = clip.read_line(min(clip.timeout, max(0.01, deadline - time.monotonic())))
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
            clip.live(False)
            found, start = _outcome(clip, start)
            if found is not None:
                return found
            checked = time.monotonic()
            clip.live(True)
    finally:
        clip.stop_live()
    raise PostureError("the clip did not finish calibrating within %.0f s" % wait)


def run(args: argparse.Namespace) -> int:
    with options.open_clip(args) as clip:
        result = calibrate(clip, args.wait)
    if args.json:
        sys.stdout.write(json.dumps(result) + "\n")
    elif result["event"] == events.CALIBRATED:
        sys.stdout.write("calibrated: mount tilt %.1f°, %d samples\n"
                         % (result["mount_tilt_deg"], result["samples"]))  # type: ignore[str-format]
    else:
        sys.stdout.write("calibration failed: %s; sit upright and still, then try again\n"
                         % result["reason"])
    return 0 if result["event"] == events.CALIBRATED else 1
