"""An IMU that stops giving real data without one failed read, on the real boot.py/code.py.

A short dropout (a loose STEMMA QT cable also cuts the chip's supply) or a brown-out of
the chip brings it back at its power-on defaults: sensors off, every reading zero. An
output can freeze, read zero with the configuration intact, or read nonsense. Before the
sensor supervision (firmware/sensor.py) none of these failed a transaction, so the clip
went blind until a power cycle: every minute logged as not worn, no alert, no report.

The invariant here: when the sensor stops giving real data the clip reports it within
2 s (a log record, the STATUS words, a console line), recovers when it can (the driver
rebuilt and configured again), and a sustained slouch after the recovery alerts on time.
When it cannot recover it says so with a distinct vibration. Calibrating while the
sensor reads zeros never crashes code.py.
"""

from __future__ import annotations

import json
from typing import Any, Callable

import pytest

from firmware import events as ev, record
from firmware.haptics import SENSOR_LOST
from host.sim.lsm6ds_emulator import CTRL1_XL, CTRL6_C, CTRL7_G

from .helpers import SLOUCH_START_S, device, events, first, kinds, recording, talk as helpers_talk

DELAY_S = 30          # the default POSTURE_SLOUCH_DELAY_S
REPORT_MS = 2000      # the promise: a sensor giving no real data is reported within 2 s
FAULT_AT_S = 15       # calibrated by 7.5 s; the slouch starts at 25 s
_REF: dict[str, int] = {}


def reference_alert_ms() -> int:
    """When the slouch alert comes on a clip with nothing wrong (computed once)."""
    if "alert" not in _REF:
        with device(recording()) as dev:
            dev.run_for(SLOUCH_START_S + DELAY_S + 5)
            _REF["alert"] = first(dev, "slouch_alert")[0]
    return _REF["alert"]


def talk(dev: Any, body: str, seconds: float = 0.1) -> list[str]:
    """Send one command on the data channel; the reply bodies that came within `seconds`."""
    return helpers_talk(dev, body, seconds, strict=False)


def status(dev: Any) -> dict[str, str]:
    # 0.6 s: the reply may wait for a driver rebuild (the driver sleeps 0.4 s in it)
    lines = [line for line in talk(dev, "STATUS", seconds=0.6) if line.startswith("STATUS ")]
    assert lines, "no STATUS reply"
    return dict(w.split("=", 1) for w in lines[0].split()[1:] if "=" in w)


def logged_events(dev: Any) -> list[tuple[int, str, int, int]]:
    """Every event record the clip serves over SYNC, as (t_ms, kind, a, b)."""
    out: list[tuple[int, str, int, int]] = []
    start = 0
    for _ in range(50):
        lines = talk(dev, "SYNC %d 500" % start, seconds=3)
        recs = [record.decode(bytes.fromhex(line[2:])) for line in lines if line.startswith("R ")]
        assert any(line.startswith("END ") for line in lines), lines
        if not recs:
            return out
        out += [r[4] for r in recs if r[0] == record.T_EVENT]
        start = recs[-1][1] + 1
    raise AssertionError("SYNC never ended")


def run_until(dev: Any, kind: str, after_ms: int, limit_s: float, step_s: float = 0.05) -> tuple[int, dict]:
    """Run in small steps until the console shows a `kind` event printed after `after_ms`."""
    end = dev.clock.now_ms + int(limit_s * 1000)
    while True:
        found = [(t, e) for t, e in events(dev) if e["event"] == kind and t >= after_ms]
        if found:
            return found[0]
        if dev.clock.now_ms >= end:
            raise AssertionError("no %s within %.1f s; console:\n%s" % (kind, limit_s, dev.console_text()[-3000:]))
        dev.run_for(step_s)


def assert_configured(dev: Any) -> None:
    regs = dev.imu.regs
    assert regs[CTRL1_XL] >> 4 == 2, "accelerometer ODR is not 26 Hz: CTRL1_XL=0x%02X" % regs[CTRL1_XL]
    assert regs[CTRL6_C] & 0x10 and regs[CTRL7_G] & 0x80, "low-power bits not set"


def _dropout(ms: int) -> Callable[[Any], None]:
    return lambda dev: dev.board.i2c_bus.dropout(dev.imu.address, ms)


# name -> (inject the fault, the cause the clip must name)
FAULTS: dict[str, tuple[Callable[[Any], None], str]] = {
    "dropout_40ms": (_dropout(40), "reset"),
    "dropout_100ms": (_dropout(100), "reset"),
    "reset_no_failed_transaction": (lambda dev: dev.imu.reset(), "reset"),
    "brownout_30ms_nack": (lambda dev: dev.imu.reset(nack_ms=30), "reset"),
    "frozen_output": (lambda dev: dev.imu.output_fault("frozen"), "stuck"),
    "all_zero_output": (lambda dev: dev.imu.output_fault("zero"), "zero"),
    "accel_reads_double": (lambda dev: dev.imu.output_fault("gain", gain=2.0), "implausible"),
}


@pytest.mark.parametrize("name", list(FAULTS))
def test_a_sensor_giving_no_real_data_is_reported_within_2_s_and_recovered(name: str) -> None:
    inject, cause = FAULTS[name]
    ref = reference_alert_ms()
    with device(recording()) as dev:
        dev.run_for(FAULT_AT_S)
        assert "calibrated" in kinds(dev)
        assert status(dev)["sensor"] == "ok"
        t0 = dev.clock.now_ms
        inject(dev)
        assert dev.imu.failures == 0 or name == "brownout_30ms_nack" or name.startswith("dropout")
        # reported within 2 s: the console line ...
        t_fault, fault = run_until(dev, "sensor_fault", t0, REPORT_MS / 1000)
        assert t_fault - t0 <= REPORT_MS and fault["cause"] == cause, (t_fault - t0, fault)
        # ... and STATUS, asked at once, names it (the LIVE state is the same word)
        st = status(dev)
        assert st["sensor"] == cause and st["sfaults"] == "1", st
        # recovered: the driver was rebuilt and configured, data flows again
        t_ok, ok = run_until(dev, "sensor_recovered", t_fault, 3)
        assert 0 < ok["a"] <= t_ok - t0 + 50
        st = status(dev)
        assert st["sensor"] == "ok" and st["sfaults"] == "1", st
        assert_configured(dev)
        # a sustained slouch after the recovery still alerts on time
        dev.run_for(SLOUCH_START_S + DELAY_S + 5 - dev.clock.now_ms / 1000)
        alert = first(dev, "slouch_alert")[0]
        assert abs(alert - ref) <= 200, (alert, ref)
        assert dev.crashes == [] and dev.resets == [] and "Traceback" not in dev.console_text()
        # the log holds the fault with its cause, then the recovery
        logged = [e for e in logged_events(dev) if e[1] in (ev.SENSOR_FAULT, ev.SENSOR_RECOVERED)]
        assert [(e[1], e[2]) for e in logged][:1] == [(ev.SENSOR_FAULT, ev.FAULT_NAMES.index(cause))]
        assert [e[1] for e in logged] == [ev.SENSOR_FAULT, ev.SENSOR_RECOVERED]
        assert "sensor_error" not in kinds(dev)


@pytest.mark.parametrize("name", ["dropout_40ms", "reset_no_failed_transaction"])
def test_a_fault_during_a_slouch_still_alerts_on_time(name: str) -> None:
    inject, cause = FAULTS[name]
    ref = reference_alert_ms()
    with device(recording()) as dev:
        dev.run_for(SLOUCH_START_S + 12)              # slouched for 12 s
        t0 = dev.clock.now_ms
        inject(dev)
        t_fault, fault = run_until(dev, "sensor_fault", t0, REPORT_MS / 1000)
        assert fault["cause"] == cause and t_fault - t0 <= REPORT_MS
        dev.run_for(SLOUCH_START_S + DELAY_S + 5 - dev.clock.now_ms / 1000)
        assert "sensor_recovered" in kinds(dev)
        alert = first(dev, "slouch_alert")[0]
        assert abs(alert - ref) <= 500, (alert, ref)   # a second of the episode was not seen
        assert dev.crashes == []


def lost_pattern_played(dev: Any) -> int:
    """How many times the motor played SENSOR_LOST: its buzzes (900 ms) are the only ones
    longer than 800 ms (an alert's are 220 ms, a reminder 450, a break's longest 600)."""
    long_buzzes = [s for s, e in dev.vibrations() if e < 0 or e - s >= 800]
    assert len(long_buzzes) % len([d for d in SENSOR_LOST[::2]]) == 0, dev.vibrations()
    return len(long_buzzes) // len(SENSOR_LOST[::2])


def test_a_sensor_that_cannot_recover_says_so_with_a_distinct_vibration_and_keeps_trying() -> None:
    with device(recording([("upright", 25), ("slouch", 60, {"flex": 30}), ("upright", 40)])) as dev:
        dev.run_for(FAULT_AT_S)
        t0 = dev.clock.now_ms
        dev.imu.output_fault("zero", persist=True)     # a damaged chip: rebuilding does not help
        t_fault, fault = run_until(dev, "sensor_fault", t0, REPORT_MS / 1000)
        assert fault["cause"] == "zero"
        rebuilds = dev.imu.sw_resets
        dev.run_for(8)
        assert lost_pattern_played(dev) == 1
        gave_up = [line for t, line in dev.console_lines() if "no real data from the IMU (zero)" in line]
        assert gave_up, dev.console_text()[-2000:]
        assert status(dev)["sensor"] == "zero"
        # LIVE shows the problem, not a posture
        live = [line for line in talk(dev, "LIVE on", seconds=1) if line.startswith("L ")]
        assert live and all(line.split()[4] == "sensor_zero" for line in live), live
        talk(dev, "LIVE off")
        # it rebuilt the driver (each build a software reset of the chip) right after reporting,
        # then kept trying after 1, 2 and 4 s more
        assert dev.imu.sw_resets - rebuilds == 4, dev.imu.sw_resets - rebuilds
        assert "sensor_recovered" not in kinds(dev)
        dev.imu.clear_output_fault()                    # the chip works again
        run_until(dev, "sensor_recovered", dev.clock.now_ms, 3)
        assert status(dev)["sensor"] == "ok"
        assert lost_pattern_played(dev) == 1            # once per outage
        errs = [e for e in logged_events(dev) if e[1] == ev.ERROR and e[2] == ev.ERR_SENSOR_MISSING]
        assert len(errs) == 1 and errs[0][3] == ev.FAULT_ZERO
        assert dev.crashes == []


def press(dev: Any, at_s: float, hold_s: float = 0.3) -> None:
    """The button (to ground) pressed at elapsed `at_s` for `hold_s`."""
    lo, hi = int(at_s * 1000), int((at_s + hold_s) * 1000)
    dev.board.pin("BUTTON").drive(lambda t_ms: not lo <= t_ms < hi)


def test_calibrating_while_the_sensor_reads_zeros_never_crashes() -> None:
    with device(recording([("upright", 120), ("slouch", 50, {"flex": 30}), ("upright", 20)])) as dev:
        dev.run_for(15)
        assert "calibrated" in kinds(dev)
        dev.imu.output_fault("zero", persist=True)     # every reading zero, rebuilt or not
        press(dev, dev.clock.now_ms / 1000 + 1.0)       # the wearer presses the button ...
        dev.run_for(10)
        reply = talk(dev, "CALIBRATE", seconds=8)        # ... and the laptop asks too
        assert any(line.startswith("OK CALIBRATE") for line in reply), reply
        assert dev.crashes == [] and dev.resets == [], dev.console_text()[-3000:]
        assert "Traceback" not in dev.console_text()
        assert kinds(dev).count("calibrated") == 1       # nothing calibrated on zeros
        dev.imu.clear_output_fault()                    # the sensor works again: the calibration completes
        dev.run_for(20)
        assert kinds(dev).count("calibrated") == 2
        dev.run_for(120 + DELAY_S + 5 - dev.clock.now_ms / 1000)
        assert "slouch_alert" in kinds(dev)
        assert dev.crashes == []


def test_a_button_press_after_a_silent_reset_calibrates_on_real_data() -> None:
    with device(recording([("upright", 60)])) as dev:
        dev.run_for(15)
        dev.imu.reset()                                  # no failed transaction: zeros from now
        press(dev, 15.5)
        dev.run_for(15)
        assert dev.crashes == [] and "Traceback" not in dev.console_text()
        assert kinds(dev).count("calibrated") == 2, kinds(dev)
        assert "calibration_failed" not in kinds(dev)


def test_a_normal_day_reports_no_sensor_fault() -> None:
    """No false alarm on a normal day: a still wearer, a slouch, breathing; nothing reported."""
    with device(recording([("upright", 60), ("slouch", 45, {"flex": 30}), ("upright", 60)])) as dev:
        dev.run_for(165)
        ks = kinds(dev)
        assert "sensor_fault" not in ks and "sensor_error" not in ks, ks
        assert status(dev)["sfaults"] == "0"


def test_posture_live_shows_the_sensor_problem_plainly(capsys: pytest.CaptureFixture[str]) -> None:
    """`posture live` over a pty to the running clip: a problem is named, not drawn as a posture."""
    from host.cli import main
    from host.sim.bridge import PtyBridge

    with device(recording([("upright", 60)])) as dev:
        dev.run_for(15)
        dev.imu.output_fault("zero", persist=True)
        dev.run_for(1)
        with PtyBridge(dev) as bridge:
            assert main(["live", "--port", bridge.port, "--count", "3"]) == 0
            text = capsys.readouterr().out
            assert main(["live", "--port", bridge.port, "--json", "--count", "2"]) == 0
            lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
        assert "PROBLEM sensor_zero: the IMU reads all zeros" in text and "not watching posture" in text
        assert "[#" not in text and "seated" not in text          # no gauge, no posture word
        assert lines and all(r["state"] == "sensor_zero" and "all zeros" in r["problem"] for r in lines)
        dev.imu.clear_output_fault()
        dev.run_for(3)
        with PtyBridge(dev) as bridge:
            assert main(["live", "--port", bridge.port, "--json", "--count", "2"]) == 0
            lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
        assert lines and all(r["problem"] is None and not r["state"].startswith("sensor_") for r in lines)


def test_a_chip_gone_from_the_bus_is_down_in_status_and_live_then_ok_again() -> None:
    """The old SENSOR_ERROR path (5 failed reads) now also sets the health: STATUS and LIVE say
    sensor=down while the chip is gone; after 5 s the SENSOR_LOST buzz, once."""
    with device(recording([("upright", 60)])) as dev:
        dev.run_for(FAULT_AT_S)
        t0 = dev.clock.now_ms
        dev.board.i2c_bus.dropout(dev.imu.address, 8000)
        t_err, _err = run_until(dev, "sensor_error", t0, REPORT_MS / 1000)
        st = status(dev)
        assert st["sensor"] == "down" and st["sfaults"] == "1", st
        live = [line for line in talk(dev, "LIVE on", seconds=0.6) if line.startswith("L ")]
        talk(dev, "LIVE off")
        assert live and all(line.split()[4] == "sensor_down" for line in live), live
        dev.run_for(8.5 - (dev.clock.now_ms - t0) / 1000)
        assert lost_pattern_played(dev) == 1
        assert any("no real data from the IMU (no answer)" in line for _t, line in dev.console_lines())
        run_until(dev, "sensor_recovered", t0, 3)
        assert status(dev)["sensor"] == "ok"
        assert_configured(dev)
        assert lost_pattern_played(dev) == 1 and dev.crashes == []
