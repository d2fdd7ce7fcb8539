"""The firmware type check really uses CircuitPython's stubs and catches misuse of them."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

BAD = '''
import supervisor
import usb_cdc
import board

t = supervisor.ticks_ms() + "ms"
usb_cdc.enable(consol=True)
'''

GOOD = '''
import supervisor
import usb_cdc
from micropython import const

_X = const(3)
usb_cdc.enable(console=True, data=True)
t = supervisor.ticks_ms() + _X
'''


def _mypy(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return subprocess.run([sys.executable, "-m", "mypy", "--config-file", str(ROOT / "mypy-firmware.ini"),
                           "--cache-dir", str(tmp_path / "cache"), str(path)],
                          capture_output=True, text=True, cwd=ROOT)


def test_misuse_of_circuitpython_apis_is_caught(tmp_path):
    proc = _mypy(tmp_path, "bad_board.py", BAD)
    assert proc.returncode == 1, proc.stdout
    assert 'Unsupported operand types for + ("int" and "str")' in proc.stdout
    assert '"consol"' in proc.stdout


def test_right_use_passes(tmp_path):
    proc = _mypy(tmp_path, "good_board.py", GOOD)
    assert proc.returncode == 0, proc.stdout
