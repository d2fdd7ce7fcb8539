"""settings.toml: the template, keeping the user's values, and the docs table."""

from __future__ import annotations

import tomllib

import pytest

from firmware import settings
from host import settings_file
from host.errors import PostureError


def test_committed_template_is_the_generated_one() -> None:
    assert settings_file.TEMPLATE_PATH.read_text() == settings_file.render_template(), \
        "run: python -m host.settings_file --write"


def test_template_names_every_setting_at_its_default() -> None:
    text = settings_file.render_template()
    assert tomllib.loads(text) == {}  # all commented out: the clip uses its defaults
    uncommented = "\n".join(line[2:] for line in text.splitlines() if line.startswith("# POSTURE_"))
    values = tomllib.loads(uncommented)
    assert list(values) == [row[0] for row in settings.SPEC]
    for row in settings.SPEC:
        assert values[row[0]] == row[3]
        assert settings.validate(row[0], values[row[0]]) == (True, row[3])


def test_check_reads_the_users_keys_and_warns_about_values_the_clip_will_ignore() -> None:
    user = ('CIRCUITPY_WIFI_SSID = "home \\"net\\""\n'
            "POSTURE_SLOUCH_DEG = 20  # my back\n"
            "POSTURE_IMU_ADDRESS = 0x6B\n"
            'POSTURE_HAPTIC = "drv2605"\n'
            "POSTURE_BREAK_MIN = 900\n"
            "POSTURE_TYPO = 1\n"
            'POSTURE_HAPTIC_PIN = "SCL"\n').encode()
    keys, warnings = settings_file.check_user_file(user)
    assert keys == ["CIRCUITPY_WIFI_SSID", "POSTURE_SLOUCH_DEG", "POSTURE_IMU_ADDRESS", "POSTURE_HAPTIC",
                    "POSTURE_BREAK_MIN", "POSTURE_TYPO", "POSTURE_HAPTIC_PIN"]
    assert len(warnings) == 3, warnings
    assert "POSTURE_BREAK_MIN (line 5)" in warnings[0] and "0..240" in warnings[0]
    assert "POSTURE_TYPO (line 6)" in warnings[1] and "no such setting" in warnings[1]
    assert "POSTURE_HAPTIC_PIN = SCL (line 7)" in warnings[2] and "I2C bus" in warnings[2]


@pytest.mark.parametrize("text,line,what", [
    (b'A = 1\nPOSTURE_HAPTIC_PIN = """D5\n"""\n', 2, "spans several lines"),
    (b"POSTURE_SLOUCH_DEG = 20\nPOSTURE_REMIND_S = [1,\n 2]\n", 2, "spans several lines"),
    (b"POSTURE_SLOUCH_DEG = = 3\n", 1, "is not a whole number"),
    (b'POSTURE_HAPTIC = "pw\xe9m"\n', 1, "is not a whole number"),
    (b'X = "never closed\nPOSTURE_SLOUCH_DEG = 3\n', 1, "not closed"),
    (b"just words\n", 1, "a key without '='"),
    (b"\xe9t\xe9 = 1\n", 1, "neither a setting"),
])
def test_a_posture_line_deploy_cannot_read_stops_it(text: bytes, line: int, what: str) -> None:
    with pytest.raises(PostureError, match=r"settings.toml, line %d: .*%s.*nothing was written" % (line, what)):
        settings_file.check_user_file(text)


def test_what_the_clip_ignores_is_not_checked() -> None:
    # after the first table CircuitPython reads nothing, and neither does deploy
    text = b'[wifi]\nPOSTURE_SLOUCH_DEG = """\nanything\n"""\n\xff\xfe = junk\n'
    assert settings_file.check_user_file(text) == ([], [])


def test_docs_table_matches_the_code() -> None:
    doc = settings_file.DOC_PATH.read_text()
    assert settings_file.doc_table(doc) == settings_file.render_table(), \
        "run: python -m host.settings_file --write"
    for row in settings.SPEC:
        assert "`%s`" % row[0] in settings_file.render_table()
