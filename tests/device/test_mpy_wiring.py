"""The real boot.py and code.py (firmware/wiring.main and everything it builds) under real
MicroPython, on the minimal fake board of tools/mpy_fakeboard.py and the real driver.

Other device tests build the firmware's objects themselves; this one runs the files a
board runs, so a CPython-only call anywhere on the start-up path (wiring, datalink,
settings, resets, boot.py) fails here as it would on the clip.
"""

from pathlib import Path

import pytest

from mpy_budget import TOOLS, driver_copies
from mpy_samples import wearer_day
from mpyrun import ROOT, run_mpy

RUN = """
import sys
import mpy_fakeboard as fb
objs = fb.install('/data/day.bin', board_id=%(board)r, env=%(env)r)
out = []
try:
    exec(open('/boot.py').read(), {'__name__': '__main__'})
except fb.RunOver:
    out.append('boot.py ran out of samples')
try:
    exec(open('/code.py').read(), {'__name__': '__main__'})
except fb.RunOver:
    pass
import os
names = os.listdir('/log')
size = 0
for name in names:
    size += os.stat('/log/' + name)[6]
st = objs['state']
print(('RESULT remounted=%%d cdc=%%d motor_on=%%d resets=%%d feeds=%%d samples=%%d elapsed_ms=%%d '
       'log_files=%%d log_bytes=%%d') %% (
    st['remounted'], st['usb_cdc_enabled'], st['motor_on'], st['resets'], objs['watchdog'].feeds,
    objs['recording'].samples, objs['clock'].elapsed_ms, len(names), size))
for line in out:
    print(line)
"""


def _run(tmp_path: Path, hours: float, seed: int, board: str = "adafruit_qtpy_rp2040",
         env: dict | None = None) -> tuple[dict[str, int], list[str]]:
    day = tmp_path / "day.bin"
    wearer_day(day, hours, seed)
    copies = ["firmware", *driver_copies(), TOOLS / "mpy_board.py", TOOLS / "mpy_fakeboard.py",
              (ROOT / "boot.py", "/boot.py"), (ROOT / "code.py", "/code.py"), (day, "/data/day.bin")]
    out = run_mpy(RUN % {"board": board, "env": env or {}}, copies=copies, grow_heap=True,
                  timeout=900).splitlines()
    result = [line for line in out if line.startswith("RESULT ")]
    assert result, "\n".join(out[-40:])
    figures = {k: int(v) for k, v in (w.split("=") for w in result[0].split()[1:])}
    return figures, out


@pytest.fixture(scope="module")
def hour(tmp_path_factory):
    return _run(tmp_path_factory.mktemp("wiring"), 1.0, 6)


def test_boot_py_remounts_the_flash_and_enables_the_data_channel(hour):
    figures, _out = hour
    assert figures["remounted"] == 1
    assert figures["cdc"] == 1


def test_code_py_runs_an_hour_under_micropython_without_a_crash(hour):
    figures, out = hour
    text = "\n".join(out)
    assert "Traceback" not in text and "crash" not in text.lower(), text[-3000:]
    assert figures["resets"] == 0
    assert any(line.startswith("posture: running on Adafruit QT Py RP2040") for line in out), text[-2000:]
    # the loop ran the whole recording at the data rate and fed the watchdog every step
    assert figures["elapsed_ms"] >= 3600 * 1000 - 1000
    assert figures["samples"] > 3600 * 25
    assert figures["feeds"] > 3600 * 25


def test_code_py_calibrates_alerts_and_logs_under_micropython(hour):
    figures, out = hour
    said = [line for line in out if line.startswith("posture: ")]
    assert any(" calibrated " in line for line in said), said
    alerts = [line for line in said if line.startswith("posture: slouch_alert ")]
    assert alerts, said
    assert figures["motor_on"] >= len(alerts)   # every alert vibrated (the calibration buzz too)
    # the durable log holds the hour: a state file and at least one segment with records
    assert figures["log_files"] >= 2 and figures["log_bytes"] > 1000, figures
