"""The detector gives the same events with CircuitPython's 30-bit floats.

Every input value, every arithmetic result inside the firmware (through F30),
every math-function result and float constant, and after each sample every
float the detector holds, is rounded to the 30-bit format (see float30.py).
"""

import math
import struct

import pytest

import mpy_scenario
from firmware import activity, detector, orientation
from firmware.ticks import TICKS_PERIOD
from float30 import F30, math30, r30, round_state
from mpy_samples import wearer_day

HOURS = 1.0
SEED = 11


def _bits(x):
    return struct.unpack("<I", struct.pack("<f", x))[0]


def test_r30_keeps_22_significant_bits():
    assert r30(1.0) == 1.0 and r30(-2.5) == -2.5 and r30(0.0) == 0.0
    third = r30(1 / 3)
    assert _bits(third) & 3 == 0
    assert third != struct.unpack("<f", struct.pack("<f", 1 / 3))[0]  # float32 alone keeps more
    for x in (1 / 3, math.pi, 9.80665, 1e-5, 12345.678, -0.7071):
        assert abs(r30(x) - x) <= abs(x) * 2.0 ** -21
        assert r30(r30(x)) == r30(x)
    assert r30(1e39) == math.inf


def test_f30_rounds_every_intermediate_result():
    a = F30(1 / 3)
    for value in (a + 1e-9, 1e-9 + a, a * 3.000001, 2 / a, a - 0.1, -a, abs(-a), a ** 2, 1 + a):
        assert type(value) is F30
        assert _bits(value) & 3 == 0
    # a small increment vanishes, as on the board: about 6 significant digits
    assert F30(1000.0) + 1e-5 == 1000.0
    assert math30().sqrt(2.0) == r30(math.sqrt(2.0)) and math30().pi == r30(math.pi)


@pytest.fixture(scope="module")
def day(tmp_path_factory):
    path = tmp_path_factory.mktemp("float30") / "day.bin"
    wearer_day(path, HOURS, SEED, ticks_start=TICKS_PERIOD - 900_000)
    return path


def _run(path):
    lines = []
    mpy_scenario.run(str(path), lines.append)
    return lines


def test_same_events_with_30_bit_floats(day, monkeypatch):
    full = _run(day)
    shim = math30()
    for mod in (detector, orientation, activity):
        if hasattr(mod, "math"):
            monkeypatch.setattr(mod, "math", shim)
        for name, value in list(vars(mod).items()):
            if type(value) is float:
                monkeypatch.setattr(mod, name, F30(value))
    held = {"plain": 0, "samples": 0}

    def after(det):
        held["plain"] += round_state(det)
        held["samples"] += 1

    lines = []
    mpy_scenario.run(str(day), lines.append, wrap=F30, after=after)
    events_full = [line for line in full if line.startswith("E ")]
    events_30 = [line for line in lines if line.startswith("E ")]
    kinds = {line.split()[2] for line in events_full}
    assert {"calibrated", "slouch_start", "slouch_alert", "slouch_end"} <= kinds
    assert events_30 == events_full
    assert [m for m in lines if m.startswith("M ")] == [m for m in full if m.startswith("M ")]
    # the state really was 30-bit: after the sweep nothing plain is left, and the
    # firmware itself produced few plain floats (int / int divisions) for the sweep to catch
    det_floats = [v for v in vars(detector).values() if type(v) is float]
    assert det_floats == []
    assert held["samples"] > 90_000
    assert held["plain"] < held["samples"]  # about 0.35 a sample (int / int divisions)
