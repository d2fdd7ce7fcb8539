"""The real Monitor and detector on a synthetic wearer, behind the pty: live, calibrate, sync."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from host.cli import main
from host.sim import scenario
from host.sim.ptydevice import PtyDevice
from host.sim.wearer import render


@pytest.fixture(scope="module")
def wearer() -> object:
    return render(scenario.make_day(0.5, seed=3), rate_hz=26, seed=3)


def test_live_calibrate_and_sync_with_the_real_monitor(wearer: object, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "db.sqlite"
    with PtyDevice(str(tmp_path / "log"), wearer=wearer) as dev:
        assert main(["live", "--port", dev.port, "--json", "--count", "12"]) == 0
        readings = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
        assert len(readings) == 12
        states = {r["state"] for r in readings}
        assert states <= {"calibrating", "seated", "moving", "walking", "lying", "off_body", "slouch",
                          "unknown"}
        assert any(r["flex_deg"] is not None for r in readings)
        code = main(["calibrate", "--port", dev.port, "--json", "--wait", "30"])
        outcome = json.loads(capsys.readouterr().out)
        assert (code, outcome["event"]) in ((0, "calibrated"), (1, "calibration_failed"))
        while dev.feed is not None and dev.feed.i < len(dev.feed.t):  # let the wearer's half hour finish
            assert main(["config", "--port", dev.port, "POSTURE_REMIND_S"]) == 0
        capsys.readouterr()
        assert main(["sync", "--port", dev.port, "--db", str(db), "--json"]) == 0
        result = json.loads(capsys.readouterr().out)
    assert 28 <= result["new_minutes"] <= 30
    conn = sqlite3.connect(db)
    kinds = {r[0] for r in conn.execute("SELECT kind FROM events")}
    assert "boot" in kinds and kinds & {"calibrated", "calibration_failed"}
    assert conn.execute("SELECT COUNT(*) FROM minutes WHERE wall IS NULL").fetchone()[0] == 0
    conn.close()
