"""`posture replay CSV`: run a recording through the firmware logic and list what the clip would do."""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections import Counter
from typing import Any

from host.errors import PostureError
from host.recording import UNITS

NAME = "replay"
HELP = "Run a recorded CSV (t_s,ax,ay,az,gx,gy,gz) through the firmware and list its events."


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("csv", metavar="CSV", help="recording: t_s,ax,ay,az,gx,gy,gz (s, m/s², rad/s)")
    p.add_argument("--settings", metavar="FILE", help="a settings.toml to take POSTURE_* values from")
    p.add_argument("--set", metavar="KEY=VALUE", action="append", default=[],
                   help="override one setting (repeatable)")
    p.add_argument("--calibrate-at", metavar="SECONDS", type=float, default=None,
                   help="calibrate when the wearer sits upright at this time (default: power-on, t=0)")
    p.add_argument("--units", choices=UNITS, default=None,
                   help="units of ax, ay, az (default m/s2; a file in g is recognised and refused "
                        "unless you say --units g)")
    p.add_argument("--json", action="store_true", help="one JSON object per event per line")
    p.add_argument("--ticks-start", type=int, default=0, help=argparse.SUPPRESS)


def run(args: argparse.Namespace) -> int:
    from firmware.detector import _CAL_STILL_S as CAL_STILL_S
    from host.recording import RecordingStream
    from host.replay import replay
    from host.settings_input import build_settings, parse_overrides, read_settings_file

    values: dict[str, object] = {}
    if args.settings:
        values.update(read_settings_file(args.settings))
    values.update(parse_overrides(args.set))
    settings = build_settings(values)
    cal = args.calibrate_at
    if cal is not None and not (math.isfinite(cal) and cal >= 0):
        raise PostureError("--calibrate-at must be a number of seconds, 0 or more")
    stream = RecordingStream(args.csv, args.units)
    out = sys.stdout
    emit = None
    if args.json:
        def emit(e: dict[str, Any]) -> None:
            out.write(json.dumps(e) + "\n")
    result = replay(stream, settings, cal, args.ticks_start, on_event=emit)
    if cal is not None and cal > result.duration_s:
        raise PostureError(f"--calibrate-at {cal:g} s is after the recording ends "
                           f"({result.duration_s:.1f} s)")
    if not (result.calibrated or result.tried):
        # a zero exit with an empty table would read as "no slouching": say what happened
        raise PostureError(
            f"{stream.path}: the recording ends {result.duration_s - (cal or 0):.1f} s after "
            f"calibration starts, before the clip could calibrate (it needs {CAL_STILL_S} s of "
            f"sitting upright and still), so no posture was watched; record at least a minute")
    if args.json:
        return 0
    out.write(f"{stream.path}: {result.samples} samples, {result.duration_s / 60:.1f} min "
              f"at {stream.rate_hz:.0f} Hz\n\n")
    out.write(f"{'time':>10}  {'event':<18} details\n")
    for e in result.events:
        details = ", ".join(f"{k}={v}" for k, v in e.items() if k not in ("t", "event"))
        out.write(f"{_clock(e['t']):>10}  {e['event']:<18} {details}\n")
    counts = Counter(e["event"] for e in result.events)
    out.write("\n" + ", ".join(f"{n} {k}" for k, n in sorted(counts.items())) + "\n")
    return 0


def _clock(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 3600:d}:{s // 60 % 60:02d}:{s % 60:02d}"
