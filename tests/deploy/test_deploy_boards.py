"""firmware/boards.py: per-board defaults the clip, deploy and the docs share."""

from __future__ import annotations

import ast
from pathlib import Path

from firmware import boards, settings

KEYS = {"board_id", "name", "known", "i2c", "i2c_buses", "imu", "imu_address", "imu_onboard",
        "haptic", "motor_pin", "button_pin", "wiring"}
# keys only some boards have (read with cfg.get): power and installing
OPTIONAL = {"wake_pin", "off_pins", "slow_mhz", "bootloader", "circuitpython_name", "sleep_min"}
IMU_WORDS = next(row for row in settings.SPEC if row[0] == "POSTURE_IMU")[4]
HAPTIC_WORDS = next(row for row in settings.SPEC if row[0] == "POSTURE_HAPTIC")[4]


def test_every_board_and_the_fallback_have_every_key_with_valid_words() -> None:
    for board_id in boards.board_ids() + ["no_such_board", ""]:
        cfg = boards.defaults(board_id)
        assert KEYS <= set(cfg) <= KEYS | OPTIONAL, board_id
        assert cfg["i2c"] == cfg["i2c_buses"][0]
        assert set(cfg["i2c_buses"]) <= {"STEMMA_I2C", "I2C"}
        assert cfg["imu"] and set(cfg["imu"]) <= set(IMU_WORDS) - {"auto"}
        assert cfg["haptic"] in HAPTIC_WORDS
        assert cfg["imu_address"] in (0x6A, 0x6B)
        assert isinstance(cfg["motor_pin"], str) and cfg["motor_pin"]
        assert cfg["button_pin"] is None or isinstance(cfg["button_pin"], str)
        assert cfg["board_id"] == board_id
        # a board's own sleep default must be a value POSTURE_SLEEP_MIN accepts
        assert "sleep_min" not in cfg or settings.validate("POSTURE_SLEEP_MIN", cfg["sleep_min"])[0]


def test_the_two_supported_boards() -> None:
    qtpy = boards.defaults("adafruit_qtpy_rp2040")
    assert qtpy["known"] and qtpy["i2c"] == "STEMMA_I2C" and not qtpy["imu_onboard"]
    assert {"LSM6DSOX", "LSM6DS3TRC"} <= set(qtpy["imu"])
    sense = boards.defaults("feather_bluefruit_sense")
    assert sense["known"] and sense["i2c"] == "I2C" and sense["imu_onboard"]
    # the Sense shipped with the LSM6DS33 first and the LSM6DS3TR-C later
    assert set(sense["imu"]) == {"LSM6DS33", "LSM6DS3TRC"}


def test_unknown_board_gets_the_generic_fallback() -> None:
    cfg = boards.defaults("someone_elses_board")
    assert not cfg["known"] and cfg["i2c_buses"] == ("STEMMA_I2C", "I2C")


def test_defaults_returns_a_fresh_dict() -> None:
    cfg = boards.defaults("adafruit_qtpy_rp2040")
    cfg["motor_pin"] = "D99"
    assert boards.defaults("adafruit_qtpy_rp2040")["motor_pin"] != "D99"


def test_boards_module_imports_nothing() -> None:
    tree = ast.parse(Path(boards.__file__).read_text())
    assert not [n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))]


def test_every_known_board_names_its_bootloader_drive_and_download() -> None:
    """The hardware guide's install step depends on these (issue 14: the Feather Sense's drive
    is FTHRSNSBOOT, and circuitpython.org lists it as "Feather Bluefruit Sense")."""
    for board_id in boards.board_ids():
        cfg = boards.defaults(board_id)
        assert cfg.get("bootloader") and cfg.get("circuitpython_name"), board_id
    sense = boards.defaults("feather_bluefruit_sense")
    assert (sense["bootloader"], sense["circuitpython_name"]) == ("FTHRSNSBOOT", "Feather Bluefruit Sense")
    assert sense["wake_pin"] == "ACCELEROMETER_GYRO_INTERRUPT"
    assert boards.defaults("adafruit_qtpy_rp2040")["bootloader"] == "RPI-RP2"


def test_deploy_refuses_a_circuit_playground_express_with_the_reason(tmp_path: Path, capsys) -> None:
    from host import cli

    drive = tmp_path / "CIRCUITPY"
    drive.mkdir()
    (drive / "boot_out.txt").write_text(
        "Adafruit CircuitPython 9.2.1 on 2024-11-20; Adafruit CircuitPlayground Express with samd21g18\n"
        "Board ID:circuitplayground_express\nUID:0123456789AB\n")
    code = cli.main(["deploy", "--drive", str(drive)])
    out, err = capsys.readouterr()
    assert code == 2 and out == "" and "Traceback" not in err
    assert "circuitplayground_express" in err and "SAMD21" in err and "32 KB" in err
    assert sorted(p.name for p in drive.iterdir()) == ["boot_out.txt"]


def test_a_deploy_prints_no_mpy_cross_line(tmp_path: Path, capsys, monkeypatch) -> None:
    """With no CircuitPython mpy-cross (the usual case) deploy ships .py without a line about it;
    the reasons stay in --json's format_note."""
    from host import cli

    from . import fat

    monkeypatch.setenv("PATH", "/nonexistent")
    drive = tmp_path / "CIRCUITPY"
    drive.mkdir()
    (drive / "boot_out.txt").write_text(fat.BOOT_OUT_9)
    code = cli.main(["deploy", "--drive", str(drive), "--dry-run"])
    out, _err = capsys.readouterr()
    assert code == 0
    assert "mpy-cross" not in out and "files:" not in out
