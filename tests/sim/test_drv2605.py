"""The real adafruit_drv2605 driver against the DRV2605L emulator."""

import pytest

from host.sim.circuitpython import SimBoard, SimClock, install
from host.sim.fakes.drv2605 import DRV2605Emulator


def test_driver_initialises_and_plays_a_sequence():
    clock = SimClock()
    board = SimBoard(clock)
    chip = DRV2605Emulator(clock).attach(board.i2c_bus)
    with install(board):
        import adafruit_drv2605
        import board as board_mod

        drv = adafruit_drv2605.DRV2605(board_mod.I2C())
        assert chip.regs[0x01] == 0x00 and chip.regs[0x1D] & 0x20      # out of standby, ERM open loop
        drv.sequence[0] = adafruit_drv2605.Effect(15)
        drv.sequence[1] = adafruit_drv2605.Pause(0.5)
        drv.sequence[2] = adafruit_drv2605.Effect(1)
        clock.sleep(1.0)
        drv.play()
        assert chip.plays == [(1000, (15, 0x80 | 50, 1))]
        clock.sleep(1.0)
        assert chip.playing()                     # 750 + 500 + 100 ms
        clock.sleep(0.4)
        assert not chip.playing()
        drv.play()
        drv.stop()
        assert chip.stops == [2400]


def test_wrong_device_id_is_the_drivers_error():
    clock = SimClock()
    board = SimBoard(clock)
    DRV2605Emulator(clock, device_id=2).attach(board.i2c_bus)
    with install(board):
        import adafruit_drv2605
        import board as board_mod

        with pytest.raises(RuntimeError):
            adafruit_drv2605.DRV2605(board_mod.I2C())
