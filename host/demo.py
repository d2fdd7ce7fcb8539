"""`posture demo`: the whole chain on a simulated working day, with no hardware.

1. A synthetic wearer's working day (host/sim: scripted postures, physics, sensor noise).
2. The clip's real boot.py and code.py run on the simulated board: the real
   adafruit_lsm6ds driver reads the register emulator, the firmware vibrates
   and writes its binary log to the simulated flash.
3. The laptop syncs that log through pyserial over a pseudo-terminal, from the
   still-running clip, into a fresh SQLite database.
4. The summary, the suggestions and the HTML report come from that database.
"""

from __future__ import annotations

import shutil
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from host.db import Database
from host.errors import PostureError

RATE_HZ = 52           # the wearer's motion is rendered finer than the clip's 26 Hz sampling
CHUNK_S = 900          # simulated seconds per progress step
DAY_START_HOUR = 9


def day_start_wall(now: datetime | None = None) -> float:
    """Yesterday at 09:00 local time: the simulated day lies wholly in the past."""
    now = now or datetime.now().astimezone()
    start = (now - timedelta(days=1)).replace(hour=DAY_START_HOUR, minute=0, second=0, microsecond=0)
    return start.timestamp()


def run_demo(out_dir: Path, hours: float, seed: int, mount: str, console: Any,
             progress: Any | None = None) -> dict[str, Any]:
    from host.sim import scenario
    from host.sim.bridge import PtyBridge
    from host.sim.device import SimDevice
    from host.sim.wearer import render
    from host.sync import sync
    from host.transport import Transport

    if not 0 < hours <= 12:
        raise PostureError("--hours must be more than 0 and at most 12")
    out_dir = Path(out_dir)
    flash = out_dir / "clip-flash"
    db_path = out_dir / "posture.db"
    try:
        if flash.exists():
            shutil.rmtree(flash)
        out_dir.mkdir(parents=True, exist_ok=True)
        for stale in (db_path, Path(str(db_path) + ".lock")):
            stale.unlink(missing_ok=True)
    except OSError as exc:
        raise PostureError(f"cannot prepare {out_dir}: {exc.strerror or exc}") from None

    figures: dict[str, Any] = {}
    t0 = time.perf_counter()
    segments = scenario.make_day(hours, seed)
    rec = render(segments, rate_hz=RATE_HZ, mount=mount, seed=seed)
    figures["segments"] = len(segments)
    figures["sustained_slouches"] = len(scenario.sustained_slouches(segments, 45))
    figures["mount"] = rec.mount.describe() if hasattr(rec.mount, "describe") else mount
    total_s = hours * 3600
    task = progress.add_task("wearing the clip (simulated board)", total=total_s) if progress else None
    with SimDevice(rec, fs_dir=str(flash)) as dev:
        done = 0.0
        while done < total_s:
            step = min(CHUNK_S, total_s - done)
            dev.run_for(step)
            done += step
            if progress:
                progress.update(task, completed=done)
        figures["vibrations"] = len(dev.vibrations())
        start_wall = day_start_wall()
        boot_ms = dev.clock.now_ms - int(total_s * 1000)

        def wall_now() -> float:
            return start_wall + (dev.clock.now_ms - boot_ms) / 1000

        sync_task = progress.add_task("syncing over a pseudo-terminal", total=None) if progress else None
        db = Database(db_path)
        try:
            with PtyBridge(dev) as bridge, Transport(bridge.port, timeout=5.0) as link:
                figures["port"] = bridge.port
                result = sync(link, db, now=wall_now)
        finally:
            db.close()
        if progress:
            progress.update(sync_task, total=1, completed=1)
    figures["new_minutes"] = result.new_minutes
    figures["new_events"] = result.new_events
    figures["device_id"] = result.device_id
    figures["db"] = str(db_path)
    figures["seconds"] = round(time.perf_counter() - t0, 1)
    return figures


def show_results(db_path: Path, out_dir: Path, console: Any) -> Path:
    from host.readdb import open_for_reading
    from host.report import write_report
    from host.suggest import render_plan, suggest
    from host.summary import last_days, render_summary, summarise

    conn = open_for_reading(str(db_path))
    try:
        start, end = last_days(conn, 1)
        render_summary(summarise(conn, start, end), console)
        render_plan(suggest(conn, 1), console)
        return write_report(conn, out_dir, days=1)
    finally:
        conn.close()
