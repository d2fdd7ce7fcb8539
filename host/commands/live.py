"""`posture live`: a terminal gauge of the clip's current forward angle and state."""

from __future__ import annotations

import argparse
import json
import sys
import time

from host.commands.options import add_port as add_port_arguments, open_link
from host.errors import PostureError
from host.transport import CorruptReply, Transport

NAME = "live"
HELP = "Show the clip's current angle and state a few times a second (Ctrl-C stops)."
GAUGE_DEG = 60  # the bar spans -GAUGE_DEG/3 .. GAUGE_DEG degrees of flexion

# LIVE states that are not a posture: what the clip's health says is wrong (firmware/health.py
# problem()). While one lasts the clip is not watching posture, whatever angle it last had.
PROBLEMS = {
    "sensor_down": "the IMU does not answer (a loose cable?); the clip retries every second",
    "sensor_reset": "the IMU came back at its power-on defaults (a reset or brown-out); "
                    "the clip is setting it up again",
    "sensor_stuck": "the IMU's readings are frozen; the clip is rebuilding it",
    "sensor_implausible": "the IMU reads accelerations far from gravity; the clip is rebuilding it",
    "sensor_zero": "the IMU reads all zeros; the clip is rebuilding it",
    "firmware_mixed": "the firmware files are not one deploy's set: run `posture deploy` again",
    "settings_dropped": "a setting that kept the clip from working was dropped at start "
                        "(see `posture config`)",
}


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_port_arguments(p)
    p.add_argument("--seconds", type=float, default=0, help="stop after this long (default: run until Ctrl-C)")
    p.add_argument("--count", type=int, default=0, help="stop after this many readings")
    p.add_argument("--json", action="store_true", help="one JSON object per reading")


def problem_text(state: str) -> str | None:
    """What is wrong, in plain words, when the LIVE state names a problem; None for a posture."""
    if state in PROBLEMS:
        return PROBLEMS[state]
    if state.startswith(("sensor_", "firmware_", "settings_")):
        return "the clip reports a problem (%s)" % state
    return None


def parse_live(line: str) -> dict[str, object] | None:
    """{'t_ms', 'flex_deg', 'side_deg', 'state', 'problem', 'mode', 'snooze_min', 'battery_pct'}
    from an `L` line (None if malformed).

    'problem' is None for a posture state, else what is wrong in plain words. The clip's day
    follows the state as `mode=training|tracking snooze=<min left> batt=<percent or ->`
    (firmware/health.py clip()); a clip without those words gives None for each."""
    words = line.split()
    if not 5 <= len(words) <= 8 or words[0] != "L":
        return None
    extra = dict(w.split("=", 1) for w in words[5:] if "=" in w)
    mode = extra.get("mode")
    snooze = extra.get("snooze", "")
    batt = extra.get("batt", "")
    day = {"mode": mode if mode in ("training", "tracking") else None,
           "snooze_min": int(snooze) if snooze.isdigit() and len(snooze) <= 4 else None,
           "battery_pct": int(batt) if batt.isdigit() and int(batt) <= 100 else None}
    try:
        t_ms = int(words[1])
        flex = None if words[2] == "-" else int(words[2]) / 10
        side = None if words[3] == "-" else int(words[3]) / 10
    except ValueError:
        return None
    if not (0 <= t_ms < 1 << 29) or any(v is not None and abs(v) > 360 for v in (flex, side)):
        return None
    state = words[4][:20]
    return {"t_ms": t_ms, "flex_deg": flex, "side_deg": side, "state": state, "problem": problem_text(state),
            **day}


def day_text(reading: dict[str, object]) -> str:
    """'  tracking, muted 12 min, battery 83 %': the clip's mode, snooze and charge ('' if none)."""
    parts = []
    if reading.get("mode"):
        parts.append(str(reading["mode"]))
    snooze = reading.get("snooze_min")
    if isinstance(snooze, int) and snooze > 0:
        parts.append("muted %d min" % snooze)
    batt = reading.get("battery_pct")
    if isinstance(batt, int):
        parts.append("battery %d %%" % batt)
    return "  " + ", ".join(parts) if parts else ""


def gauge(reading: dict[str, object], width: int = 40) -> str:
    problem = reading.get("problem")
    if problem:
        # no bar: the angle is stale and the clip is not watching posture
        return "  PROBLEM %s: %s; not watching posture%s" % (reading["state"], problem, day_text(reading))
    flex = reading["flex_deg"]
    if not isinstance(flex, (int, float)):
        return "  no angle yet (%s)%s" % (reading["state"], day_text(reading))
    low = -GAUGE_DEG / 3
    pos = int((min(max(float(flex), low), GAUGE_DEG) - low) / (GAUGE_DEG - low) * width)
    return "%6.1f°  [%s%s]  %s%s" % (float(flex), "#" * pos, "-" * (width - pos), reading["state"],
                                     day_text(reading))


def stream(link: Transport, seconds: float, json_out: bool, count: int = 0) -> int:
    link.request("LIVE on", "OK LIVE")
    shown = 0
    width = 0                  # the longest line so far: a shorter one is padded over it
    shown_problem = None       # the problem state last given its own line
    end = time.monotonic() + seconds if seconds > 0 else None
    try:
        while (end is None or time.monotonic() < end) and (count <= 0 or shown < count):
            try:
                line = link.read_body()
            except CorruptReply:
                continue
            reading = parse_live(line) if line.startswith("L ") else None
            if reading is None:
                continue
            shown += 1
            if json_out:
                sys.stdout.write(json.dumps(reading) + "\n")
                sys.stdout.flush()
            else:
                text = gauge(reading)
                if reading["problem"] and reading["state"] != shown_problem:
                    # a new problem gets a line of its own, so it stays on screen when it ends
                    sys.stdout.write("\r" + " " * width + "\r" + text + "\n")
                else:
                    sys.stdout.write("\r" + text.ljust(width) + "   ")
                shown_problem = reading["state"] if reading["problem"] else None
                width = max(width, len(text))
                sys.stdout.flush()
    except KeyboardInterrupt:
        pass
    finally:
        try:
            link.send("LIVE off")
        except PostureError:
            pass
        if not json_out:
            sys.stdout.write("\n")
    return shown


def run(args: argparse.Namespace) -> int:
    with open_link(args.port, args.timeout) as link:
        stream(link, args.seconds, args.json, args.count)
    return 0
