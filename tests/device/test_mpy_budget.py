"""Memory budgets under real MicroPython, the board's whole stack with the real driver.

Two simulated hours of a desk day through the stack firmware/wiring.main builds
(tools/mpy_day.py: settings, durable log, data channel, the real adafruit_lsm6ds
driver on a register-file I2C fake, ImuSensor, PostureDetector, Player, Monitor), on a
flash that already holds four weeks of unsynced log, then a host syncs all of it: the
live heap after a collection must not grow from hour 1 to hour 2, and the peak must fit
the board budget, with the modules loaded as deploy installs them and from .mpy (the
sync's peak does not fit yet: see its xfail). bench/memory_power.py runs the same for 8 hours and
prints it all.
"""

from pathlib import Path

import pytest

import mpy_budget
from mpy_samples import wearer_day
from mpyrun import run_mpy


@pytest.fixture(scope="module")
def day(tmp_path_factory):
    path = tmp_path_factory.mktemp("budget") / "day.bin"
    wearer_day(path, 2.0, 6, ticks_start=1000)
    return path, mpy_budget.measure_day(path, 2.0, start_ticks=0)


@pytest.fixture(scope="module")
def day_mpy(day):
    """The same day with the firmware and driver precompiled (.mpy), as deploy installs them
    when it has a CircuitPython mpy-cross; allocations per chunk only (a step's are the same)."""
    path, _result = day
    return mpy_budget.measure_day(path, 2.0, start_ticks=0, form="mpy", per_step=False)


def test_live_heap_does_not_grow(day):
    _path, result = day
    hourly = result["hourly"]
    assert len(hourly) == 3, hourly          # hours 0, 1 and 2
    segments = result["segments_hourly"]
    # a new flash segment adds one small entry to the log's table (bounded by max_segments)
    allowance = 64 * (segments[2] - segments[1])
    assert hourly[2] - hourly[1] <= allowance, (hourly, segments)
    assert result["n"] == 2 * 3600 * 26
    assert result["events"] > 10


def test_peak_heap_fits_the_board(day):
    _path, result = day
    firmware_live = result["live_max"] - result["baseline"]
    peak = firmware_live + result["step_alloc_max"]
    assert result["loaded"] - result["baseline"] > 20 * 1024     # the driver and firmware really loaded
    assert peak < mpy_budget.HEAP_BUDGET, "peak heap %d bytes" % peak


def test_a_host_syncs_weeks_of_log_every_record_in_polls_that_do_not_grow(day, day_mpy):
    """The same sync: every record of four weeks and the day goes out, and SYNC streams through
    one reused window, so a poll's work does not grow with the log."""
    _path, result = day
    for run in (result, day_mpy):
        assert run["backlog_records"] > 20000
        assert run["sync_records"] == run["log_next_seq"] > run["backlog_records"]   # every record went out
        assert run["poll_alloc_max"] < 32 * 1024, run["poll_alloc_max"]


@pytest.mark.xfail(strict=True, reason=(
    "known and open (issue 11, finding 7): while a host syncs four weeks of log the peak is "
    "about 110 KB from .py and 106 KB from .mpy against the 96 KB budget (the protocol handler "
    "and log reader add about 10 KB of live heap to the day's 83 KB, one poll about 7.5 KB); "
    "below the 126 KB measured free on a Pico W under CircuitPython 9.0, but without the "
    "budget's margin. strict: the day it fits, this fails and the mark must go."))
def test_a_host_syncs_weeks_of_log_within_the_board_budget(day, day_mpy):
    """The flash holds four weeks of unsynced log when the day starts (mpy_budget.BACKLOG_DAYS);
    the host syncs all of it and the day in 1000-record requests. The peak while syncing is the
    largest live heap before a poll plus what that poll allocated (the first one also loads the
    protocol handler), plus one sample's allocations: it must fit the board from .py and .mpy."""
    _path, result = day
    peaks = {run["form"]: run["sync_peak"] - run["baseline"] + result["step_alloc_max"]
             for run in (result, day_mpy)}
    assert all(p < mpy_budget.HEAP_BUDGET for p in peaks.values()), "peak while syncing: %s" % peaks


def test_the_installed_sources_hold_no_more_than_precompiled_modules_all_day(day, day_mpy):
    """Deploy ships source (no CircuitPython mpy-cross here). In the form it installs them
    (host/board_source.py: no docstrings, private constants written out, short local names)
    the modules hold about what mpy-cross output holds; the readable sources held 16 KB more."""
    _path, result = day
    assert day_mpy["events"] == result["events"]
    assert day_mpy["hourly"][2] - day_mpy["hourly"][1] <= 0, day_mpy["hourly"]
    mpy_live = day_mpy["live_max"] - day_mpy["baseline"]
    py_live = result["live_max"] - result["baseline"]
    assert py_live < mpy_live + 2 * 1024, (mpy_live, py_live)


def test_the_protocol_is_not_loaded_while_no_host_talks(day):
    _path, result = day
    assert "firmware.log" in result["day_modules"] and "firmware.detector" in result["day_modules"]
    assert "firmware.protocol" not in result["day_modules"]
    assert "firmware.logreader" not in result["day_modules"]


@pytest.fixture(scope="module")
def short_days(tmp_path_factory):
    path = tmp_path_factory.mktemp("forms") / "day.bin"
    wearer_day(path, 0.25, 7, ticks_start=5000)
    return {form: mpy_budget.measure_day(path, 0.25, form=form) for form in mpy_budget.FORMS}


def test_precompiled_mpy_files_load_and_hold_what_the_installed_sources_hold(short_days, tmp_path):
    """mpy-cross output (MicroPython's .mpy v6, accepted by the 1.27 port), no sources: the same
    events, and about the RAM of the sources in the form deploy installs."""
    copies = mpy_budget.compile_tree(tmp_path)
    files = [f for src, _dest in copies for f in src.iterdir()]
    assert files and all(f.suffix == ".mpy" for f in files)
    assert all(f.read_bytes()[:2] == b"M\x06" for f in files)
    py, mpy = short_days["py"], short_days["mpy"]
    assert mpy["events"] == py["events"] > 0
    # bytecode either way once loaded; the names and docstrings deploy leaves out of the sources
    # are what mpy-cross leaves out too
    assert abs((mpy["loaded"] - mpy["baseline"]) - (py["loaded"] - py["baseline"])) < 4 * 1024


def test_a_step_allocates_the_same_from_either_form(short_days):
    """The bench reads per-step allocations in the .py run only; that is sound only if equal."""
    py, mpy = short_days["py"], short_days["mpy"]
    assert py["n"] == mpy["n"] == int(0.25 * 3600 * 26)
    assert py["step_alloc_max"] == mpy["step_alloc_max"] > 0
    assert py["step_alloc_sum"] == mpy["step_alloc_sum"]


def test_the_imu_spends_time_with_the_gyro_off(day):
    """The firmware powers the gyro down while the wearer is still (a power-model input)."""
    _path, result = day
    power = mpy_budget.power_model(result, ops_per_sample=1000.0)
    assert 0.0 < power["gyro_on_share"] < 0.95
    modes = {(m["accel_hz"], m["accel_low_power"], m["gyro_hz"]) for m in power["imu_modes"] if m["share"] > 0.01}
    assert modes <= {(26.0, True, 26.0), (26.0, True, 0.0)}


@pytest.mark.parametrize("form", mpy_budget.FORMS)
def test_import_footprints_are_measured_after_collection(form):
    table = mpy_budget.import_table(form)
    rows = {name: size for name, size, _during, _qstr in table}
    assert "firmware.detector" in rows and "adafruit_lsm6ds.lsm6dsox" in rows
    assert all(size >= 0 for size in rows.values())
    assert all(0 <= qstr <= size for _name, size, _during, qstr in table)
    assert rows["firmware.ticks"] < 2048      # three small functions and a constant


def test_the_py_runs_load_exactly_what_deploy_installs(tmp_path, monkeypatch):
    """The budget holds for the files `posture deploy` writes when it ships source (no
    CircuitPython mpy-cross here): the .py runs load those bytes, file for file."""
    import sys

    sys.path.insert(0, str(mpy_budget.ROOT))
    from host import deploy

    monkeypatch.setenv("PATH", "/nonexistent")          # no mpy-cross: deploy ships .py
    monkeypatch.setenv("POSTURE_MPY_CROSS", "")
    drive = tmp_path / "drive"
    drive.mkdir()
    (drive / "boot_out.txt").write_text("Adafruit CircuitPython 9.2.1 on 2024-11-20; Adafruit QT Py "
                                        "RP2040 with rp2040\nBoard ID:adafruit_qtpy_rp2040\n")
    target = deploy.DirTarget(drive)
    deploy.apply(deploy.plan(target), target)
    measured = {}
    for out_dir, dest in mpy_budget.source_tree(tmp_path / "measured"):
        folder = dest.strip("/")
        for path in out_dir.iterdir():
            measured[folder + "/" + path.name] = path.read_bytes()
    assert len(measured) > 30
    for rel, data in measured.items():
        assert (drive / rel).read_bytes() == data, rel   # firmware/... and lib/<package>/...
    assert b'"""' not in measured["firmware/detector.py"]


CRC_SCRIPT = """
import gc
from firmware.crc import crc16
import binascii
out = []
total = 0
for i in range(64):
    data = bytes([i, 255 - i]) + bytes(range(100, 116))
    gc.collect()
    a = gc.mem_alloc()
    check = crc16(data)
    total += gc.mem_alloc() - a
    out.append(check == binascii.crc32(data) & 0xFFFF)
print(all(out), total)
"""


def test_a_record_check_allocates_one_long_int_at_most(tmp_path):
    """The log and SYNC check every record with crc16: on the board a CRC-32 above 2**30 is a
    long int, and masking it to 32 bits first made a second one (80 bytes a check here)."""
    copies = mpy_budget.source_tree(tmp_path)[:1]
    ok, total = run_mpy(CRC_SCRIPT, copies=copies).split()
    assert ok == "True"
    assert int(total) <= 64 * 56, int(total) / 64   # 48 bytes a check (80 before)


def test_module_order_puts_dependencies_first():
    order = mpy_budget.module_order()
    assert order.index("ticks") < order.index("detector") < order.index("wiring")
    assert order.index("events") < order.index("monitor")
    assert sorted(order) == sorted(p.stem for p in (Path(mpy_budget.ROOT) / "firmware").glob("*.py")
                                   if p.stem != "__init__")
