"""A hung loop, a brown-out and a crash loop on the simulated board.

The real code.py arms microcontroller.watchdog (8 s, RESET); a loop that stops
feeding it resets the board, which boots and runs again. CircuitPython runs the
repository's safemode.py after a brown-out or hard crash: it records the reason
in nvm (firmware/resets.py) and restarts the firmware, which reports it.
"""

from __future__ import annotations

import pytest

from firmware import resets
from firmware.wiring import WATCHDOG_S

from .helpers import device, events, first, kinds, recording

# calibrate, sit upright; the hang comes at 40 s; then a slouch long enough to alert after the restart
HANG_DAY = [("upright", 75), ("slouch", 60, {"flex": 30}), ("upright", 20)]


def hang_sensor(dev, where: str) -> list[int]:
    """The next I2C transaction (or driver start) never returns: the bus is held low.

    The stuck call keeps reading the clock (as a busy-wait on a status bit would),
    so simulated time moves on and the watchdog can fire. Only the first call hangs.
    """
    imu = dev.imu
    original = imu.i2c_begin
    hung: list[int] = []

    def begin() -> None:
        if not hung and (where == "read" or imu.regs[0x10] == 0):
            hung.append(dev.clock.now_ms)
            while True:
                dev.clock.advance_ms(50)
        original()

    imu.i2c_begin = begin  # type: ignore[method-assign]
    if where == "init":
        imu.vanish()   # reads fail until the chip comes back at its defaults; its first set-up hangs
    return hung


@pytest.mark.parametrize("where", ["read", "init"])
def test_a_hung_loop_is_reset_by_the_watchdog_and_the_clip_works_again(where: str) -> None:
    with device(recording(HANG_DAY)) as dev:
        dev.run_for(40)
        assert dev.resets == [] and dev.board.watchdog.feeds > 500   # fed every loop, never fired
        hung = hang_sensor(dev, where)
        if where == "init":
            dev.run_for(2)
            dev.imu.reappear()
        dev.run_for(20)
        assert hung, "the hang was never reached"
        assert [r[1] for r in dev.resets] == ["WatchDogReset"]
        reset_at = dev.resets[0][0]
        assert WATCHDOG_S * 1000 - 100 <= reset_at - hung[0] <= WATCHDOG_S * 1000 + 100   # fed just before
        assert dev.boots == 2 and dev.code_runs == 2 and dev.crashes == []
        assert "restarted by the watchdog" in dev.console_text()
        dev.run_for(95 - dev.clock.now_ms / 1000)
        # it calibrated again after the restart and still catches the slouch (75 s + 30 s delay)
        cals = [t for t, e in events(dev) if e["event"] == "calibrated"]
        assert len(cals) == 2 and cals[1] > reset_at
        dev.run_for(20)
        alert_t = first(dev, "slouch_alert")[0]
        assert 104_000 <= alert_t <= 110_000
        assert len(dev.resets) == 1


def test_without_a_hang_the_watchdog_never_fires() -> None:
    with device(recording([("upright", 200)])) as dev:
        dev.run_for(180)
        assert dev.resets == [] and dev.board.watchdog.fired == 0
        assert dev.board.watchdog.timeout == WATCHDOG_S


def test_a_brownout_is_recorded_and_the_firmware_restarts_after_a_pause() -> None:
    with device(recording([("upright", 400)])) as dev:
        dev.run_for(30)
        dev.brownout()
        dev.run_for(3)                         # the safe-mode wait (1 s), then safemode.py
        assert dev.safe_mode_runs == 1 and dev.code_runs == 1
        assert resets.read(dev.board.nvm) == ("BROWNOUT", 1, 1)
        dev.run_for(68)                        # 60 s of deep sleep, then boot.py and code.py
        assert "BROWNOUT" in dev.safemode_output and "sleeping 60 s" in dev.safemode_output
        assert dev.boots == 2 and dev.code_runs == 2
        assert [r[1] for r in dev.resets] == ["PowerCut", "DeepSleep"]
        assert "restarted after safe mode (BROWNOUT), 1 time(s) in a row" in dev.console_text()
        dev.run_for(70)                        # a good minute: the streak is over, the count kept
        assert resets.read(dev.board.nvm) == ("BROWNOUT", 0, 1)
        assert kinds(dev).count("calibrated") == 2


def crash_into_safe_mode(dev, reason: str) -> None:
    dev.brownout()
    dev._next_safe_mode = reason   # the simulator's brown-out, with another safe-mode reason


def test_a_crash_loop_restarts_five_times_then_stays_in_safe_mode() -> None:
    with device(recording([("upright", 400)])) as dev:
        dev.run_for(5)
        for n in range(1, resets.MAX_STREAK + 2):
            crash_into_safe_mode(dev, "HARD_FAULT")
            dev.run_for(10)                    # crashes again 10 s after each start
            assert dev.safe_mode_runs == n
            assert resets.read(dev.board.nvm) == ("HARD_FAULT", n, n)
        assert dev.code_runs == resets.MAX_STREAK + 1     # the first run and five restarts
        assert "staying in safe mode" in dev.safemode_output
        dev.run_for(30)
        assert dev.code_runs == resets.MAX_STREAK + 1


def test_crashes_a_good_minute_apart_always_restart() -> None:
    with device(recording([("upright", 900)])) as dev:
        dev.run_for(5)
        for n in range(1, 9):
            crash_into_safe_mode(dev, "HARD_FAULT")
            dev.run_for(75)
            assert resets.read(dev.board.nvm) == ("HARD_FAULT", 0, n)
        assert dev.code_runs == 9 and "staying" not in dev.safemode_output


@pytest.mark.parametrize("reason", ["USER", "PROGRAMMATIC"])
def test_safe_mode_asked_for_by_the_user_is_left_alone(reason: str) -> None:
    with device(recording([("upright", 100)])) as dev:
        dev.run_for(5)
        crash_into_safe_mode(dev, reason)
        dev.run_for(30)
        assert dev.code_runs == 1 and "staying in safe mode" in dev.safemode_output
        assert resets.read(dev.board.nvm)[0] == reason


@pytest.mark.parametrize("fill", [0x00, 0xFF, 0xB7])
def test_garbage_in_nvm_reads_as_no_record(fill: int) -> None:
    with device(recording([("upright", 100)])) as dev:
        dev.board.nvm[:] = bytes([fill]) * len(dev.board.nvm)
        dev.run_for(5)
        assert "restarted after safe mode" not in dev.console_text()
        dev.brownout()
        dev.run_for(3)
        assert resets.read(dev.board.nvm) == ("BROWNOUT", 1, 1)


def test_record_layout_round_trip_and_saturation() -> None:
    nvm = bytearray(16)
    assert resets.read(nvm) is None and resets.read(None) is None and resets.read(bytearray(3)) is None
    for _ in range(300):
        resets.record(nvm, "supervisor.SafeModeReason.STACK_OVERFLOW")
    assert resets.read(nvm) == ("STACK_OVERFLOW", 255, 300)
    resets.clear_streak(nvm)
    assert resets.read(nvm) == ("STACK_OVERFLOW", 0, 300)
    assert resets.record(nvm, "SafeModeReason.SOMETHING_NEW") == ("OTHER", 1)
    nvm[3] ^= 1                                        # a flipped bit: no record, never a wrong one
    assert resets.read(nvm) is None
    assert resets.record(None, "BROWNOUT") == ("BROWNOUT", 1)


class Exploding:
    """A wearer whose sensor data makes the firmware raise (standing in for any bug or a
    MemoryError deep in the loop) at the given elapsed times, or always from `always_after`."""

    def __init__(self, motion, at_ms=(), always_after=None):  # type: ignore[no-untyped-def]
        self.motion = motion
        self.at_ms = sorted(at_ms)
        self.always_after = always_after
        self.fired = 0

    def at(self, t_ms):  # type: ignore[no-untyped-def]
        if (self.at_ms and t_ms >= self.at_ms[0]) or (self.always_after is not None and t_ms >= self.always_after
                                                      and self.fired < 50):
            if self.at_ms and t_ms >= self.at_ms[0]:
                self.at_ms.pop(0)
            self.fired += 1
            raise MemoryError("memory allocation failed, allocating 512 bytes")
        return self.motion.at(t_ms)


def test_a_crash_in_the_loop_restarts_the_clip() -> None:
    boom = Exploding(recording(HANG_DAY), at_ms=[30_000])
    with device(boom) as dev:
        dev.run_for(45)
        assert boom.fired == 1 and [type(e) for _t, e in dev.crashes] == []   # caught by code.py
        text = dev.console_text()
        assert "MemoryError" in text and "restarting in 5 s" in text
        assert [r[1] for r in dev.resets] == ["DeviceReset"] and dev.code_runs == 2
        assert resets.read(dev.board.nvm) == ("CODE_CRASH", 1, 1)
        assert "restarted after a crash, 1 time(s) in a row" in text
        dev.run_for(80)
        assert first(dev, "slouch_alert")[0] > 100_000                      # working again
        assert resets.read(dev.board.nvm) == ("CODE_CRASH", 0, 1)           # a good minute since


def test_a_crash_that_keeps_coming_back_stops_after_five_restarts() -> None:
    boom = Exploding(recording(HANG_DAY), always_after=10_000)
    with device(boom) as dev:
        dev.run_for(120)
        assert dev.code_runs == resets.MAX_STREAK + 1
        assert "not restarting" in dev.console_text()
        assert resets.read(dev.board.nvm)[:2] == ("CODE_CRASH", resets.MAX_STREAK + 1)
