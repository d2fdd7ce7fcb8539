"""The real adafruit_lsm6ds driver against the register emulator, as on a board."""

import math

import pytest

from host.sim.circuitpython import SimBoard, SimClock, install
from host.sim.lsm6ds_emulator import STATUS_REG, LSM6DSEmulator

from .sources import Constant, G, Ramp

DRIVERS = {
    "LSM6DSOX": ("adafruit_lsm6ds.lsm6dsox", "LSM6DSOX"),
    "LSM6DS3TRC": ("adafruit_lsm6ds.lsm6ds3trc", "LSM6DS3TRC"),
    "LSM6DS33": ("adafruit_lsm6ds.lsm6ds33", "LSM6DS33"),
    "ISM330DHCX": ("adafruit_lsm6ds.ism330dhcx", "ISM330DHCX"),
}


def driver_class(name):
    import importlib

    module, cls = DRIVERS[name]
    return getattr(importlib.import_module(module), cls)


@pytest.fixture
def rig():
    """A board with nothing on its bus yet, fakes installed; yields (board, add_chip)."""
    clock = SimClock()
    board = SimBoard(clock)

    def add_chip(motion, variant="LSM6DSOX", address=0x6A):
        return LSM6DSEmulator(motion, variant, clock, address).attach(board.i2c_bus)

    with install(board):
        yield board, add_chip


@pytest.mark.parametrize("variant", sorted(DRIVERS))
def test_each_driver_finds_its_chip_and_reads_gravity(rig, variant):
    board, add_chip = rig
    add_chip(Constant(0.0, 0.0, G), variant)
    import board as board_mod

    sensor = driver_class(variant)(board_mod.I2C())
    ax, ay, az = sensor.acceleration
    # the driver's default 4 g range: 0.122 mg/LSB
    lsb = 0.122e-3 * G
    assert abs(ax) <= lsb and abs(ay) <= lsb and abs(az - G) <= lsb


@pytest.mark.parametrize("driver,chip", [("LSM6DSOX", "LSM6DS33"), ("LSM6DS33", "LSM6DSOX"),
                                         ("LSM6DS3TRC", "ISM330DHCX"), ("ISM330DHCX", "LSM6DS3TRC")])
def test_who_am_i_mismatch_is_the_drivers_runtime_error(rig, driver, chip):
    board, add_chip = rig
    add_chip(Constant(), chip)
    import board as board_mod

    with pytest.raises(RuntimeError, match="Failed to find"):
        driver_class(driver)(board_mod.I2C())


def test_no_chip_at_the_address_is_the_probe_error(rig):
    board, add_chip = rig
    add_chip(Constant(), "LSM6DSOX", address=0x6B)
    import board as board_mod
    from adafruit_lsm6ds.lsm6dsox import LSM6DSOX

    with pytest.raises(ValueError, match="No I2C device at address: 0x6a"):
        LSM6DSOX(board_mod.I2C(), 0x6A)
    assert LSM6DSOX(board_mod.I2C(), 0x6B).acceleration[2] == pytest.approx(G, abs=0.01)


@pytest.mark.parametrize("range_name,mg_per_lsb,reading", [
    ("RANGE_2G", 0.061, (1.234, -25.0, 9.0)),       # -25 m/s² saturates at ±2 g
    ("RANGE_4G", 0.122, (-3.21, 20.5, -0.05)),
    ("RANGE_8G", 0.244, (40.0, -70.1, 0.5)),
    ("RANGE_16G", 0.488, (150.0, -3.3, 0.0)),
])
def test_acceleration_within_one_lsb_at_each_full_scale(rig, range_name, mg_per_lsb, reading):
    board, add_chip = rig
    add_chip(Constant(*reading))
    import board as board_mod
    from adafruit_lsm6ds import AccelRange
    from adafruit_lsm6ds.lsm6dsox import LSM6DSOX

    sensor = LSM6DSOX(board_mod.I2C())
    sensor.accelerometer_range = getattr(AccelRange, range_name)
    got = sensor.acceleration
    lsb = mg_per_lsb * 1e-3 * G
    full = 32767 * lsb
    for want, have in zip(reading, got):
        expect = max(-full, min(full, want))
        assert abs(have - expect) <= lsb, (want, have)
    if range_name == "RANGE_2G":
        assert got[1] == pytest.approx(-full)


@pytest.mark.parametrize("range_name,mdps_per_lsb,dps", [
    ("RANGE_125_DPS", 4.375, (100.0, -30.5, 140.0)),   # 140 dps saturates at 125
    ("RANGE_250_DPS", 8.75, (-200.0, 12.3, 0.1)),
    ("RANGE_500_DPS", 17.5, (450.0, -450.0, 3.0)),
    ("RANGE_1000_DPS", 35.0, (999.0, 0.0, -57.3)),
    ("RANGE_2000_DPS", 70.0, (-1800.0, 1.0, 2100.0)),
])
def test_gyro_within_one_lsb_at_each_full_scale(rig, range_name, mdps_per_lsb, dps):
    board, add_chip = rig
    rad = tuple(math.radians(d) for d in dps)
    add_chip(Constant(0.0, 0.0, G, *rad))
    import board as board_mod
    from adafruit_lsm6ds import GyroRange
    from adafruit_lsm6ds.lsm6dsox import LSM6DSOX

    sensor = LSM6DSOX(board_mod.I2C())
    sensor.gyro_range = getattr(GyroRange, range_name)
    got = sensor.gyro
    lsb = math.radians(mdps_per_lsb / 1000)
    full = 32767 * lsb
    for want, have in zip(rad, got):
        assert abs(have - max(-full, min(full, want))) <= lsb, (want, have)


def test_ism330dhcx_4000_dps_range(rig):
    board, add_chip = rig
    add_chip(Constant(0.0, 0.0, G, math.radians(3000.0), 0.0, 0.0), "ISM330DHCX")
    import board as board_mod
    from adafruit_lsm6ds import GyroRange
    from adafruit_lsm6ds.ism330dhcx import ISM330DHCX

    sensor = ISM330DHCX(board_mod.I2C())
    sensor.gyro_range = GyroRange.RANGE_4000_DPS
    assert abs(sensor.gyro[0] - math.radians(3000.0)) <= math.radians(0.140)


def test_data_rates_are_reflected_in_the_registers_and_the_sampling(rig):
    board, add_chip = rig
    source = Constant()
    emu = add_chip(source)
    import board as board_mod
    from adafruit_lsm6ds import Rate
    from adafruit_lsm6ds.lsm6dsox import LSM6DSOX

    sensor = LSM6DSOX(board_mod.I2C())
    assert emu.accel_odr_hz() == 104.0 and emu.gyro_odr_hz() == 104.0   # the driver's defaults
    sensor.accelerometer_data_rate = Rate.RATE_26_HZ
    sensor.gyro_data_rate = Rate.RATE_SHUTDOWN
    assert sensor.accelerometer_data_rate == Rate.RATE_26_HZ
    assert (emu.accel_odr_hz(), emu.gyro_odr_hz()) == (26.0, 0.0)
    assert sensor.gyro == (0.0, 0.0, 0.0)
    before = emu.samples_taken
    board.clock.sleep(10.0)
    _ = sensor.acceleration   # a read, for its effect on the bus
    # sample-and-hold: one sample taken per read at most, however long the wait
    assert emu.samples_taken == before + 1
    # 26 samples a second are output: reading every 5 ms for a second sees 26 distinct samples
    source.times.clear()
    for _ in range(200):
        board.clock.sleep(0.005)
        _ = sensor.acceleration   # a read, for its effect on the bus
    assert len(source.times) in (25, 26, 27)


def test_sample_and_hold_between_output_periods(rig):
    board, add_chip = rig
    emu = add_chip(Ramp())
    import board as board_mod
    from adafruit_lsm6ds import Rate
    from adafruit_lsm6ds.lsm6dsox import LSM6DSOX

    sensor = LSM6DSOX(board_mod.I2C())
    sensor.accelerometer_data_rate = Rate.RATE_12_5_HZ   # one sample every 80 ms
    board.clock.sleep(1.0)
    first = sensor.acceleration
    board.clock.sleep(0.030)
    assert sensor.acceleration == first          # same output period: held
    board.clock.sleep(0.080)
    later = sensor.acceleration
    assert later != first
    # the ramp's x is 0.01 m/s² per second: the held sample is from an 80 ms grid point
    t0 = emu.xl.t0_us / 1e6
    k = (later[0] / 0.01 - t0) * 12.5
    assert abs(k - round(k)) < 0.2


def test_status_register_flags_new_data_and_reading_clears_it(rig):
    board, add_chip = rig
    emu = add_chip(Constant())
    import board as board_mod
    from adafruit_lsm6ds.lsm6dsox import LSM6DSOX

    sensor = LSM6DSOX(board_mod.I2C())
    board.clock.sleep(0.05)
    sensor.i2c_device.i2c.try_lock()
    try:
        status = bytearray(1)
        board_i2c = sensor.i2c_device.i2c
        board_i2c.writeto_then_readfrom(0x6A, bytes([STATUS_REG]), status)
        assert status[0] & 0x03 == 0x03      # XLDA and GDA
    finally:
        board_i2c.unlock()
    _ = sensor.acceleration   # a read, for its effect on the bus
    board_i2c.try_lock()
    board_i2c.writeto_then_readfrom(0x6A, bytes([STATUS_REG]), status)
    board_i2c.unlock()
    assert status[0] & 0x03 == 0x02          # accel read, gyro still waiting
    assert emu.regs[STATUS_REG] & 0x01 == 0


def test_sw_reset_restores_defaults_and_self_clears(rig):
    board, add_chip = rig
    emu = add_chip(Constant())
    import board as board_mod
    from adafruit_lsm6ds.lsm6dsox import LSM6DSOX

    sensor = LSM6DSOX(board_mod.I2C())
    assert emu.regs[0x10] != 0 and emu.regs[0x12] & 0x40   # configured, BDU set
    sensor.reset()
    assert emu.regs[0x10] == 0 and emu.regs[0x11] == 0 and emu.regs[0x12] == 0x04
    assert sensor.acceleration == (0.0, 0.0, 0.0)   # power-down after reset


def test_auto_increment_off_rereads_one_register(rig):
    board, add_chip = rig
    emu = add_chip(Constant(0.0, 0.0, G))
    import board as board_mod

    i2c = board_mod.I2C()
    i2c.try_lock()
    i2c.writeto(0x6A, bytes([0x10, 0x40]))        # CTRL1_XL: 104 Hz
    board.clock.sleep(0.1)
    both = bytearray(6)
    i2c.writeto_then_readfrom(0x6A, bytes([0x28]), both)
    assert both[4:6] != both[0:2]                 # auto-increment walks x, y, z
    i2c.writeto(0x6A, bytes([0x12, 0x00]))        # CTRL3_C: IF_INC off
    i2c.writeto_then_readfrom(0x6A, bytes([0x2C]), both)
    i2c.unlock()
    assert len(set(both)) == 1 and both[0] == emu.regs[0x2C]


def test_i2c_faults_raise_oserror_like_a_board(rig):
    board, add_chip = rig
    emu = add_chip(Constant())
    import board as board_mod
    from adafruit_lsm6ds.lsm6dsox import LSM6DSOX

    sensor = LSM6DSOX(board_mod.I2C())
    emu.fail_next(2)
    for _ in range(2):
        with pytest.raises(OSError) as err:
            _ = sensor.acceleration   # a read, for its effect on the bus
        assert err.value.errno == 5
    assert sensor.acceleration[2] == pytest.approx(G, abs=0.01)
    emu.fail_next(1, errno=116)
    with pytest.raises(OSError) as err:
        _ = sensor.gyro   # a read, for its effect on the bus
    assert err.value.errno == 116
    assert not board.i2c_bus.locked           # the driver's `with` released the lock


def test_vanished_chip_nacks_and_comes_back_unconfigured(rig):
    board, add_chip = rig
    emu = add_chip(Constant())
    import board as board_mod
    from adafruit_lsm6ds.lsm6dsox import LSM6DSOX

    i2c = board_mod.I2C()
    sensor = LSM6DSOX(i2c)
    emu.vanish()
    with pytest.raises(OSError) as err:
        _ = sensor.acceleration   # a read, for its effect on the bus
    assert err.value.errno == 19
    i2c.try_lock()
    assert i2c.scan() == []
    i2c.unlock()
    board.clock.sleep(1.0)
    emu.reappear()
    assert emu.accel_odr_hz() == 0.0
    board.clock.sleep(1.0)
    assert sensor.acceleration == (0.0, 0.0, 0.0)   # powered up anew: must be re-initialised
    sensor = LSM6DSOX(i2c)
    assert sensor.acceleration[2] == pytest.approx(G, abs=0.01)


def test_mode_log_follows_the_power_modes_the_firmware_chooses(rig):
    board, add_chip = rig
    emu = add_chip(Constant())
    import board as board_mod
    from adafruit_lsm6ds import Rate
    from adafruit_lsm6ds.lsm6dsox import LSM6DSOX

    sensor = LSM6DSOX(board_mod.I2C())       # 104 Hz high-performance; 400 ms of range settling
    sensor.accelerometer_data_rate = Rate.RATE_26_HZ
    sensor.gyro_data_rate = Rate.RATE_SHUTDOWN
    dev = sensor.i2c_device
    with dev as i2c:
        i2c.write(bytes([0x15, 0x10]))       # CTRL6_C XL_HM_MODE: accelerometer low power
    board.clock.sleep(60)
    modes = emu.time_in_modes()
    assert modes[("accel", 104.0, "high-performance")] == pytest.approx(400, abs=2)
    assert modes[("accel", 26.0, "low-power")] == pytest.approx(60000, abs=2)
    assert modes[("gyro", 0.0, "power-down")] == pytest.approx(60000, abs=2)
    with dev as i2c:
        i2c.write(bytes([0x10, 0xB0]))       # ODR code 1011: 1.6 Hz, in low-power mode only
    assert emu.accel_odr_hz() == 1.6
    with dev as i2c:
        i2c.write(bytes([0x15, 0x00]))       # high-performance: the same code means 12.5 Hz
    assert emu.accel_odr_hz() == 12.5
    assert [m[1:] for m in emu.mode_timeline[-2:]] == [("accel", 1.6, "low-power"),
                                                       ("accel", 12.5, "high-performance")]


def test_driver_sleeps_cost_simulated_time_only(rig):
    board, add_chip = rig
    add_chip(Constant())
    import time

    import board as board_mod
    from adafruit_lsm6ds.lsm6dsox import LSM6DSOX

    wall = time.perf_counter  # the real clock is still reachable through the fake module
    start_wall, start_sim = wall(), board.clock.now_ms
    sensor = LSM6DSOX(board_mod.I2C())
    for _ in range(20):
        sensor.accelerometer_range = sensor.accelerometer_range   # each sleeps 0.2 s
    assert board.clock.now_ms - start_sim == 400 + 20 * 200
    assert wall() - start_wall < 2.0


def test_fault_requests_add_up_until_used(rig):
    board, add_chip = rig
    emu = add_chip(Constant())
    import board as board_mod
    from adafruit_lsm6ds.lsm6dsox import LSM6DSOX

    sensor = LSM6DSOX(board_mod.I2C())
    emu.fail_next(1)
    emu.fail_next(2)
    assert emu.failures_pending == 3
    errors = 0
    for _ in range(5):
        try:
            _ = sensor.acceleration   # a read, for its effect on the bus
        except OSError:
            errors += 1
    assert errors == 3 and emu.failures == 3 and emu.failures_pending == 0


# ----- the fault APIs the sensor supervision and the chaos tier drive

def _driver(board):
    import board as board_mod
    from adafruit_lsm6ds.lsm6dsox import LSM6DSOX

    return LSM6DSOX(board_mod.I2C())


def test_a_reset_without_nack_fails_nothing_and_reads_zeros(rig):
    board, add_chip = rig
    emu = add_chip(Ramp())
    sensor = _driver(board)
    board.clock.sleep(0.1)
    assert sensor.acceleration[2] == pytest.approx(G, abs=0.01)
    emu.reset()
    assert sensor.acceleration == (0.0, 0.0, 0.0) and sensor.gyro == (0.0, 0.0, 0.0)
    assert emu.failures == 0 and emu.resets == 1 and emu.accel_odr_hz() == 0


def test_a_brownout_nacks_for_its_window_then_answers_at_defaults(rig):
    board, add_chip = rig
    emu = add_chip(Ramp())
    sensor = _driver(board)
    emu.reset(nack_ms=30)
    with pytest.raises(OSError) as err:
        _ = sensor.acceleration   # a read, for its effect on the bus
    assert err.value.errno == 19
    board.clock.sleep(0.029)
    with pytest.raises(OSError):
        _ = sensor.acceleration   # a read, for its effect on the bus
    board.clock.sleep(0.002)
    assert sensor.acceleration == (0.0, 0.0, 0.0)
    with pytest.raises(ValueError):
        emu.reset(nack_ms=-1)


def test_frozen_output_holds_the_last_sample_until_a_software_reset(rig):
    board, add_chip = rig
    emu = add_chip(Ramp())
    sensor = _driver(board)
    board.clock.sleep(0.1)
    emu.output_fault("frozen")
    held = sensor.acceleration
    board.clock.sleep(1.0)
    assert sensor.acceleration == held and sensor.acceleration == held
    sensor = _driver(board)                         # a rebuild: SW_RESET clears the fault
    assert emu.output_fault_kind is None and emu.sw_resets == 2
    board.clock.sleep(0.1)
    assert sensor.acceleration != held


def test_zero_and_gain_outputs_keep_the_configuration(rig):
    board, add_chip = rig
    emu = add_chip(Constant(0.0, 0.0, G))
    sensor = _driver(board)
    ctrl1 = emu.regs[0x10]
    emu.output_fault("zero")
    board.clock.sleep(0.05)
    assert sensor.acceleration == (0.0, 0.0, 0.0) and emu.regs[0x10] == ctrl1
    emu.output_fault("gain", gain=0.5)
    board.clock.sleep(0.05)
    assert sensor.acceleration[2] == pytest.approx(G / 2, abs=0.01)
    emu.clear_output_fault()
    board.clock.sleep(0.05)
    assert sensor.acceleration[2] == pytest.approx(G, abs=0.01)
    with pytest.raises(ValueError):
        emu.output_fault("melted")


def test_a_persistent_output_fault_survives_resets(rig):
    board, add_chip = rig
    emu = add_chip(Constant(0.0, 0.0, G))
    _driver(board)
    emu.output_fault("zero", persist=True)
    sensor = _driver(board)
    emu.power_on_reset()
    sensor = _driver(board)
    board.clock.sleep(0.1)
    assert emu.output_fault_kind == "zero" and sensor.acceleration == (0.0, 0.0, 0.0)
    emu.clear_output_fault()
    board.clock.sleep(0.1)
    assert sensor.acceleration[2] == pytest.approx(G, abs=0.01)


@pytest.mark.parametrize("power_loss", [True, False])
def test_a_bus_dropout_nacks_for_n_ms(rig, power_loss):
    board, add_chip = rig
    emu = add_chip(Constant(0.0, 0.0, G))
    sensor = _driver(board)
    board.clock.sleep(0.1)
    bus = board.i2c_bus
    bus.dropout(0x6A, 40, power_loss=power_loss)
    assert bus.dropped(0x6A) and bus.dropouts == 1
    with pytest.raises(OSError) as err:
        _ = sensor.acceleration   # a read, for its effect on the bus
    assert err.value.errno == 19
    i2c = sensor.i2c_device.i2c
    i2c.try_lock()
    assert i2c.scan() == []
    i2c.unlock()
    board.clock.sleep(0.039)
    assert bus.dropped(0x6A)
    board.clock.sleep(0.002)
    assert not bus.dropped(0x6A)
    if power_loss:     # a STEMMA QT cable carries the supply: back at its defaults, sensors off
        assert sensor.acceleration == (0.0, 0.0, 0.0) and emu.resets == 1
    else:              # only the data lines: it kept its configuration
        assert sensor.acceleration[2] == pytest.approx(G, abs=0.01) and emu.resets == 0


def test_overlapping_dropouts_extend_and_need_the_clock(rig):
    board, add_chip = rig
    add_chip(Constant())
    bus = board.i2c_bus
    bus.dropout(0x6A, 100)
    board.clock.sleep(0.05)
    bus.dropout(0x6A, 20)              # ends before the first: the first still holds
    board.clock.sleep(0.04)
    assert bus.dropped(0x6A)
    board.clock.sleep(0.011)
    assert not bus.dropped(0x6A)
    from host.sim.fakes.i2c import SimI2CBus

    with pytest.raises(RuntimeError, match="clock"):
        SimI2CBus().dropout(0x6A, 10)
    with pytest.raises(ValueError):
        bus.dropout(0x6A, -1)
