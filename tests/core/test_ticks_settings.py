from hypothesis import given, strategies as st

from firmware import settings as fs
from firmware.ticks import TICKS_PERIOD, ticks_add, ticks_diff, ticks_less


@given(st.integers(0, TICKS_PERIOD - 1), st.integers(-(1 << 28) + 1, (1 << 28) - 1))
def test_ticks_diff_inverts_ticks_add_across_the_wrap(start, delta):
    end = ticks_add(start, delta)
    assert 0 <= end < TICKS_PERIOD
    assert ticks_diff(end, start) == delta
    assert ticks_less(start, end) == (delta > 0)


def test_wrap_point():
    assert ticks_diff(3, TICKS_PERIOD - 2) == 5
    assert ticks_add(TICKS_PERIOD - 1, 1) == 0


def test_defaults_match_the_issue():
    s = fs.Settings()
    assert (s.slouch_deg, s.slouch_delay_s, s.remind_s, s.break_min) == (15, 30, 120, 50)


def test_load_reports_bad_values_and_keeps_defaults():
    raw = {"POSTURE_SLOUCH_DEG": "abc", "POSTURE_SLOUCH_DELAY_S": 2, "POSTURE_REMIND_S": "60",
           "POSTURE_HAPTIC": "laser", "POSTURE_BREAK_MIN": True, "POSTURE_IMU_ADDRESS": "0x6B"}
    warnings: list[str] = []
    s = fs.load(raw.get, warnings.append)
    assert s.slouch_deg == 15 and s.slouch_delay_s == 30 and s.haptic == "pwm" and s.break_min == 50
    assert s.remind_s == 60 and s.imu_address == 0x6B
    text = "\n".join(warnings)
    assert len(warnings) == 4
    assert "POSTURE_SLOUCH_DEG = 'abc' is not a whole number" in text
    assert "POSTURE_SLOUCH_DELAY_S = 2 is outside 5..600" in text
    assert "POSTURE_HAPTIC = 'laser' is not one of" in text


def test_getenv_that_raises_is_reported_not_fatal():
    def getenv(key):
        if key == "POSTURE_REMIND_S":
            raise ValueError("invalid syntax")
        return None
    warnings: list[str] = []
    s = fs.load(getenv, warnings.append)
    assert s.remind_s == 120 and "cannot read POSTURE_REMIND_S" in warnings[0]


def test_validate_rejects_unknown_keys():
    ok, msg = fs.validate("POSTURE_EVAL", "1")
    assert not ok and "unknown setting" in msg
