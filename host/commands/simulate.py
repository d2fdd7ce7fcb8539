"""`posture simulate OUT`: write a synthetic wearer's day as a recording CSV plus its truth labels."""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from collections import Counter
from pathlib import Path

from host.errors import PostureError

NAME = "simulate"
HELP = ("Write a synthetic wearer's day as a recording CSV (t_s,ax,ay,az,gx,gy,gz) "
        "and its truth labels (OUT.truth.json).")

MIN_HOURS = 1.0 / 60.0
MAX_HOURS = 24.0
MIN_RATE, MAX_RATE = 10.0, 104.0


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("out", metavar="OUT", help="CSV file to write; the truth goes to OUT.truth.json")
    p.add_argument("--hours", type=float, default=8.0, help="length of the day (default 8, at most 24)")
    p.add_argument("--seed", type=int, default=0, help="random seed: the same seed gives the same day")
    p.add_argument("--mount", choices=("nominal", "rotated"), default="nominal",
                   help="nominal: +X up the spine; rotated: any spin about the face-out axis, tilt up to 25°")
    p.add_argument("--rate", type=float, default=26.0, metavar="HZ",
                   help="sample rate in Hz (default 26, 10 to 104)")
    p.add_argument("--json", action="store_true", help="print the summary as one JSON object")


def _check(args: argparse.Namespace) -> tuple[Path, Path]:
    hours, rate = args.hours, args.rate
    if not math.isfinite(hours) or hours <= 0 or hours > MAX_HOURS:
        raise PostureError("--hours must be more than 0 and at most %g, got %g" % (MAX_HOURS, hours))
    if hours < MIN_HOURS:
        raise PostureError("--hours must cover at least one minute (%.4f), got %g" % (MIN_HOURS, hours))
    if not math.isfinite(rate) or not MIN_RATE <= rate <= MAX_RATE:
        raise PostureError("--rate must be between %g and %g Hz, got %g" % (MIN_RATE, MAX_RATE, rate))
    if args.seed < 0:
        raise PostureError("--seed must be 0 or more, got %d" % args.seed)
    out = Path(args.out)
    truth = Path(str(out) + ".truth.json")
    for path in (out, truth):
        if path.is_dir():
            raise PostureError("cannot write %s: it is a directory" % path)
        parent = path.parent if str(path.parent) else Path(".")
        if not parent.is_dir():
            raise PostureError("cannot write %s: directory %s does not exist" % (path, parent))
        if not os.access(parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
            raise PostureError("cannot write %s: permission denied" % path)
    return out, truth


def run(args: argparse.Namespace) -> int:
    out, truth = _check(args)
    from host.sim.wearer import make_day, render, sustained_slouches  # numpy: import only when used

    segments = make_day(args.hours, args.seed)
    rec = render(segments, rate_hz=args.rate, mount=args.mount, seed=args.seed)
    try:
        rec.to_csv(out)
        rec.truth_to_json(truth)
    except OSError as exc:
        raise PostureError("cannot write %s: %s" % (exc.filename or out, exc.strerror or exc)) from None
    counts = Counter(s.label for s in segments)
    summary = {
        "csv": str(out),
        "truth": str(truth),
        "hours": args.hours,
        "samples": len(rec),
        "rate_hz": rec.rate_hz,
        "seed": args.seed,
        "mount": args.mount,
        "spin_deg": round(rec.mount.spin_deg, 1),
        "tilt_deg": round(rec.mount.tilt_deg, 1),
        "segments": len(segments),
        "labels": dict(sorted(counts.items())),
        "sustained_slouches_45s": len(sustained_slouches(segments, 45.0)),
    }
    if args.json:
        sys.stdout.write(json.dumps(summary) + "\n")
    else:
        sys.stdout.write(
            "wrote %s (%d samples, %g h at %g Hz, %s mount: spin %.0f°, tilt %.0f°), truth in %s: "
            "%d segments, %d slouches (%d of 45 s or more), %d brief slouches, %d walks, "
            "%d off-body, %d lying\n" % (
                out, len(rec), args.hours, rec.rate_hz, args.mount, rec.mount.spin_deg,
                rec.mount.tilt_deg, truth, len(segments), counts["slouch"],
                summary["sustained_slouches_45s"], counts["brief_slouch"], counts["walking"],
                counts["off_body"], counts["lying"]))
    return 0
