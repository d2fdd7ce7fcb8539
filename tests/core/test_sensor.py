"""firmware/sensor.py with the real adafruit_lsm6ds driver on the register emulator.

Also its supervision: a chip that reset with no failed read, froze, reads zeros or nonsense
is found, rebuilt and reported (`fault`, `faults`), and data flows again only once it is
real; and calibration (firmware/detector.py, orientation.py) refuses data that is not.
"""

import math

import pytest

from firmware import events as ev
from firmware.detector import PostureDetector
from firmware.orientation import Frame
from firmware.sensor import REINIT_AFTER, ImuSensor
from firmware.settings import Settings
from host.sim.circuitpython import SimBoard, SimClock, install
from host.sim.lsm6ds_emulator import CTRL1_XL, LSM6DSEmulator

G = 9.80665


def _noise(t_ms, k):
    """Deterministic white-ish noise in -0.02..0.02 m/s^2 (about +-17 LSB at 4 g, as a real chip)."""
    return ((int(t_ms) * k) % 1000003) / 1000003 * 0.04 - 0.02


class Still:
    """Lying still, face up, with a real chip's noise (no two readings alike)."""

    def at(self, t_ms):
        return (_noise(t_ms, 7919), _noise(t_ms, 104729), G + _noise(t_ms, 1299709), 0.1, -0.2, 0.05)


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
    assert az == pytest.approx(G, abs=0.025) and abs(ax) < 0.025   # within the noise
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
    assert sensor.read()[2] == pytest.approx(G, abs=0.025)


def read_n(clock, sensor, n, step_ms=38):
    """n reads a loop period apart; the samples (None where withheld)."""
    out = []
    for _ in range(n):
        clock.advance_ms(step_ms)
        out.append(sensor.read())
    return out


def test_still_real_data_is_never_a_fault(rig):
    clock, chip, sensor = rig
    got = read_n(clock, sensor, 26 * 60)                 # a minute
    assert all(s is not None for s in got[1:])
    assert sensor.faults == 0 and sensor.fault == 0 and chip.sw_resets == 1   # built once


@pytest.mark.parametrize("inject,cause,within", [
    (lambda chip: chip.reset(), ev.FAULT_RESET, 4),                       # no failed transaction
    (lambda chip: chip.output_fault("zero"), ev.FAULT_ZERO, 4),
    (lambda chip: chip.output_fault("frozen"), ev.FAULT_STUCK, 10),       # 300 ms of one sample
    (lambda chip: chip.output_fault("gain", gain=0.5), ev.FAULT_IMPLAUSIBLE, 41),   # 1.5 s
], ids=["reset", "zero", "frozen", "half_g"])
def test_a_fault_is_found_rebuilt_and_recovered(rig, inject, cause, within):
    clock, chip, sensor = rig
    read_n(clock, sensor, 30)
    builds = chip.sw_resets
    inject(chip)
    got = []
    while sensor.faults == 0:
        assert len(got) < within, "not found within %d reads" % within
        got += read_n(clock, sensor, 1)
    assert sensor.fault == cause and got[-1] is None
    # reported first (the monitor sees the fault now), rebuilt by the next read
    assert chip.sw_resets == builds
    got += read_n(clock, sensor, 1)
    assert chip.sw_resets == builds + 1 and chip.accel_odr_hz() == 26    # rebuilt, configured
    assert sensor.connected and sensor.fault == cause
    assert sensor.fault_detail == (0 if cause == ev.FAULT_RESET else sensor._ctrl1)
    assert all(s is None or s[:3] != (0.0, 0.0, 0.0) for s in got)        # zeros never handed on
    withheld = 0
    while sensor.read() is None:              # after the fault, data flows only once it is real
        withheld += 1
        assert withheld < 40
        clock.advance_ms(38)
    assert withheld >= 13 and sensor.fault == 0 and sensor.faults == 1
    assert read_n(clock, sensor, 1)[0][2] == pytest.approx(G, abs=0.05)


def test_a_silent_reset_is_found_within_150_ms_and_zeros_never_handed_on(rig):
    clock, chip, sensor = rig
    read_n(clock, sensor, 10)
    chip.reset()
    got = read_n(clock, sensor, 4)
    assert got == [None] * 4 and sensor.fault == ev.FAULT_RESET and chip.failures == 0


def test_a_control_register_changed_behind_the_drivers_back_is_found_by_the_read_back(rig):
    clock, chip, sensor = rig
    read_n(clock, sensor, 5)
    want = chip.regs[CTRL1_XL]
    chip.i2c_write(bytes([CTRL1_XL, (want & 0xF3) | 0x0C]))   # full scale 8 g: readings halve
    got = read_n(clock, sensor, 27)                             # one read-back period, the rebuild
    assert sensor.fault == ev.FAULT_RESET and sensor.fault_detail == (want & 0xF3) | 0x0C
    assert chip.regs[CTRL1_XL] == want                           # configured again
    assert got.count(None) >= 1


def test_an_unrecoverable_fault_is_rebuilt_with_back_off_and_reported_once(rig):
    clock, chip, sensor = rig
    read_n(clock, sensor, 5)
    chip.output_fault("zero", persist=True)
    builds = chip.sw_resets
    times = []
    for _ in range(int(20_000 / 38)):
        clock.advance_ms(38)
        before = chip.sw_resets
        assert sensor.read() is None
        if chip.sw_resets != before:
            times.append(clock.now_ms)
    assert sensor.faults == 1 and sensor.fault == ev.FAULT_ZERO
    gaps = [b - a for a, b in zip(times, times[1:])]
    # rebuilt at once, then after about 1, 2, 4 and every 8 s (a rebuild itself takes 0.4 s)
    assert len(times) == chip.sw_resets - builds and len(times) >= 5
    assert [round(g / 1000) for g in gaps[:4]] == [1, 2, 4, 8], gaps


def test_a_mock_driver_without_i2c_device_is_still_supervised():
    class Clock:
        t = 0

        def ticks_ms(self):
            return self.t

    class Zeros:
        acceleration = (0.0, 0.0, 0.0)
        gyro = (0.0, 0.0, 0.0)

    clock = Clock()
    built = []
    sensor = ImuSensor(lambda: built.append(1) or Zeros(), clock)
    for _ in range(5):
        clock.t += 38
        assert sensor.read() is None
    assert sensor.fault == ev.FAULT_ZERO and sensor.fault_detail == -1 and len(built) == 2


# ----- calibration refuses data that is not real (firmware/detector.py, orientation.py)

def feed(det, seconds, a, t0=0, rate=26):
    """`seconds` of a constant acceleration with a little noise (still); the events."""
    out = []
    for i in range(int(seconds * rate)):
        n = 0.002 * math.sin(i * 0.7)
        out += det.update(t0 + i * 1000 // rate, a[0] + n, a[1] - n, a[2], 0.0, 0.0, 0.0)
    return out


@pytest.mark.parametrize("scale", [0.0, 0.5, 1.5])
def test_calibration_refuses_implausible_gravity_once_and_never_raises(scale):
    det = PostureDetector(Settings())
    got = feed(det, 30, (0.0, -G * scale, 0.0))
    fails = [e for e in got if e[1] == ev.CALIBRATION_FAILED]
    assert [e[2] for e in fails] == [ev.CAL_IMPLAUSIBLE]         # once per request, not every 5 s
    assert fails[0][3] == pytest.approx(1000 * scale, abs=5)     # |a| in mg
    assert det.frame is None and det.calibrating
    ok = feed(det, 10, (0.0, -G, 0.0), t0=30_000)                # real data: it calibrates
    assert [e[1] for e in ok][:1] == [ev.CALIBRATED] and det.calibrated


def test_calibration_accepts_the_edges_of_plausible():
    for scale in (0.75, 1.25):
        det = PostureDetector(Settings())
        got = feed(det, 10, (0.0, -G * scale, 0.0))
        assert [e[1] for e in got][:1] == [ev.CALIBRATED], (scale, got)


def test_a_frame_from_no_gravity_does_not_divide_by_zero():
    frame = Frame(0.0, 0.0, 0.0)
    assert not frame.face_out


def test_a_loop_catching_up_rereads_one_sample_without_a_false_frozen_fault(rig):
    """After a long block (a flash write, a rebuild) Monitor.run steps back to back to catch
    up: the chip has no new sample yet, so several reads return the same one. That is not a
    frozen output: frozen runs are timed (300 ms), not counted."""
    clock, chip, sensor = rig
    read_n(clock, sensor, 30)
    for _ in range(20):
        clock.advance_ms(900)                     # blocked almost a second ...
        got = read_n(clock, sensor, 24, step_ms=1)   # ... then 24 reads 1 ms apart
        assert all(s is not None for s in got)
    assert sensor.faults == 0


def test_a_frozen_output_is_found_after_300_ms_even_when_read_slowly(rig):
    clock, chip, sensor = rig
    read_n(clock, sensor, 30)
    chip.output_fault("frozen")
    read_n(clock, sensor, 2, step_ms=100)
    assert sensor.faults == 0
    read_n(clock, sensor, 2, step_ms=100)          # 400 ms of one sample
    assert sensor.fault == ev.FAULT_STUCK


def test_replay_calibrating_on_a_stretch_of_zeros_refuses_it_and_never_raises(tmp_path, capsys):
    """`posture replay` of a recording whose sensor read zeros for 15 s (a reset chip), asked to
    calibrate inside them: calibration_failed (implausible), then a calibration on real data."""
    from host.cli import main

    rows = ["t_s,ax,ay,az,gx,gy,gz"]
    for i in range(26 * 100):
        t = i / 26
        if 60 <= t < 75:
            rows.append("%.4f,0,0,0,0,0,0" % t)
        else:
            a = math.radians(0.5 * math.sin(2 * math.pi * t / 4))
            rows.append("%.4f,0.0,%.5f,%.5f,0,0,0" % (t, -G * math.cos(a), G * math.sin(a)))
    path = tmp_path / "zeros.csv"
    path.write_text("\n".join(rows) + "\n")
    assert main(["replay", str(path), "--calibrate-at", "62", "--json"]) == 0
    import json

    got = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    kinds = [(e["event"], e.get("reason")) for e in got if e["event"].startswith("calibrat")]
    assert kinds == [("calibration_failed", "implausible"), ("calibrated", None)], kinds
    assert next(e for e in got if e["event"] == "calibrated")["t"] >= 75
