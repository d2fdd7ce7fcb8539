"""The vibration player: patterns play over time without blocking, and a failing motor never stops the loop."""

from firmware import haptics
from firmware.haptics import Player


class Recorder:
    def __init__(self):
        self.levels = []

    def set(self, level):
        self.levels.append(level)


def test_pattern_steps_follow_the_clock_and_wrap():
    m = Recorder()
    p = Player(m, 100)
    start = (1 << 29) - 300          # the pattern straddles the ticks wrap
    p.play(haptics.SLOUCH_ALERT, start)   # 220 on, 140 off, 220 on
    assert m.levels == [255] and p.busy
    for dt in range(0, 700, 10):
        p.update((start + dt) & ((1 << 29) - 1))
    assert m.levels == [255, 0, 255, 0] and not p.busy


def test_strength_scales_the_level():
    m = Recorder()
    Player(m, 40).play(haptics.CALIBRATED, 0)
    assert m.levels == [102]


class Broken:
    def set(self, level):
        raise OSError(121, "remote I/O error")


def test_a_motor_error_loses_the_vibration_not_the_loop():
    p = Player(Broken(), 70)
    p.play(haptics.BREAK, 0)
    p.update(500)
    p.stop()
    assert p.errors >= 1 and not p.busy
