"""The simulated clock and the fake CircuitPython modules."""

import errno
import os
import sys

import pytest

from host.sim.circuitpython import TICKS_PERIOD, SimBoard, SimClock, SimulationEnd, WatchDogReset, install
from host.sim.fakes.osenv import getenv_from_text, settings_toml
from host.sim.lsm6ds_emulator import LSM6DSEmulator

from .sources import Constant


def test_ticks_wrap_at_2_29_and_wrap_safe_differences_hold():
    start = TICKS_PERIOD - 1500
    clock = SimClock(start_ticks=start)
    from firmware.ticks import ticks_diff

    before = clock.ticks_ms()
    clock.sleep(1.0)
    assert clock.ticks_ms() == TICKS_PERIOD - 500
    clock.sleep(1.0)
    after = clock.ticks_ms()
    assert after == 500                      # wrapped
    assert ticks_diff(after, before) == 2000
    assert clock.now_ms == 2000              # elapsed time never wraps
    assert clock.monotonic() == pytest.approx(2.0)   # seconds since power-on


def test_monotonic_has_circuitpython_float_precision():
    clock = SimClock()
    clock.sleep(1.001)
    assert clock.monotonic() == pytest.approx(1.001, abs=1e-6)
    clock.sleep(5 * 3600)                   # 5 hours up: 22 significant bits no longer resolve 1 ms
    a = clock.monotonic()
    clock.sleep(0.001)
    assert clock.monotonic() == a
    clock.cp_float = False
    assert clock.monotonic() == pytest.approx(18001.002)


def test_sleep_is_simulated_and_stop_at_ends_an_endless_loop():
    clock = SimClock(stop_at_ms=5000)
    loops = 0
    with pytest.raises(SimulationEnd):
        while True:
            clock.sleep(0.3)
            loops += 1
    assert loops == 16 and clock.now_ms == 5000
    assert not issubclass(SimulationEnd, Exception)   # `except Exception` in firmware cannot swallow it


def test_busy_wait_on_ticks_progresses():
    clock = SimClock(spin_limit=100)
    t0 = clock.ticks_ms()
    while clock.ticks_ms() - t0 < 50:
        pass
    assert 50 <= clock.now_ms <= 51


def test_install_restores_sys_modules_exactly_and_driver_binds_fake_sleep():
    import time as real_time

    before = dict(sys.modules)
    clock = SimClock()
    board = SimBoard(clock)
    LSM6DSEmulator(Constant(), "LSM6DSOX", clock).attach(board.i2c_bus)
    with install(board) as inst:
        import time

        import adafruit_lsm6ds
        import board as board_mod

        assert time is not real_time and time.sleep == clock.sleep
        assert adafruit_lsm6ds.sleep == clock.sleep           # `from time import sleep` got the fake
        assert sys.modules["board"] is board_mod and board_mod.I2C() is board_mod.STEMMA_I2C()
        assert inst.installed
    assert set(sys.modules) == set(before)
    assert all(sys.modules[name] is module for name, module in before.items())
    import time

    assert time is real_time


def test_i2c_needs_the_lock_and_absent_addresses_raise_errno_19():
    clock = SimClock()
    board = SimBoard(clock)
    LSM6DSEmulator(Constant(), "LSM6DSOX", clock, address=0x6B).attach(board.i2c_bus)
    with install(board):
        import board as board_mod
        import busio

        i2c = board_mod.I2C()
        with pytest.raises(RuntimeError, match="requires lock"):
            i2c.scan()
        assert i2c.try_lock() and not i2c.try_lock()
        assert i2c.scan() == [0x6B]
        with pytest.raises(OSError) as err:
            i2c.writeto(0x6A, b"\x0f")
        assert err.value.errno == errno.ENODEV
        buf = bytearray(4)
        i2c.writeto_then_readfrom(0x6B, b"\x0f", buf, in_start=2, in_end=3)
        assert buf == bytearray([0, 0, 0x6C, 0])
        i2c.unlock()
        with pytest.raises(ValueError, match="SCL in use"):
            busio.I2C(board_mod.SCL, board_mod.SDA)


def test_digital_pins_record_writes_and_read_what_the_test_drives():
    clock = SimClock()
    board = SimBoard(clock)
    with install(board):
        import board as board_mod
        import digitalio

        motor = digitalio.DigitalInOut(board_mod.D5)
        motor.direction = digitalio.Direction.OUTPUT
        clock.sleep(0.1)
        motor.value = True
        clock.sleep(0.25)
        motor.value = False
        button = digitalio.DigitalInOut(board_mod.BUTTON)
        button.switch_to_input(pull=digitalio.Pull.UP)
        assert button.value is True                  # pulled up, nobody pressing
        board.pin("BUTTON").drive(lambda t_ms: not 1000 <= t_ms < 2000)
        clock.sleep(0.7)
        assert button.value is False                 # held down from 1 s to 2 s
        clock.sleep(1.0)
        assert button.value is True
        with pytest.raises(AttributeError):
            button.value = False
        with pytest.raises(ValueError, match="in use"):
            digitalio.DigitalInOut(board_mod.D5)
    assert board.pin("D5").timeline == [(0, 0), (100, 1), (350, 0)]


def test_pwm_duty_cycle_timeline_and_range():
    clock = SimClock()
    board = SimBoard(clock)
    with install(board):
        import board as board_mod
        import pwmio

        pwm = pwmio.PWMOut(board_mod.A0, frequency=20000)
        clock.sleep(0.5)
        pwm.duty_cycle = 46003
        with pytest.raises(ValueError):
            pwm.duty_cycle = 70000
        with pytest.raises(AttributeError):
            pwm.frequency = 1000
    assert board.pin("A0").timeline == [(0, 0), (500, 46003)]


def test_watchdog_resets_when_not_fed_on_the_simulated_clock():
    clock = SimClock()
    board = SimBoard(clock)
    with install(board):
        import microcontroller
        from watchdog import WatchDogMode

        wd = microcontroller.watchdog
        wd.timeout = 2
        wd.mode = WatchDogMode.RESET
        for _ in range(10):
            clock.sleep(1.5)
            wd.feed()
        with pytest.raises(RuntimeError):
            wd.deinit()
        with pytest.raises(WatchDogReset):
            clock.sleep(5)
    assert clock.now_ms == 15000 + 2000             # fired exactly at the deadline
    assert board.reset_reason == "WATCHDOG" and board.watchdog.fired == 1


def test_watchdog_raise_mode_raises_into_the_code():
    clock = SimClock()
    board = SimBoard(clock)
    with install(board):
        import microcontroller
        import watchdog

        microcontroller.watchdog.timeout = 1
        microcontroller.watchdog.mode = watchdog.WatchDogMode.RAISE
        with pytest.raises(watchdog.WatchDogTimeout):
            clock.sleep(3)
        assert clock.now_ms == 1000
        clock.sleep(3)                               # disarmed once it fired


def test_usb_serial_streams_and_enable_only_in_boot():
    clock = SimClock()
    board = SimBoard(clock)
    board.phase = "boot"
    with install(board):
        import usb_cdc

        assert usb_cdc.data is None
        usb_cdc.enable(console=True, data=True)
    board.phase = "code"
    board.data.feed(b"PING\nHALF", at_ms=0)
    board.data.feed(b"LINE\n", at_ms=700)
    with install(board):
        import usb_cdc

        data = usb_cdc.data
        assert data.in_waiting == 9 and data.readline() == b"PING\n"
        data.timeout = 2.0
        assert data.readline() == b"HALFLINE\n"      # waited 0.7 s of simulated time for the rest
        assert clock.now_ms == 700
        assert data.read(4) is None and clock.now_ms == 2700   # timed out
        data.write(b"PONG\n")
        with pytest.raises(RuntimeError):
            usb_cdc.enable(data=False)
    assert board.data.take_output() == b"PONG\n"
    assert board.calls_named("usb_cdc.enable")[0][3] == {"console": True, "data": True}


def test_storage_remount_and_the_read_only_drive(tmp_path):
    clock = SimClock()
    board = SimBoard(clock)
    board.fs_dir = str(tmp_path)
    with install(board):
        import os as fake_os

        import storage

        assert storage.getmount("/").readonly
        with pytest.raises(OSError) as err:
            board.drive.open("/log.bin", "wb")
        assert err.value.errno == errno.EROFS
        with pytest.raises(RuntimeError, match="visible via USB"):
            storage.remount("/", readonly=False)
        board.phase = "boot"
        storage.remount("/", readonly=False)
        board.phase = "code"
        fake_os.mkdir("/log")
        with board.drive.open("/log/a.bin", "wb") as f:
            f.write(b"abc")
        assert fake_os.listdir("/log") == ["a.bin"] and fake_os.stat("/log/a.bin")[6] == 3
    assert (tmp_path / "log" / "a.bin").read_bytes() == b"abc"
    assert [c[1] for c in board.calls] == ["storage.remount", "storage.remount"]


def test_getenv_reads_settings_toml_like_circuitpython(tmp_path):
    text = settings_toml({"POSTURE_SLOUCH_DEG": 20, "POSTURE_HAPTIC": "digital", "NAME": 'say "hi"'})
    text += 'ESCAPED = "a\\u00e9b\\n"\nBAD = twenty\n[section]\nHIDDEN = 1\n'
    (tmp_path / "settings.toml").write_text(text)
    clock = SimClock()
    board = SimBoard(clock)
    board.fs_dir = str(tmp_path)
    with install(board):
        import os as fake_os

        assert fake_os.getenv("POSTURE_SLOUCH_DEG") == 20
        assert fake_os.getenv("POSTURE_HAPTIC") == "digital"
        assert fake_os.getenv("NAME") == 'say "hi"'
        assert fake_os.getenv("ESCAPED") == "a\u00e9b\n"
        assert fake_os.getenv("HIDDEN") is None and fake_os.getenv("MISSING", 7) == 7
        with pytest.raises(ValueError):
            fake_os.getenv("BAD")
        assert fake_os.path.join("a", "b") == os.path.join("a", "b")   # the rest of os is the real one
    assert getenv_from_text("X = -12 # comment\n", "X") == -12
