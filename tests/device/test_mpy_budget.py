"""Memory budgets under real MicroPython, the board's whole stack with the real driver.

Two simulated hours of a desk day through the real adafruit_lsm6ds driver (on a
register-file I2C fake), ImuSensor, PostureDetector, Player and Monitor: the live
heap after a collection must not grow from hour 1 to hour 2, and the peak must fit
the board budget. bench/memory_power.py runs the same for 8 hours and prints it all.
"""

from pathlib import Path

import pytest

import mpy_budget
from mpy_samples import wearer_day


@pytest.fixture(scope="module")
def day(tmp_path_factory):
    path = tmp_path_factory.mktemp("budget") / "day.bin"
    wearer_day(path, 2.0, 6, ticks_start=1000)
    return path, mpy_budget.measure_day(path, 2.0, start_ticks=0)


def test_live_heap_does_not_grow(day):
    _path, result = day
    hourly = result["hourly"]
    assert len(hourly) == 3, hourly          # hours 0, 1 and 2
    assert hourly[2] - hourly[1] <= 0, hourly
    assert result["n"] == 2 * 3600 * 26
    assert result["events"] > 10


def test_peak_heap_fits_the_board(day):
    _path, result = day
    firmware_live = result["live_max"] - result["baseline"]
    peak = firmware_live + result["step_alloc_max"]
    assert result["loaded"] - result["baseline"] > 20 * 1024     # the driver and firmware really loaded
    assert peak < mpy_budget.HEAP_BUDGET, "peak heap %d bytes" % peak


def test_the_imu_spends_time_with_the_gyro_off(day):
    """The firmware powers the gyro down while the wearer is still (a power-model input)."""
    _path, result = day
    power = mpy_budget.power_model(result, ops_per_sample=1000.0)
    assert 0.0 < power["gyro_on_share"] < 0.95
    modes = {(m["accel_hz"], m["accel_low_power"], m["gyro_hz"]) for m in power["imu_modes"] if m["share"] > 0.01}
    assert modes <= {(26.0, True, 26.0), (26.0, True, 0.0)}


def test_import_footprints_are_measured_after_collection():
    rows = dict(mpy_budget.import_footprints())
    assert "firmware.detector" in rows and "adafruit_lsm6ds.lsm6dsox" in rows
    assert all(size >= 0 for size in rows.values())
    assert rows["firmware.ticks"] < 2048      # three small functions and a constant


def test_module_order_puts_dependencies_first():
    order = mpy_budget.module_order()
    assert order.index("ticks") < order.index("detector") < order.index("wiring")
    assert order.index("events") < order.index("monitor")
    assert sorted(order) == sorted(p.stem for p in (Path(mpy_budget.ROOT) / "firmware").glob("*.py")
                                   if p.stem != "__init__")
