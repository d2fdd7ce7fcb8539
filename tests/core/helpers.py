"""Running the real detector (through the Monitor) over synthetic samples."""

from __future__ import annotations

from typing import Any, Iterable

from firmware import events as ev
from firmware.detector import PostureDetector
from firmware.haptics import NullMotor, Player
from firmware.monitor import Monitor
from firmware.settings import Settings
from firmware.ticks import TICKS_PERIOD


def run(samples: Iterable[tuple[float, ...]], settings: Settings | None = None,
        ticks_start: int = 0, calibrate_now: bool = True) -> dict[str, Any]:
    """Returns {'events': [(t_s, kind, a, b)], 'minutes': [...], 'detector': det, 'motor': [...]}."""
    settings = settings or Settings()
    out: list[tuple[float, str, int, int]] = []
    minutes: list[tuple[int, ...]] = []
    levels: list[tuple[float, int]] = []

    class Motor(NullMotor):
        def set(self, level: int) -> None:
            levels.append((now_s, level))

    det = PostureDetector(settings, on_minute=minutes.append, calibrate_now=calibrate_now)
    now_s = 0.0
    mon = Monitor(det, Player(Motor(), settings.haptic_strength),
                  on_event=lambda e: out.append((now_s, e[1], e[2], e[3])))
    for s in samples:
        now_s = s[0]
        ticks = (ticks_start + int(round(s[0] * 1000))) % TICKS_PERIOD
        mon.process(ticks, *s[1:])
    return {"events": out, "minutes": minutes, "detector": det, "motor": levels}


def kinds(result: dict[str, Any], *names: str) -> list[tuple[float, str, int, int]]:
    return [e for e in result["events"] if e[1] in names]


ALERTS = (ev.SLOUCH_ALERT, ev.SLOUCH_REMINDER)
