"""Shared pieces of the fault tier: a simulated clip wearing a scripted posture day, the
clip's data channel as `posture sync` uses it, and the `posture` CLI run in-process. Test
modules import from here (and from powercuts.py), never from one another.

Everything runs on simulated time (SimClock): no test here sleeps on the wall clock.
"""

from __future__ import annotations

import ast
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from firmware import record
from firmware.haptics import SLOUCH_ALERT
from firmware.protocol import frame, unframe
from host.cli import main
from host.sim import scenario
from host.sim.circuitpython import SimClock
from host.sim.device import SimDevice
from host.sim.wearer import render

TICKS_PERIOD = 1 << 29

# 25 s upright to calibrate, then a 60 s slouch, then upright again.
SLOUCH_DAY = [("upright", 25), ("slouch", 60, {"flex": 30}), ("upright", 40)]
SLOUCH_START_S = 25


def recording(spec: list[tuple] | None = None, seed: int = 1, rate_hz: float = 104.0) -> Any:
    """A synthetic wearer (a motion source with at(t_ms)) following spec."""
    return render(scenario.build(spec or SLOUCH_DAY), rate_hz=rate_hz, seed=seed)


def device(motion: Any = None, start_ticks: int = 0, settings: dict[str, object] | str | None = None,
           **kw: Any) -> SimDevice:
    """The real boot.py/code.py on a simulated board, its clock starting at start_ticks."""
    return SimDevice(motion if motion is not None else recording(), settings=settings,
                     clock=SimClock(start_ticks=start_ticks), **kw)


def events(dev: SimDevice) -> list[tuple[int, dict[str, Any]]]:
    """(elapsed ms, event dict) for every event the firmware printed on the console."""
    out = []
    for t_ms, line in dev.console_lines():
        if line.startswith("posture: ") and " {" in line:
            try:
                out.append((t_ms, ast.literal_eval(line[line.index(" {") + 1:])))
            except (ValueError, SyntaxError):
                continue
    return out


def kinds(dev: SimDevice) -> list[str]:
    return [e["event"] for _t, e in events(dev)]


def first(dev: SimDevice, kind: str) -> tuple[int, dict[str, Any]]:
    for t_ms, e in events(dev):
        if e["event"] == kind:
            return t_ms, e
    raise AssertionError("no %s event; console:\n%s" % (kind, dev.console_text()))


def buzz_starts(dev: SimDevice) -> list[int]:
    """Elapsed ms at which the motor started each vibration."""
    return [start for start, _end in dev.vibrations()]


# ---- the data channel, as `posture sync` uses it (test_device_storage.py and others) --------
# two alerted slouches, then upright
TWO_SLOUCH_DAY = [("upright", 25), ("slouch", 60, {"flex": 30}), ("upright", 60), ("slouch", 60, {"flex": 30}),
                  ("upright", 200)]


def talk(dev, body: str, seconds: float = 1.0, strict: bool = True) -> list[str]:
    """One command on the data channel; the reply bodies that came within `seconds`. strict:
    every reply line must pass its CRC; otherwise corrupt lines are left out (a faulty run)."""
    dev.board.data.take_output()
    dev.board.data.feed(frame(body))
    dev.run_for(seconds)
    lines = dev.board.data.take_output().split(b"\n")[:-1]
    bodies = [unframe(line) for line in lines]
    assert not strict or all(b is not None for b in bodies), lines
    return [b for b in bodies if b is not None]


def sync_all(dev) -> list[tuple]:
    """Every record the clip serves, decoded (SYNC from 0, chunk after chunk)."""
    out: list[tuple] = []
    start = 0
    for _ in range(50):
        lines = talk(dev, "SYNC %d 500" % start, seconds=3)
        recs = [record.decode(bytes.fromhex(line[2:])) for line in lines if line.startswith("R ")]
        out += recs
        end = [line for line in lines if line.startswith("END ")]
        assert end, lines
        if not recs:
            return out
        start = recs[-1][1] + 1
    raise AssertionError("SYNC never ended")


def alert_pattern_played(dev) -> int:
    """How many times the motor played the slouch alert's on-off-on pattern."""
    spans = dev.vibrations()
    count = 0
    for (s1, e1), (s2, e2) in zip(spans, spans[1:]):
        if (abs((e1 - s1) - SLOUCH_ALERT[0]) <= 40 and abs((s2 - e1) - SLOUCH_ALERT[1]) <= 40
                and abs((e2 - s2) - SLOUCH_ALERT[2]) <= 40):
            count += 1
    return count


# ---- the laptop side (test_host_faults.py, test_sync_power_cut.py) ---------------------------
START = 1_760_000_000


def cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    rc = main(args)
    cap = capsys.readouterr()
    assert "Traceback" not in cap.err and "Traceback" not in cap.out
    return rc, cap.out, cap.err


def table(db: Path) -> list[tuple]:
    if not db.exists():
        return []
    conn = sqlite3.connect(db)
    try:
        return (conn.execute("SELECT 'm', seq, boot, t_ms, worn_s, slouch_s FROM minutes").fetchall()
                + conn.execute("SELECT 'e', seq, boot, t_ms, kind, a FROM events").fetchall())
    except sqlite3.OperationalError:
        return []
    finally:
        conn.close()
