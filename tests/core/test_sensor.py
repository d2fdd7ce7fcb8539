"""firmware/sensor.py with the real adafruit_lsm6ds driver on the register emulator."""

import pytest

from firmware.sensor import REINIT_AFTER, ImuSensor
from host.sim.circuitpython import SimBoard, SimClock, install
from host.sim.lsm6ds_emulator import LSM6DSEmulator

G = 9.80665


class Still:
    def at(self, t_ms):
        return (0.0, 0.0, G, 0.1, -0.2, 0.05)


@pytest.fixture
def rig():
    clock = SimClock()
    board = SimBoard(clock)
    chip = LSM6DSEmulator(Still(), "LSM6DSOX", clock, 0x6A).attach(board.i2c_bus)
    with install(board):
        import board as board_mod
        from adafruit_lsm6ds.lsm6dsox import LSM6DSOX

        bus = board_mod.I2C()
        yield clock, chip, ImuSensor(lambda: LSM6DSOX(bus), clock)


def test_configured_for_26_hz_low_power(rig):
    clock, chip, sensor = rig
    assert sensor.connected
    assert chip.accel_odr_hz() == 26 and chip.gyro_odr_hz() == 26
    clock.advance_ms(1000)
    modes = chip.time_in_modes()
    assert modes[("accel", 26.0, "low-power")] == 1000.0
    assert modes[("gyro", 26.0, "low-power")] == 1000.0


def test_reads_in_si_units(rig):
    clock, chip, sensor = rig
    clock.advance_ms(100)
    ax, ay, az, gx, gy, gz = sensor.read()
    assert az == pytest.approx(G, abs=0.01) and abs(ax) < 0.01
    assert gx == pytest.approx(0.1, abs=0.001) and gy == pytest.approx(-0.2, abs=0.001)


def test_gyro_can_be_powered_down_and_back(rig):
    clock, chip, sensor = rig
    sensor.set_gyro(False)
    assert chip.gyro_odr_hz() == 0
    clock.advance_ms(100)
    assert sensor.read()[3:] == (0.0, 0.0, 0.0)
    sensor.set_gyro(True)
    assert chip.gyro_odr_hz() == 26


def test_single_i2c_error_is_a_missing_sample_not_a_crash(rig):
    clock, chip, sensor = rig
    chip.fail_next(1)
    assert sensor.read() is None
    assert sensor.failures == 1 and sensor.last_errno == 5
    clock.advance_ms(40)
    assert sensor.read() is not None and sensor.failures == 0 and sensor.connected


def test_vanished_sensor_is_rebuilt_when_it_returns(rig):
    clock, chip, sensor = rig
    chip.vanish()
    for _ in range(REINIT_AFTER):
        assert sensor.read() is None
        clock.advance_ms(38)
    assert not sensor.connected
    chip.reappear()           # back at power-on defaults: ODR 0
    assert chip.accel_odr_hz() == 0
    clock.advance_ms(1000)
    assert sensor.read() is None          # this read rebuilds the driver
    assert sensor.connected and chip.accel_odr_hz() == 26
    clock.advance_ms(40)
    assert sensor.read()[2] == pytest.approx(G, abs=0.01)
