"""supervisor.ticks_ms wraps at 2**29 (about 6.2 days after power-on): the whole device,
from boot.py on, must behave the same when the wrap falls inside a slouch or a break timer.

Each run is compared with the same wearer on a clock that starts at 0: the motor
timeline (in elapsed simulated ms, which never wraps) must be identical.
"""

from __future__ import annotations

import pytest

from .helpers import SLOUCH_START_S, TICKS_PERIOD, device, events, recording

BREAK_DAY = [("upright", 150)]


def run(spec, seconds, start_ticks, settings=None):
    with device(recording(spec), start_ticks=start_ticks, settings=settings) as dev:
        dev.run_for(seconds)
        assert dev.resets == [] and dev.crashes == [], dev.console_text()
        return dev.vibrations(), [(t, e["event"], {k: v for k, v in e.items() if k != "t_ms"})
                                  for t, e in events(dev)]


# wrap points: seconds after boot at which ticks_ms goes from 2**29-1 to 0
@pytest.mark.parametrize("wrap_s", [SLOUCH_START_S + 0.5, SLOUCH_START_S + 12, SLOUCH_START_S + 29.9,
                                    SLOUCH_START_S + 45])
def test_wrap_inside_a_slouch_episode(wrap_s: float) -> None:
    start = TICKS_PERIOD - int(wrap_s * 1000)
    ref_buzz, ref_events = run(None, 100, 0)
    buzz, evs = run(None, 100, start)
    assert any(e[1] == "slouch_alert" for e in ref_events)
    assert buzz == ref_buzz
    assert evs == ref_events            # same kinds, times and fields (durations, ms since start)
    alert = next(e for e in evs if e[1] == "slouch_alert")
    assert 29.5 <= alert[2]["after_s"] <= 31     # not 2**29 ms, not negative


@pytest.mark.parametrize("wrap_s", [30, 61, 89])
def test_wrap_inside_a_break_timer(wrap_s: float) -> None:
    settings = {"POSTURE_BREAK_MIN": 1}
    start = TICKS_PERIOD - int(wrap_s * 1000)
    ref_buzz, ref_events = run(BREAK_DAY, 140, 0, settings)
    buzz, evs = run(BREAK_DAY, 140, start, settings)
    breaks = [e for e in ref_events if e[1] == "break_alert"]
    assert breaks, ref_events
    assert buzz == ref_buzz
    assert evs == ref_events


def test_ticks_really_wrapped_on_the_device() -> None:
    """The console's t_ms fields show the wrap: a guard against a clock that never wraps."""
    start = TICKS_PERIOD - 10_000
    with device(recording(), start_ticks=start) as dev:
        dev.run_for(70)
        stamps = [e["t_ms"] for _t, e in events(dev)]
    assert any(t >= TICKS_PERIOD - 10_000 for t in stamps)
    assert any(t < 100_000 for t in stamps)
