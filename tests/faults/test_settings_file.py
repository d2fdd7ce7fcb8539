"""A settings.toml edited by hand: wrong types, out-of-range values, unknown keys, broken lines.

The real code.py reads it through the simulated os.getenv (CircuitPython's rules):
each problem gets one clear console line naming the key, the default is used,
and the clip still calibrates and alerts.
"""

from __future__ import annotations

import string

import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from firmware.settings import SPEC

from .helpers import SLOUCH_START_S, device, first, kinds, recording

DEFAULT_DELAY_S = 30


def warnings(dev) -> list[str]:
    return [line for _t, line in dev.console_lines() if line.startswith("settings.toml:")]


def alert_after_s(dev) -> float:
    return first(dev, "slouch_alert")[1]["after_s"]


CASES = [
    # (settings.toml text, key that must be named, words the message must contain)
    ('POSTURE_SLOUCH_DELAY_S = "ten"\n', "POSTURE_SLOUCH_DELAY_S", ["'ten'", "whole number", "using 30"]),
    ("POSTURE_SLOUCH_DELAY_S = 3\n", "POSTURE_SLOUCH_DELAY_S", ["3", "5..600", "using 30"]),
    ("POSTURE_SLOUCH_DELAY_S = 100000\n", "POSTURE_SLOUCH_DELAY_S", ["100000", "5..600", "using 30"]),
    ("POSTURE_SLOUCH_DELAY_S = -10\n", "POSTURE_SLOUCH_DELAY_S", ["-10", "using 30"]),
    ("POSTURE_SLOUCH_DELAY_S = 12 34\n", "POSTURE_SLOUCH_DELAY_S", ["cannot read", "using 30"]),
    ("POSTURE_SLOUCH_DELAY_S = 1.5\n", "POSTURE_SLOUCH_DELAY_S", ["cannot read", "using 30"]),
    ("POSTURE_SLOUCH_DELAY_S = true\n", "POSTURE_SLOUCH_DELAY_S", ["cannot read", "using 30"]),
    ('POSTURE_SLOUCH_DELAY_S = "20\n', "POSTURE_SLOUCH_DELAY_S", ["cannot read", "using 30"]),
    ("POSTURE_SLOUCH_DELAY_S = \n", "POSTURE_SLOUCH_DELAY_S", ["cannot read", "using 30"]),
    ('POSTURE_HAPTIC = 5\n', "POSTURE_HAPTIC", ["not a word", "using 'pwm'"]),
    ('POSTURE_HAPTIC = "buzz"\n', "POSTURE_HAPTIC", ["'buzz'", "pwm, digital", "using 'pwm'"]),
    ('POSTURE_IMU = "LSM9DS1"\n', "POSTURE_IMU", ["'LSM9DS1'", "using 'auto'"]),
    ('POSTURE_HAPTIC_PIN = "%s"\n' % ("A" * 40), "POSTURE_HAPTIC_PIN", ["longer than 24"]),
    ("POSTURE_IMU_ADDRESS = 16\n", "POSTURE_IMU_ADDRESS", ["16", "using 106"]),
    ('POSTURE_HAPTIC_PIN = "__class__"\n', "POSTURE_HAPTIC_PIN", ["not a board pin name"]),
    ('POSTURE_BUTTON_PIN = "board_id"\n', "POSTURE_BUTTON_PIN", ["not a board pin name"]),
    ('POSTURE_HAPTIC_PIN = "../code.py"\n', "POSTURE_HAPTIC_PIN", ["not a board pin name"]),
    ("POSTURE_SLOUCH_DELAY = 10\n", "POSTURE_SLOUCH_DELAY", ["unknown"]),
    ("POSTURE_SLUOCH_DEG = 20\n", "POSTURE_SLUOCH_DEG", ["unknown"]),
]


@pytest.mark.parametrize("text,key,words", CASES)
def test_a_bad_setting_is_named_and_the_default_used(text: str, key: str, words: list[str]) -> None:
    with device(recording(), settings=text) as dev:
        dev.run_for(SLOUCH_START_S + DEFAULT_DELAY_S + 5)
        lines = [w for w in warnings(dev) if key in w]
        assert len(lines) == 1, dev.console_text()
        for word in words:
            assert word in lines[0], (word, lines[0])
        assert dev.crashes == [] and dev.resets == []
        assert "running on" in dev.console_text()
        # the default delay (30 s) is in force, not the bad value nor a clamped one
        assert abs(alert_after_s(dev) - DEFAULT_DELAY_S) < 1


def test_good_lines_around_bad_ones_still_apply() -> None:
    text = ("# my settings\n"
            "POSTURE_SLOUCH_DELAY_S = 10\n"
            'POSTURE_HAPTIC = "buzz"\n'
            "POSTURE_REMIND_S = 12 34\n"
            "POSTURE_TYPO = 1\n"
            "CIRCUITPY_WEB_API_PASSWORD = \"x\"\n"   # not ours: no message
            "[section]\nPOSTURE_SLOUCH_DEG = 99\n")   # tables are not read by getenv
    with device(recording(), settings=text) as dev:
        dev.run_for(SLOUCH_START_S + 20)
        ws = warnings(dev)
        assert len(ws) == 3, ws
        assert not any("CIRCUITPY" in w or "SLOUCH_DEG" in w for w in ws)
        assert abs(alert_after_s(dev) - 10) < 1.5


@pytest.mark.parametrize("text", ["", "\n\n# nothing\n", "\xef\xbb\xbf", "[only_a_table]\nX = 1\n"])
def test_empty_or_comment_only_files_give_defaults_silently(text: str) -> None:
    with device(recording(), settings=text) as dev:
        dev.run_for(SLOUCH_START_S + DEFAULT_DELAY_S + 5)
        assert warnings(dev) == []
        assert abs(alert_after_s(dev) - DEFAULT_DELAY_S) < 1


_KEYS = [row[0] for row in SPEC] + ["POSTURE_X", "posture_slouch_deg", "OTHER"]
_VALUES = st.one_of(
    st.integers(min_value=-10**12, max_value=10**12).map(str),
    st.text(alphabet=string.printable, max_size=30).map(lambda s: '"%s"' % s),
    st.text(alphabet=string.printable.replace("\n", "").replace("\r", ""), max_size=30),
)
_LINES = st.one_of(
    st.tuples(st.sampled_from(_KEYS), _VALUES).map(lambda kv: "%s = %s" % kv),
    st.text(alphabet=string.printable.replace("\n", ""), max_size=40),
)


@hsettings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(lines=st.lists(_LINES, max_size=12))
def test_any_hand_edited_file_boots(lines: list[str], cases) -> None:
    text = "\n".join(lines) + "\n"
    with device(recording([("upright", 15)]), settings=text) as dev:
        dev.run_for(8)
        out = dev.console_text()
        assert dev.crashes == [] and dev.resets == [], out
        assert "Traceback" not in out
        assert "running on" in out
        assert "calibrated" in kinds(dev)
    cases()


@pytest.mark.parametrize("pin", ["I2C", "STEMMA_I2C", "NOPE", "SCL", "SDA"])
def test_a_pin_name_that_is_no_motor_pin_is_ignored_and_the_default_pin_vibrates(pin: str) -> None:
    # a word that names no pin of the board (a bus function, a typo) or a pin of the IMU's
    # bus: the clip says so, ignores the setting and drives the board's default motor pin
    with device(recording(), settings={"POSTURE_HAPTIC_PIN": pin}) as dev:
        dev.run_for(SLOUCH_START_S + DEFAULT_DELAY_S + 5)
        assert dev.crashes == [] and dev.resets == []
        text = dev.console_text()
        assert "setting POSTURE_HAPTIC_PIN = %s (set in settings.toml) dropped: " % pin in text, text
        assert "the IMU was not found" not in text
        assert abs(alert_after_s(dev) - DEFAULT_DELAY_S) < 1   # still detects
        default = dev.board.pin("A0").timeline   # the QT Py's motor pin
        alert_ms = first(dev, "slouch_alert")[0]
        assert any(value and t >= alert_ms - 50 for t, value in default), default[-5:]
