"""The repository's real boot.py and code.py on the simulated board and the LSM6DS emulator."""

import re
import sys

import pytest

from host.sim.circuitpython import TICKS_PERIOD, SimClock

from .sources import Script, Tilted


def events(device, kind):
    """(t_ms of the console line, line) for each `posture: <kind> ...` line."""
    return [(t, line) for t, line in device.console_lines() if line.startswith("posture: %s " % kind)]


@pytest.fixture
def make_device(sim_device):
    return sim_device


def test_code_py_boots_calibrates_and_runs_for_minutes(make_device):
    before = dict(sys.modules)
    device = make_device(Tilted(0))
    device.run_for(60)
    device.run_for(120)                                    # resumes the same endless loop
    assert device.clock.now_ms == 180_000 and device.boots == 1 and device.code_runs == 1
    assert device.crashes == [] and device.resets == []
    (cal_t, cal_line), = events(device, "calibrated")
    assert 2000 <= cal_t <= 20_000
    # boot.py: drive writable for the firmware, data channel on; its output in boot_out.txt
    assert device.board.calls_named("storage.remount")[0][3]["readonly"] is False
    assert device.board.data_enabled and not device.board.readonly
    assert "Board ID:adafruit_qtpy_rp2040" in open(device.fs_dir + "/boot_out.txt").read()
    # the calibration buzz on the motor pin, and nothing else while sitting upright
    spans = device.vibrations()
    assert len(spans) == 1 and cal_t <= spans[0][0] < cal_t + 200 and spans[0][1] - spans[0][0] < 300
    # the firmware fed the watchdog all along and set the IMU up at 26 Hz in low-power mode
    assert device.board.watchdog.feeds > 26 * 170
    modes = device.imu.time_in_modes()
    t_low_power = min(t for t, sensor, hz, mode in device.imu.mode_timeline
                      if (sensor, hz, mode) == ("accel", 26.0, "low-power"))
    assert t_low_power < 5000 and modes[("accel", 26.0, "low-power")] == 180_000 - t_low_power
    assert device.imu.samples_taken > 26 * 175
    # for a power model: the loop sleeps most of the time, and each sample is a short I2C read
    assert 0.8 * 180_000_000 < device.clock.slept_us < 180_000_000
    assert device.board.i2c_bus.bytes_moved < 20 * device.imu.samples_taken
    # the host's modules are untouched while the device is paused and after it is closed
    assert "board" not in sys.modules and sys.modules.get("time") is before["time"]
    device.close()
    assert "adafruit_lsm6ds" not in sys.modules or sys.modules["adafruit_lsm6ds"] is before.get("adafruit_lsm6ds")


def test_sustained_slouch_vibrates_after_the_delay(make_device):
    motion = Script((60, Tilted(0)), (200, Tilted(30)), (1000, Tilted(0)))
    device = make_device(motion, variant="LSM6DS3TRC", settings={"POSTURE_SLOUCH_DELAY_S": 20})
    device.run_for(150)
    (alert_t, line), = events(device, "slouch_alert")
    assert 60_000 + 18_000 <= alert_t <= 60_000 + 35_000
    starts = [start for start, _ in device.vibrations()]
    assert any(alert_t <= s < alert_t + 100 for s in starts)
    assert all(s < 20_000 or s >= alert_t for s in starts)    # no buzz between calibration and the alert


def test_i2c_faults_and_a_vanished_sensor_never_stop_the_loop(make_device):
    device = make_device(Tilted(0))
    device.run_for(30)
    device.imu.fail_next(3)                     # a burst shorter than the firmware's limit
    device.run_for(5)
    assert events(device, "sensor_error") == [] and device.crashes == []
    device.imu.vanish()
    device.run_for(10)
    (err_t, err_line), = events(device, "sensor_error")
    assert "'a': 19" in err_line                # ENODEV, as a board reports a NACK
    device.imu.reappear()                       # powered up anew: registers at defaults
    assert device.imu.accel_odr_hz() == 0.0
    device.run_for(10)
    assert len(events(device, "sensor_recovered")) == 1
    assert device.imu.accel_odr_hz() == 26.0    # the firmware configured it again
    assert device.crashes == [] and device.resets == [] and device.code_runs == 1


class HangsOnce:
    """Upright and still, but at `at_s` the I2C read takes `hang_s` (a stuck bus): the loop stops."""

    def __init__(self, clock, at_s, hang_s):
        self.clock = clock
        self.at_ms = at_s * 1000
        self.hang_ms = hang_s * 1000
        self.hung = False
        self.still = Tilted(0)

    def at(self, t_ms):
        if not self.hung and t_ms >= self.at_ms:
            self.hung = True
            self.clock.advance_ms(self.hang_ms)
        return self.still.at(t_ms)


def test_watchdog_resets_a_hung_board_and_the_firmware_starts_again(make_device):
    clock = SimClock()
    device = make_device(HangsOnce(clock, at_s=40, hang_s=30), clock=clock)
    device.run_for(120)
    assert len(device.resets) == 1
    reset_t, kind = device.resets[0]
    assert kind == "WatchDogReset" and 40_000 < reset_t <= 40_000 + 9_000
    assert device.boots == 2 and device.code_runs == 2
    running = [t for t, line in device.console_lines() if line.startswith("posture: running")]
    assert len(running) == 2 and running[1] >= reset_t
    assert len(events(device, "calibrated")) == 2          # calibrates again after the reset


def test_ticks_wrap_during_a_slouch(make_device):
    clock = SimClock(start_ticks=TICKS_PERIOD - 70_000)    # wraps 70 s in, mid-slouch
    motion = Script((50, Tilted(0)), (200, Tilted(30)))
    device = make_device(motion, clock=clock, settings={"POSTURE_SLOUCH_DELAY_S": 30})
    device.run_for(120)
    (alert_t, line), = events(device, "slouch_alert")
    after_s = float(re.search(r"'after_s': ([0-9.]+)", line).group(1))
    assert 28 <= after_s <= 45 and 50_000 + 28_000 <= alert_t <= 50_000 + 45_000
    assert clock.ticks_ms() < 60_000                        # the ticks did wrap


def test_a_bad_setting_is_reported_and_the_default_used(make_device):
    device = make_device(Tilted(0), settings='POSTURE_SLOUCH_DEG = 99\nPOSTURE_HAPTIC = "digital"\n')
    device.run_for(20)
    text = device.console_text()
    assert "POSTURE_SLOUCH_DEG = 99 is outside 5..45" in text
    assert device.crashes == []
    # the good setting took effect: a digital motor writes 0/1, not PWM duty cycles
    assert {value for _, value in device.motor_timeline()} == {0, 1}


def test_button_press_recalibrates(make_device):
    device = make_device(Tilted(0))
    device.run_for(30)
    device.board.pin("BUTTON").drive(lambda t_ms: not 30_000 <= t_ms < 30_300)   # pressed for 0.3 s
    device.run_for(30)
    cals = events(device, "calibrated")
    assert len(cals) == 2 and cals[1][0] > 30_000


def test_power_cut_restarts_from_boot_and_the_imu_is_reinitialised(make_device):
    device = make_device(Tilted(0))
    device.run_for(30)
    device.power_cut()
    device.run_for(30)
    assert device.resets == [(30_000, "PowerCut")] and device.boots == 2
    assert device.imu.accel_odr_hz() == 26.0                   # set up again after its own power-up
    assert len(events(device, "calibrated")) == 2 and device.crashes == []


def test_drv2605_haptic_driver_plays_the_calibration_effect(make_device):
    device = make_device(Tilted(0), settings={"POSTURE_HAPTIC": "drv2605"}, haptic_driver=True)
    device.run_for(30)
    (cal_t, _), = events(device, "calibrated")
    assert [effects for t, effects in device.haptic.plays] == [(1,)]   # strong click
    assert cal_t <= device.haptic.plays[0][0] < cal_t + 100
    assert "cannot drive the motor" not in device.console_text()


def test_button_held_at_boot_leaves_the_drive_to_the_laptop(make_device):
    device = make_device(Tilted(0))
    device.board.pin("BUTTON").drive(lambda t_ms: t_ms > 1500)      # pressed during boot.py
    device.run_for(20)
    assert device.board.calls_named("storage.remount") == [] and device.board.readonly
    assert device.board.data_enabled and len(events(device, "calibrated")) == 1
