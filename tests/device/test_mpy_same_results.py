"""ticks and settings give identical results under MicroPython and CPython."""

import random

from firmware import settings as fw_settings, ticks as fw_ticks
from mpyrun import run_mpy

PERIOD = 1 << 29


def _tick_cases():
    rng = random.Random(6)
    edges = [0, 1, 2, PERIOD - 1, PERIOD - 2, PERIOD // 2, PERIOD // 2 - 1, PERIOD // 2 + 1, PERIOD // 4]
    cases = [(a, b) for a in edges for b in edges]
    for _ in range(400):
        a = rng.randrange(PERIOD)
        cases.append((a, (a + rng.randrange(-(PERIOD // 2) + 1, PERIOD // 2)) % PERIOD))
    deltas = [0, 1, -1, 1000, -1000, PERIOD // 2 - 1, -(PERIOD // 2), 86_400_000, 7 * 86_400_000]
    return cases, deltas


def _tick_lines(t):
    cases, deltas = _tick_cases()
    lines = []
    for a, b in cases:
        lines.append("%d %d %d %d" % (a, b, t.ticks_diff(a, b), t.ticks_less(a, b)))
    for a, _b in cases[:80]:
        for d in deltas:
            lines.append("%d %d %d" % (a, d, t.ticks_add(a, d)))
    return lines


TICK_SCRIPT = """
import firmware.ticks as t
cases = %r
deltas = %r
for a, b in cases:
    print("%%d %%d %%d %%d" %% (a, b, t.ticks_diff(a, b), t.ticks_less(a, b)))
for a, _b in cases[:80]:
    for d in deltas:
        print("%%d %%d %%d" %% (a, d, t.ticks_add(a, d)))
"""


def test_ticks_wrap_identically():
    cases, deltas = _tick_cases()
    expected = _tick_lines(fw_ticks)
    got = run_mpy(TICK_SCRIPT % (cases, deltas)).splitlines()
    assert len(got) == len(expected) > 1000
    assert got == expected
    # the CPython side is itself right: diff undoes add across the wrap
    for a, _b in cases[:80]:
        for d in deltas:
            if -(PERIOD // 2) <= d < PERIOD // 2:
                assert fw_ticks.ticks_diff(fw_ticks.ticks_add(a, d), a) == d


SETTING_VALUES = [
    None, "", " ", "15", " 15 ", "0x6B", "0X6a", "4", "45", "46", "-3", "1e3", "15.0", "abc", 15, 5, 4,
    600, 601, True, False, 2.5, "pwm", " drv2605 ", "PWM", "none", "LSM6DSOX", "auto", "D5",
    "A" * 24, "A" * 25, 0x6A, 0x6C, [1],
]


def _settings_lines(s):
    lines = []
    for key in [row[0] for row in s.SPEC] + ["POSTURE_NOPE", "posture_slouch_deg"]:
        for value in SETTING_VALUES:
            ok, out = s.validate(key, value)
            lines.append("%s|%r|%s|%s" % (key, value, ok, out))
    warnings = []
    env = {"POSTURE_SLOUCH_DEG": "99", "POSTURE_HAPTIC": "drv2605", "POSTURE_REMIND_S": 60,
           "POSTURE_IMU_ADDRESS": "0x6B", "POSTURE_IMU": "LSM9"}
    loaded = s.load(env.get, warnings.append)
    lines += ["%s=%r" % kv for kv in loaded.items()]
    lines += warnings

    def broken(key):
        raise ValueError("bad toml")

    lines += ["%s=%r" % kv for kv in s.load(broken, warnings.append).items()]
    lines += warnings
    lines += ["%r" % (row,) for row in s.spec_rows()]
    return lines


SETTINGS_SCRIPT = """
import firmware.settings as s
SETTING_VALUES = %r
"""


def test_settings_validate_identically():
    import inspect

    source = inspect.getsource(_settings_lines)
    script = SETTINGS_SCRIPT % (SETTING_VALUES,) + source + "\nfor line in _settings_lines(s):\n    print(line)\n"
    expected = _settings_lines(fw_settings)
    got = run_mpy(script).splitlines()
    assert len(got) == len(expected) > 300
    assert got == expected
