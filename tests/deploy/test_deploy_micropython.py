"""What deploy put on the drive imports under real MicroPython: the library set is complete."""

from __future__ import annotations

import sys
from pathlib import Path

from host import deploy

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT / "tools") not in sys.path:
    sys.path.insert(0, str(ROOT / "tools"))

from mpyrun import run_mpy  # noqa: E402

PROGRAM = """
import sys
if "/lib" not in sys.path:
    sys.path.append("/lib")  # CircuitPython searches /lib too
import adafruit_lsm6ds.lsm6dsox, adafruit_lsm6ds.lsm6ds3trc, adafruit_lsm6ds.lsm6ds33
import adafruit_drv2605
from firmware import boards, wiring, monitor, detector, haptics, sensor
print("imported", adafruit_lsm6ds.lsm6dsox.LSM6DSOX.__name__, boards.defaults("feather_bluefruit_sense")["i2c"])
"""


def test_deployed_libraries_and_firmware_import_under_micropython(drive_dir: Path) -> None:
    target = deploy.DirTarget(drive_dir)
    deploy.apply(deploy.plan(target), target)
    out = run_mpy(PROGRAM, copies=[(drive_dir / "firmware", "firmware"), (drive_dir / "lib", "lib")])
    assert out.strip() == "imported LSM6DSOX I2C"
