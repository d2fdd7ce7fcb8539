"""`posture demo`: weeks of wear through the clip's real firmware, with no hardware.

What runs, each simulated day (14 by default, consecutive days ending today or yesterday):

1. A wearer (host/sim/behaviour.py: a desk day each day, sits up when the clip buzzes,
   learns a habit from the buzzes answered) wears the clip from 09:00 for `hours`.
2. The clip is the firmware's own objects, wired as firmware/wiring.py main() wires them on
   the board: Monitor, PostureDetector, Player, Modes (training budget), the Log on a real
   folder (firmware/storage.Storage: the binary segment files a clip writes to its flash)
   and the data-channel Protocol. Only the IMU driver is left out: samples are handed to
   the Monitor as the driver would return them (the full board with the real driver runs
   an 8-hour day in ~12 s, 14 days would take ~3 min; `posture replay` runs these objects
   at ~19,000x real time). The motor tells the wearer when it buzzes (a closed loop).
3. Each morning the clip starts anew (a new boot, as when it wakes from its desk sleep on
   the pick-up): settings and the training budget come from what the last sync SET.
4. Each evening the clip lies on the desk and the laptop's real sync (host/sync.py through
   host/transport.py, over an in-process link on simulated time: host/sim/link.py) copies
   the day into the demo's SQLite database, then applies the training plan
   (host/sync.py apply_plan: POSTURE_TRAIN_MIN, judged on the last full day before today).
   The evening before day 1 the new clip is synced once (setting up: the plan starts).
5. After the last day: the week's summary with the streak, the suggestions and the report.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Callable, Iterator

from host.db import Database
from host.errors import PostureError

DAY_START_HOUR = 9
SETUP_HOUR = 20            # the evening before day 1: the new clip is synced once
CHUNK_S = 900              # simulated seconds per progress step
DEVICE_ID = "DEMOCLIP01"
# Board ticks start near their wrap (2**29 ms), as CircuitPython's supervisor.ticks_ms does
# to bring wrap bugs out early: every simulated day crosses one wrap 65 s after its boot.
START_TICKS = (1 << 29) - 65536
_MASK = (1 << 29) - 1


def _say(_text: str) -> None:
    pass


class _Motor:
    """The vibration motor: tells `on_play` which pattern starts (a DRV2605-style motor is told)."""

    plays_patterns = True

    def __init__(self) -> None:
        self.on_play: Callable[[Any], None] | None = None

    def play(self, pattern: Any) -> None:
        if self.on_play is not None:
            self.on_play(pattern)

    def set(self, level: int) -> None:
        pass


class _Clock:
    def __init__(self, ticks: int) -> None:
        self.now = ticks

    def ticks_ms(self) -> int:
        return self.now

    def sleep_ms(self, ms: int) -> None:
        pass


class DemoClip:
    """One boot of the clip: the firmware objects wiring.main builds, on `flash` (a folder),
    fed by `source` (samples (t_s, ax, ay, az, gx, gy, gz), t_s from the boot)."""

    def __init__(self, flash: Path, source: Iterator[tuple[float, ...]],
                 on_buzz: Callable[[float, Any], None] | None = None) -> None:
        from firmware import VERSION, datalink, events as ev
        from firmware.detector import PostureDetector
        from firmware.haptics import Player
        from firmware.health import Health
        from firmware.modes import Modes
        from firmware.monitor import Monitor
        from firmware.settings import load as load_settings
        from host.sim.link import Channel

        self.source = source
        self.t_s = 0.0
        self.clock = _Clock(START_TICKS)
        self.data = Channel()                 # usb_cdc.data
        self.events: list[tuple[float, str, int, int]] = []   # (t_s, kind, a, b)
        store = datalink.open_storage(os, open, str(flash))
        overrides = datalink.overrides_for(store)
        getenv: Callable[[str], Any] = lambda _key: None   # noqa: E731  (no settings.toml)
        if overrides is not None:
            getenv = overrides.getenv(getenv)
        settings = load_settings(getenv, _say)
        self.settings = settings
        self.modes: Any = None
        health = Health()
        motor = _Motor()
        player = Player(motor, settings.haptic_strength)
        detector = PostureDetector(settings)
        now = self.clock.ticks_ms()
        modes = self.modes = Modes(settings, player, health, now)
        log, proto = datalink.start(store, self, detector, settings, overrides, DEVICE_ID, VERSION,
                                    _say, urandom=os.urandom, health=health, modes=modes)
        if log is None or proto is None:
            raise PostureError("the demo clip could not open its log in %s" % flash)
        self.log = log
        log.event((now, ev.BOOT, log.boot, 0))

        def on_event(event: tuple[int, str, int, int]) -> None:
            self.events.append((self.t_s, event[1], event[2], event[3]))

        self.monitor = Monitor(detector, player, clock=self.clock, log=log,
                               pollers=[proto, modes], on_event=on_event, health=health)
        modes.emit = self.monitor.emit         # as firmware/wiring.py main() wires them
        modes.next = detector.on_minute
        detector.on_minute = modes.minute
        modes.update()
        if on_buzz is not None:
            motor.on_play = lambda pattern: on_buzz(self.t_s, pattern)

    def run_for(self, seconds: float) -> None:
        """Run the clip's loop over the next `seconds` of samples: what Monitor.step does for
        each sample the driver returns (process it, then poll the protocol and the modes)."""
        end = self.t_s + seconds
        process, pollers = self.monitor.process, self.monitor.pollers
        t = self.t_s
        try:
            for t, ax, ay, az, gx, gy, gz in self.source:
                self.t_s = t
                now = (START_TICKS + int(t * 1000 + 0.5)) & _MASK
                self.clock.now = now
                process(now, ax, ay, az, gx, gy, gz)
                for poller in pollers:
                    poller.poll(now)
                if t >= end:
                    return
        finally:
            self.t_s = t
        raise PostureError("the simulated day ran out of samples (the evening on the desk is too short)")


def last_day(hours: float, now: datetime | None = None) -> date:
    """Today when today's simulated day and evening are over by the clock, else yesterday:
    the days end as late as they can while every record lies in the past."""
    from host.sim.behaviour import EVENING_S

    now = now or datetime.now().astimezone()
    end = now.replace(hour=DAY_START_HOUR, minute=0, second=0, microsecond=0) + timedelta(
        hours=hours, seconds=EVENING_S)
    return now.date() if end <= now else now.date() - timedelta(days=1)


def _local(d: date, hour: int) -> float:
    return datetime(d.year, d.month, d.day, hour).astimezone().timestamp()


def posture_command() -> str:
    """How to run `posture` from here: `posture` when that is this tool on PATH (the venv is
    active), else the venv's script (.venv/bin/posture, relative to the current folder)."""
    script = Path(sys.executable).parent / ("posture.exe" if os.name == "nt" else "posture")
    found = shutil.which("posture")
    if found and script.exists() and Path(found).resolve() == script.resolve():
        return "posture"
    if not script.exists():
        return "posture"
    try:
        return shlex.quote(os.path.relpath(script))
    except ValueError:      # another drive (Windows)
        return shlex.quote(str(script))


def next_commands(db_path: Path, out_dir: Path, days: int) -> list[str]:
    """Commands that work verbatim from the current folder on the demo's database."""
    exe = posture_command()
    db = shlex.quote(str(db_path))
    return [f"{exe} summary --week --db {db}",
            f"{exe} suggest --db {db}",
            f"{exe} goal --db {db}",
            f"{exe} report --days {days} --db {db} --out {shlex.quote(str(out_dir))}"]


def _prepare(out_dir: Path) -> tuple[Path, Path]:
    flash = out_dir / "clip-flash"
    db_path = out_dir / "posture.db"
    try:
        if flash.exists():
            shutil.rmtree(flash)
        out_dir.mkdir(parents=True, exist_ok=True)
        flash.mkdir()
        for stale in (db_path, Path(str(db_path) + ".lock"), Path(str(db_path) + ".bak"),
                      out_dir / "truth.json"):
            stale.unlink(missing_ok=True)
    except OSError as exc:
        raise PostureError(f"cannot prepare {out_dir}: {exc.strerror or exc}") from None
    return flash, db_path


def _sync(clip: DemoClip, db: Database, wall0: float) -> tuple[Any, dict[str, Any]]:
    """The evening sync and the plan, as `posture sync` does them, over the in-process link."""
    from host.client import Clip
    from host.sim.link import SimLink
    from host.sync import apply_plan, sync
    from host.transport import Transport

    def wall_now() -> float:
        return wall0 + clip.t_s

    link = SimLink(clip.run_for, clip.data)
    with Transport("the demo clip", timeout=10.0, serial_obj=link) as transport:
        client = Clip(transport)
        with db.lock():
            result = sync(client, db, now=wall_now)
        plan = apply_plan(client, db, result.device_id, wall_now())
    return result, plan


def _truth(segments: list[Any]) -> dict[str, float]:
    from host.sim import scenario

    def mins(*labels: str) -> float:
        return round(sum(s.duration_s for s in segments if s.label in labels) / 60, 2)

    total = sum(s.duration_s for s in segments)
    return {"worn_min": round((total - sum(s.duration_s for s in segments if s.label == "off_body")) / 60, 2),
            "upright_min": mins("upright"), "slouch_min": mins("slouch"),
            "sustained_slouches": len(scenario.sustained_slouches(segments, 45)),
            "long_slouches": len(scenario.sustained_slouches(segments, 30))}


def run_demo(out_dir: Path, days: int = 14, hours: float = 8.0, seed: int = 7, mount: str = "rotated",
             progress: Any | None = None, today: datetime | None = None) -> dict[str, Any]:
    """Run the days; returns the figures (JSON-ready). Writes out_dir/posture.db, the clip's
    flash (out_dir/clip-flash) and what the wearer really did (out_dir/truth.json)."""
    from firmware import events as ev
    from host.sim.behaviour import LiveDay, Wearer

    if not 1 <= days <= 60:
        raise PostureError("--days must be between 1 and 60")
    if not 2 <= hours <= 12:
        raise PostureError("--hours must be at least 2 (the goal's worn time) and at most 12")
    if mount not in ("nominal", "rotated"):
        raise PostureError("--mount must be nominal or rotated")
    out_dir = Path(out_dir)
    flash, db_path = _prepare(out_dir)
    t0 = time.perf_counter()
    last = last_day(hours, today)
    dates = [last - timedelta(days=days - 1 - k) for k in range(days)]
    wearer = Wearer(seed)
    per_day: list[dict[str, Any]] = []
    truth: list[dict[str, Any]] = []
    overall = progress.add_task(f"{days} days", total=days * hours * 3600) if progress else None
    db = Database(db_path)
    try:
        # the evening before day 1: the new clip, on the desk, synced once (the plan starts)
        setup = LiveDay(wearer, 0, 0.0, mount)
        clip = DemoClip(flash, setup.samples())
        clip.run_for(60.0)
        _result, plan = _sync(clip, db, _local(dates[0] - timedelta(days=1), SETUP_HOUR))
        setup_plan = plan
        for k, day in enumerate(dates, start=1):
            live = LiveDay(wearer, k, hours, mount)
            clip = DemoClip(flash, live.samples(), on_buzz=live.buzz)
            train_min = clip.settings.train_min
            habit = wearer.habit
            done = 0.0
            while done < live.day_end_s:
                step = min(CHUNK_S, live.day_end_s - done)
                clip.run_for(step)
                done += step
                if progress:
                    progress.update(overall, completed=(k - 1) * hours * 3600 + done,
                                    description=f"day {k} of {days} ({day:%a %d %b}): wearing the clip")
            if progress:
                progress.update(overall, description=f"day {k} of {days} ({day:%a %d %b}): syncing")
            wall0 = _local(day, DAY_START_HOUR)
            result, plan = _sync(clip, db, wall0)
            kinds = [e[1] for e in clip.events if e[0] <= live.day_end_s]
            lived = live.truth()
            per_day.append({
                "day": k, "date": day.isoformat(), "train_min": train_min, "habit": round(habit, 3),
                "slouch_alerts": kinds.count(ev.SLOUCH_ALERT),
                "reminders": kinds.count(ev.SLOUCH_REMINDER),
                "buzzes": live.buzzes, "answered": live.answered, "missed": live.missed,
                "caught": live.caught,
                "median_answer_s": round(sorted(live.responses)[len(live.responses) // 2], 1)
                if live.responses else None,
                "new_minutes": result.new_minutes, "new_events": result.new_events,
                "plan": {"status": plan["status"], "action": (plan.get("plan") or {}).get("action"),
                         "train_min": (plan.get("plan") or {}).get("train_min"),
                         "message": plan["message"]},
                "truth": _truth(lived),
            })
            truth.append({"day": k, "date": day.isoformat(), "wall_start": wall0,
                          "segments": [s.to_json() for s in lived]})
            seated_min = clip.modes.seated_s / 60
            per_day[-1]["trained_min"] = round(min(seated_min, train_min) if train_min else seated_min, 1)
            wearer.learn(per_day[-1]["trained_min"], live.answered)
    finally:
        db.close()
    try:
        (out_dir / "truth.json").write_text(json.dumps({"seed": seed, "hours": hours, "days": truth}))
    except OSError as exc:
        raise PostureError(f"cannot write {out_dir / 'truth.json'}: {exc.strerror or exc}") from None
    return {"days": per_day, "setup_plan": setup_plan["message"], "device_id": DEVICE_ID,
            "db": str(db_path), "out": str(out_dir), "hours": hours, "seed": seed,
            "seconds": round(time.perf_counter() - t0, 1),
            "next": next_commands(db_path, out_dir, days)}


def show_results(db_path: Path, out_dir: Path, days: int, console: Any) -> Path:
    """The week's summary (with the streak and the week before), the suggestions, the report."""
    from host.readdb import open_for_reading
    from host.report import write_report
    from host.suggest import render_plan, suggest
    from host.summary import last_days, render_summary, summarise

    conn = open_for_reading(str(db_path))
    try:
        span = min(days, 7)
        start, end = last_days(conn, span)
        render_summary(summarise(conn, start, end), console)
        render_plan(suggest(conn, span), console)
        return write_report(conn, out_dir, days=days)
    finally:
        conn.close()
