"""I2C faults on the emulated LSM6DS under the real code.py: the loop keeps running and says so.

Single failed transactions, bursts, and the chip dropping off the bus for seconds
(a loose STEMMA QT cable) and coming back at its power-on defaults.
"""

from __future__ import annotations

import errno
import random

import pytest

from host.sim.lsm6ds_emulator import CTRL1_XL, CTRL6_C, CTRL7_G

from .helpers import SLOUCH_START_S, buzz_starts, device, events, first, kinds, recording

DELAY_S = 30  # the default POSTURE_SLOUCH_DELAY_S


def reference_alert_ms() -> int:
    with device(recording()) as dev:
        dev.run_for(SLOUCH_START_S + DELAY_S + 5)
        return first(dev, "slouch_alert")[0]


def assert_configured(dev) -> None:
    """The firmware's configuration: 26 Hz accelerometer, low-power modes on."""
    regs = dev.imu.regs
    assert regs[CTRL1_XL] >> 4 == 2, "accelerometer ODR is not 26 Hz: CTRL1_XL=0x%02X" % regs[CTRL1_XL]
    assert regs[CTRL6_C] & 0x10, "accelerometer low-power bit not set: CTRL6_C=0x%02X" % regs[CTRL6_C]
    assert regs[CTRL7_G] & 0x80, "gyro low-power bit not set: CTRL7_G=0x%02X" % regs[CTRL7_G]
    assert dev.imu.accel_odr_hz() == 26


def test_single_errors_are_absorbed_without_an_alarm(cases) -> None:
    ref = reference_alert_ms()
    rng = random.Random(7)
    injected = 0
    with device(recording()) as dev:
        dev.run_for(5)                        # boot.py's button watch, then code.py is running
        for _ in range(70):       # one failed transaction every 0.5-1.5 s for about 70 s
            dev.imu.fail_next(1)
            injected += 1
            dev.run_for(rng.uniform(0.5, 1.5))
        dev.run_for(5)
        assert dev.imu.failures == injected
        cases(injected)
        assert dev.resets == [] and dev.crashes == []
        assert "sensor_error" not in kinds(dev)
        alert = first(dev, "slouch_alert")[0]
        assert abs(alert - ref) <= 200, (alert, ref)   # a lost sample or two, no more
        assert_configured(dev)


@pytest.mark.parametrize("burst", [2, 4])
def test_short_bursts_stay_below_the_fault_report(burst: int) -> None:
    with device(recording()) as dev:
        dev.run_for(30)
        for _ in range(5):
            dev.imu.fail_next(burst)
            dev.run_for(3)
        assert dev.imu.failures == 5 * burst
        assert "sensor_error" not in kinds(dev)
        assert dev.resets == [] and dev.crashes == []


def test_a_long_burst_is_reported_then_recovered_with_a_fresh_driver() -> None:
    with device(recording()) as dev:
        dev.run_for(10)
        dev.imu.fail_next(12, errno.EIO)
        dev.run_for(5)
        t_err, err = first(dev, "sensor_error")
        t_ok, ok = first(dev, "sensor_recovered")
        assert err["a"] == errno.EIO and err["b"] >= 5
        assert t_ok > t_err and 0 < ok["a"] <= 3000
        assert dev.resets == [] and dev.crashes == []
        assert_configured(dev)


@pytest.mark.parametrize("gone_s", [1.5, 5, 20])
def test_the_sensor_vanishes_and_comes_back_reinitialised(gone_s: float) -> None:
    ref = reference_alert_ms()
    with device(recording()) as dev:
        dev.run_for(22)                      # calibrated by now
        assert "calibrated" in kinds(dev)
        feeds = dev.board.watchdog.feeds
        tries = dev.board.i2c_bus.transactions
        dev.imu.vanish()
        dev.run_for(gone_s)
        # the loop kept running (the watchdog was fed) and kept looking for the chip
        assert dev.board.watchdog.feeds - feeds >= int(gone_s * 20)
        assert dev.board.i2c_bus.transactions > tries + 5
        assert dev.resets == []
        t_err, err = first(dev, "sensor_error")
        assert err["a"] == errno.ENODEV
        assert "sensor_recovered" not in kinds(dev)
        dev.imu.reappear()                    # registers at their power-on defaults
        assert dev.imu.accel_odr_hz() == 0
        dev.run_for(2)
        t_ok, ok = first(dev, "sensor_recovered")
        assert gone_s * 1000 - 1500 <= ok["a"] <= gone_s * 1000 + 1500
        assert_configured(dev)
        dev.run_for(SLOUCH_START_S + DELAY_S + 10 - dev.clock.now_ms / 1000)
        assert dev.resets == [] and dev.crashes == []
        alerts = [t for t, e in events(dev) if e["event"] == "slouch_alert"]
        if 22 + gone_s + 2 < SLOUCH_START_S:
            # the gap ended before the slouch: the alert comes on time
            assert alerts and abs(alerts[0] - ref) <= 200, (alerts, ref)
        else:
            # the slouch alert may come late, never before the slouch has lasted the delay
            assert all(t >= ref - 200 for t in alerts)
        assert any(t >= ref - 200 for t in buzz_starts(dev)) or not alerts


@pytest.mark.parametrize("seed", range(6))
def test_random_fault_schedules_never_stop_the_loop(seed: int, cases) -> None:
    rng = random.Random(seed)
    # the wearer outlasts the run (up to about 108 s): past its end the simulated chip would repeat
    # one sample, which the sensor supervision rightly takes for a frozen output
    with device(recording([("upright", 25), ("slouch", 45, {"flex": 30}), ("upright", 45)], seed=seed)) as dev:
        gaps = 0
        while dev.clock.now_ms < 95_000:
            what = rng.random()
            if what < 0.5:
                dev.imu.fail_next(rng.randint(1, 15), rng.choice([errno.EIO, errno.ETIMEDOUT]))
                cases()
            elif what < 0.7:
                dev.imu.vanish()
                dev.run_for(rng.uniform(0.2, 6))
                dev.imu.reappear()
                gaps += 1
                cases()
            dev.run_for(rng.uniform(0.3, 4))
        dev.imu.fail_next(0)
        dev.run_for(3)
        assert dev.resets == [] and dev.crashes == [], dev.console_text()
        ks = kinds(dev)
        # every reported fault is followed by a recovery (the chip is back at the end)
        assert ks.count("sensor_error") == ks.count("sensor_recovered")
        assert_configured(dev)
        assert "Traceback" not in dev.console_text()
