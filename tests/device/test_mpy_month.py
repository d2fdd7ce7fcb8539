"""The clip's month (issue 13) under real MicroPython: the real boot.py and code.py on the
minimal fake board (tools/mpy_fakeboard.py) with a scripted wearer, a button pressed long and
short, a cell falling on a battery divider pin, and a training budget that runs out.

The events are what code.py said on the console and what its log holds, read back under
MicroPython with the firmware's own Log and Reader; vibrations are the motor's on-switches.
"""

from __future__ import annotations

import ast

import pytest

from firmware.haptics import BATTERY_LOW
from mpy_budget import TOOLS, driver_copies
from mpy_samples import write_samples
from mpyrun import ROOT, run_mpy

# (label, seconds[, params]): slouch alerts come 30 s into each slouch
SPEC = [("upright", 25), ("slouch", 60, {"flex": 30}),      # alert ~55 s: trains
        ("upright", 215),                                    # long press at 120 s: snooze
        ("slouch", 60, {"flex": 30}),                        # alert ~330 s: snoozed
        ("upright", 60),                                     # long press at 380 s: snooze ends
        ("slouch", 60, {"flex": 30}),                        # alert ~450 s: trains
        ("upright", 60),                                     # short press at 500 s: calibrates
        ("slouch", 60, {"flex": 30}),                        # alert ~570 s: trains
        ("upright", 180),                                    # 11 seated minutes: budget used up
        ("slouch", 60, {"flex": 30}),                        # alert ~810 s: tracking
        ("upright", 360)]
PRESSES = {"BUTTON": ((120_000, 122_000), (380_000, 382_000), (500_000, 500_300))}
ENV = {"POSTURE_TRAIN_MIN": 11, "POSTURE_BATTERY_PIN": "A2", "POSTURE_BATTERY_DIVIDER": 2}

RUN = """
import mpy_fakeboard as fb
objs = fb.install('/data/day.bin', env=%(env)r, presses=%(presses)r,
                  cell_mv=lambda ms: 3760 - ms // 6000, battery_pin='A2', divider=2)
try:
    exec(open('/boot.py').read(), {'__name__': '__main__'})
except fb.RunOver:
    pass
try:
    exec(open('/code.py').read(), {'__name__': '__main__'})
except fb.RunOver:
    pass
import os
from firmware import record
from firmware.log import Log
from firmware.logreader import Reader
from firmware.storage import Storage
reader = Reader(Log(Storage('/log', os, open)), 0)
while True:
    rec = reader.next()
    if rec is None:
        break
    r = record.decode(bytes(rec))
    if r[0] == record.T_EVENT:
        print('EV %%s %%d %%d %%d' %% (r[4][1], r[4][0], r[4][2], r[4][3]))
print('BUZZ ' + ' '.join(str(t) for t in fb.WORLD['buzz']))
print('END elapsed=%%d' %% objs['clock'].elapsed_ms)
"""


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    from host.sim import scenario
    from host.sim.wearer import render

    tmp = tmp_path_factory.mktemp("month")
    rec = render(scenario.build(SPEC), rate_hz=104.0, seed=3)
    day = tmp / "day.bin"
    write_samples(day, ((t, *a, *g) for t, a, g in zip(rec.t_s.tolist(), rec.accel.tolist(),
                                                         rec.gyro.tolist())), 0)
    copies = ["firmware", *driver_copies(), TOOLS / "mpy_board.py", TOOLS / "mpy_fakeboard.py",
              (ROOT / "boot.py", "/boot.py"), (ROOT / "code.py", "/code.py"), (day, "/data/day.bin")]
    out = run_mpy(RUN % {"env": ENV, "presses": PRESSES}, copies=copies, grow_heap=True,
                  timeout=900).splitlines()
    assert any(line.startswith("END ") for line in out), "\n".join(out[-40:])
    said = []
    for line in out:
        if line.startswith("posture: ") and " {" in line:
            said.append(ast.literal_eval(line[line.index(" {") + 1:]))
    logged = [line.split()[1:] for line in out if line.startswith("EV ")]
    buzz = [int(x) for x in next(line for line in out if line.startswith("BUZZ")).split()[1:]]
    return said, [(k, int(t), int(a), int(b)) for k, t, a, b in logged], buzz, out


def _buzzed(buzz: list[int], t: int) -> bool:
    return any(t - 100 <= b <= t + 600 for b in buzz)


def test_alerts_buzz_in_training_and_are_muted_by_snooze_and_by_the_used_up_budget(run):
    said, logged, buzz, out = run
    text = "\n".join(out)
    assert "Traceback" not in text, text[-3000:]
    alerts = [e["t_ms"] for e in said if e["event"] == "slouch_alert"]
    assert len(alerts) == 5, alerts
    assert [_buzzed(buzz, t) for t in alerts] == [True, False, True, True, False], (alerts, buzz)
    # muted alerts are logged all the same
    assert [t for k, t, _a, _b in logged if k == "slouch_alert"] == alerts


def test_long_press_snoozes_and_ends_short_press_calibrates(run):
    said, logged, _buzz, _out = run
    snoozes = [(e["t_ms"], e["minutes"], e["by_press"]) for e in said if e["event"] == "snooze"]
    assert [(m, p) for _t, m, p in snoozes] == [(30, True), (0, True)]
    assert 121_400 <= snoozes[0][0] <= 121_700 and 381_400 <= snoozes[1][0] <= 381_700, snoozes
    assert [(a, b) for k, _t, a, b in logged if k == "snooze"] == [(30, 1), (0, 1)]
    cals = [e["t_ms"] for e in said if e["event"] == "calibrated"]
    assert len(cals) == 2 and cals[1] > 500_300, cals   # the short press, not the long ones


def test_budget_used_up_switches_to_tracking_once(run):
    said, logged, _buzz, _out = run
    modes = [(e["t_ms"], e["mode"], e["why"]) for e in said if e["event"] == "mode"]
    assert [(m, w) for _t, m, w in modes] == [("tracking", "budget")]
    assert 600_000 <= modes[0][0] <= 780_000, modes
    assert [(a, b) for k, _t, a, b in logged if k == "mode"] == [(1, 1)]


def test_battery_falls_in_few_records_and_warns_once_with_its_pattern(run):
    said, logged, buzz, _out = run
    batt = [(t, a, b) for k, t, a, b in logged if k == "battery"]
    # 3760 mV falling 10 mV a minute for 20 minutes: 26 % down to about 5 %
    assert batt and 24 <= batt[0][2] <= 27, batt
    assert all(b[2] <= a[2] for a, b in zip(batt, batt[1:])), batt
    assert len(batt) <= batt[0][2] - batt[-1][2] + 20 // 10 + 3, batt
    for t, mv, _pct in batt:   # smoothed, so at most a few minutes behind the cell
        assert 0 <= mv - (3760 - t // 6000) <= 40, (t, mv)
    low = [e for e in said if e["event"] == "battery_low"]
    assert len(low) == 1 and 13 <= low[0]["percent"] <= 15, low
    t_low = low[0]["t_ms"]
    # the three pulses of BATTERY_LOW, 600 ms apart (to the loop's 38 ms step), and only once
    period = BATTERY_LOW[0] + BATTERY_LOW[1]
    pulses = [b for b in buzz if t_low - 50 <= b <= t_low + sum(BATTERY_LOW) + 100]
    assert len(pulses) == 3 and all(abs(y - x - period) <= 45 for x, y in zip(pulses, pulses[1:])), pulses
    # smoothed readings trail a cell falling this fast (10 mV a minute, some 60 times a worn
    # clip's rate) by about 3 minutes: the cell passed 3710 mV (15 %) at 300 s
    assert 300_000 <= t_low <= 300_000 + 4 * 60_000, t_low
