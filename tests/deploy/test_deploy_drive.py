"""Finding the CIRCUITPY drive and reading boot_out.txt."""

from __future__ import annotations

from pathlib import Path

import pytest

from host import drive
from host.errors import PostureError

from . import fat


def test_boot_out_of_a_qt_py_gives_version_and_board() -> None:
    info = drive.parse_boot_out(fat.BOOT_OUT_9)
    assert (info.version, info.major, info.minor) == ("9.2.1", 9, 2)
    assert info.board_id == "adafruit_qtpy_rp2040"
    assert info.board_name == "Adafruit QT Py RP2040 with rp2040"
    drive.check_supported(info)


def test_prerelease_version_keeps_its_suffix() -> None:
    info = drive.parse_boot_out("Adafruit CircuitPython 10.0.0-beta.2 on 2025-07-01; Raspberry Pi Pico with rp2040\n"
                                "Board ID:raspberry_pi_pico\n")
    assert info.version == "10.0.0-beta.2" and info.major == 10


@pytest.mark.parametrize("version", ["8.2.10", "7.3.3", "6.0.0"])
def test_old_circuitpython_is_refused_with_the_version_named(version: str) -> None:
    info = drive.parse_boot_out("Adafruit CircuitPython %s on 2023-01-01; X with y\nBoard ID:x\n" % version)
    with pytest.raises(PostureError, match=r"CircuitPython %s.*9 or newer" % version.replace(".", r"\.")):
        drive.check_supported(info)


def test_boot_out_without_a_version_is_an_error_not_a_crash() -> None:
    with pytest.raises(PostureError, match="does not name a CircuitPython version"):
        drive.parse_boot_out("MicroPython v1.22.0 on 2024-01-01\n")
    with pytest.raises(PostureError):
        drive.parse_boot_out("")


def test_board_id_line_is_optional() -> None:
    info = drive.parse_boot_out("Adafruit CircuitPython 9.0.0 on 2024-03-19; Some Board with samd51\n")
    assert info.board_id == ""


def test_linux_mount_table_finds_circuitpy_and_decodes_spaces() -> None:
    text = ("/dev/sda1 / ext4 rw 0 0\n"
            "/dev/sdb1 /media/ann/CIRCUITPY vfat rw,nosuid 0 0\n"
            "/dev/sdc1 /media/ann\\040smith/CIRCUITPY1 vfat rw 0 0\n"
            "/dev/sdd1 /media/ann/NOTCIRCUITPY vfat rw 0 0\n")
    assert drive.linux_mount_points(text) == ["/media/ann/CIRCUITPY", "/media/ann smith/CIRCUITPY1"]


def test_mount_command_output_of_macos_and_linux() -> None:
    out = ("/dev/disk1s1 on / (apfs, local, journaled)\n"
           "/dev/disk4s1 on /Volumes/CIRCUITPY (msdos, local, nodev, nosuid, noowners)\n"
           "/dev/sdb1 on /run/media/bo/CIRCUITPY type vfat (rw,nosuid)\n")
    assert drive.mount_command_points(out) == ["/Volumes/CIRCUITPY", "/run/media/bo/CIRCUITPY"]


def test_find_drive_needs_boot_out(tmp_path: Path) -> None:
    empty = tmp_path / "CIRCUITPY"
    empty.mkdir()
    with pytest.raises(PostureError, match="no CIRCUITPY drive found"):
        drive.find_drive(candidates=[str(empty)])
    with pytest.raises(PostureError, match="no boot_out.txt"):
        drive.find_drive(str(empty))
    (empty / "boot_out.txt").write_text(fat.BOOT_OUT_9)
    assert drive.find_drive(candidates=[str(empty)]) == empty
    assert drive.find_drive(str(empty)) == empty


def test_two_boards_ask_which(tmp_path: Path) -> None:
    paths = []
    for name in ("CIRCUITPY", "CIRCUITPY1"):
        path = tmp_path / name
        path.mkdir()
        (path / "boot_out.txt").write_text(fat.BOOT_OUT_9)
        paths.append(str(path))
    with pytest.raises(PostureError, match="several CIRCUITPY drives.*--drive"):
        drive.find_drive(candidates=paths)


def test_drive_option_must_be_a_directory(tmp_path: Path) -> None:
    with pytest.raises(PostureError, match="is not a directory"):
        drive.find_drive(str(tmp_path / "nowhere"))
