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


def test_merge_keeps_user_lines_verbatim_and_other_keys() -> None:
    user = ('CIRCUITPY_WIFI_SSID = "home \\"net\\""\n'
            "POSTURE_SLOUCH_DEG = 20  # my back\n"
            "POSTURE_IMU_ADDRESS = 0x6B\n"
            'POSTURE_HAPTIC = "drv2605"\n')
    text, kept, warnings = settings_file.merge(settings_file.render_template(), user)
    values = tomllib.loads(text)
    assert values == {"CIRCUITPY_WIFI_SSID": 'home "net"', "POSTURE_SLOUCH_DEG": 20,
                      "POSTURE_IMU_ADDRESS": 0x6B, "POSTURE_HAPTIC": "drv2605"}
    assert "POSTURE_SLOUCH_DEG = 20  # my back" in text.splitlines()
    assert "POSTURE_IMU_ADDRESS = 0x6B" in text.splitlines()
    assert "# POSTURE_SLOUCH_DEG" not in text  # replaced in place, not duplicated
    assert "# POSTURE_REMIND_S = 120" in text  # untouched settings stay commented
    assert sorted(kept) == sorted(values)
    assert warnings == []
    # merging again changes nothing
    assert settings_file.merge(settings_file.render_template(), text)[0] == text


def test_merge_warns_about_values_the_clip_will_ignore() -> None:
    text, _, warnings = settings_file.merge(settings_file.render_template(),
                                            "POSTURE_SLOUCH_DEG = 90\nPOSTURE_TYPO = 1\n")
    assert tomllib.loads(text) == {"POSTURE_SLOUCH_DEG": 90, "POSTURE_TYPO": 1}
    assert any("POSTURE_SLOUCH_DEG = 90" in w and "5..45" in w for w in warnings)
    assert any("POSTURE_TYPO" in w and "no such setting" in w for w in warnings)


def test_unreadable_user_file_is_refused() -> None:
    with pytest.raises(PostureError, match="not valid TOML"):
        settings_file.merge(settings_file.render_template(), "POSTURE_SLOUCH_DEG = = 3\n")


def test_docs_table_matches_the_code() -> None:
    doc = settings_file.DOC_PATH.read_text()
    assert settings_file.doc_table(doc) == settings_file.render_table(), \
        "run: python -m host.settings_file --write"
    for row in settings.SPEC:
        assert "`%s`" % row[0] in settings_file.render_table()
