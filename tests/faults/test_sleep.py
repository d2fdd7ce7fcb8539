"""Sleep off the body (issue 14): the real boot.py/code.py on the simulated board, the real
adafruit_lsm6ds driver on the emulator, whose wake-up detector drives INT1 on a board pin.

Left on the desk the clip arms the IMU's wake-up interrupt and deep-sleeps after
POSTURE_SLEEP_MIN; a pick-up wakes it (boot.py, code.py again), it takes the posture frame
anew as a re-wear (never calibrating into a slouch), and alerts on a later slouch. Without
the INT1 wire it stays awake, saying so once. Sleep and wake reach the database as SLEEP
events, and the slept time adds no worn minute.
"""

from __future__ import annotations

import math
import random
import sqlite3
from typing import Any

import pytest

from host.sim.device import SimDevice
from host.sim.lsm6ds_emulator import MD1_CFG, TAP_CFG, WAKE_UP_DUR, WAKE_UP_THS

G = 9.80665
NOISE = 0.018    # m/s^2 RMS: the chip's accelerometer noise (about 1.8 mg); a real desk never reads
                 # one value twice in a row (the sensor supervision takes that for a frozen chip)


def noisy(t_ms: int, values: tuple[float, ...]) -> tuple[float, ...]:
    rng = random.Random(t_ms)
    return tuple(v + rng.gauss(0.0, NOISE if i < 3 else 0.002) for i, v in enumerate(values))


class Tilted:
    """Gravity `deg` forward of upright about the sensor's x axis (90: lying face up on a desk),
    with a breathing sway while worn (sway 0: a desk, perfectly still)."""

    def __init__(self, deg: float, sway_deg: float = 0.3, period_s: float = 4.0) -> None:
        self.deg, self.sway, self.period = deg, sway_deg, period_s

    def at(self, t_ms: int) -> tuple[float, ...]:
        phase = 2 * math.pi * t_ms / (self.period * 1000.0)
        a = math.radians(self.deg + self.sway * math.sin(phase))
        rate = math.radians(self.sway) * 2 * math.pi / self.period * math.cos(phase)
        return noisy(t_ms, (0.0, -G * math.cos(a), G * math.sin(a), rate, 0.0, 0.0))


class Move:
    """A turn from one tilt to another over `dur_s` starting at `start_s` (smoothstep), with
    the gyro reading its rate: a hand putting the clip down or picking it up."""

    def __init__(self, start_s: float, dur_s: float, from_deg: float, to_deg: float) -> None:
        self.t0, self.dur, self.a, self.b = start_s * 1000, dur_s * 1000, from_deg, to_deg

    def at(self, t_ms: int) -> tuple[float, ...]:
        u = min(1.0, max(0.0, (t_ms - self.t0) / self.dur))
        deg = self.a + (self.b - self.a) * (3 * u * u - 2 * u * u * u)
        rate = math.radians(self.b - self.a) * 6 * u * (1 - u) / (self.dur / 1000)
        a = math.radians(deg)
        return noisy(t_ms, (0.0, -G * math.cos(a), G * math.sin(a), rate, 0.0, 0.0))


class Script:
    def __init__(self, *parts: tuple[float, Any]) -> None:
        self.parts = parts

    def at(self, t_ms: int) -> tuple[float, ...]:
        for until_s, source in self.parts:
            if t_ms < until_s * 1000:
                return source.at(t_ms)
        return self.parts[-1][1].at(t_ms)


def desk_day(put_down_s: float = 120, pick_up_s: float = 600, worn_deg: float = 0,
             later: list[tuple[float, Any]] | None = None) -> Script:
    """Worn upright, put down face up on the desk, picked up (quick turn) and worn at `worn_deg`."""
    return Script((put_down_s, Tilted(0)), (put_down_s + 1, Move(put_down_s, 1.0, 0, 90)),
                  (pick_up_s, Tilted(90, sway_deg=0)), (pick_up_s + 0.4, Move(pick_up_s, 0.4, 90, worn_deg)),
                  *(later or []), (1e9, Tilted(worn_deg)))


def lines(dev: SimDevice, start: str) -> list[tuple[int, str]]:
    return [(t, line) for t, line in dev.console_lines() if line.startswith(start)]


SENSE = dict(board_id="feather_bluefruit_sense", variant="LSM6DS3TRC", usb=False)


def test_left_on_the_desk_it_sleeps_after_the_set_time_and_a_pick_up_wakes_it(sim_device) -> None:
    dev = sim_device(desk_day(), settings={"POSTURE_SLEEP_MIN": 2}, **SENSE)
    dev.run_for(590)
    (cal_t, _), = lines(dev, "posture: calibrated")
    assert cal_t < 20_000
    (off_t, _), = [(t, ln) for t, ln in lines(dev, "posture: activity") if "off_body" in ln] or [(None, "")]
    (sleep_t, line), = lines(dev, "posture: off the body for")
    # off the body about 33 s after the put-down, then POSTURE_SLEEP_MIN = 2 minutes to sleep
    assert 120_000 + 120_000 < sleep_t < 120_000 + 60_000 + 120_000 + 2_000
    assert dev.sleeps and dev.sleeps[0][0] == sleep_t and dev.sleeps[0][1] is None   # still asleep
    assert dev.code_runs == 1 and dev.boots == 1
    # the wake-up detector armed through the driver's i2c_device: INT1_WU, enable + latch, threshold
    regs = dev.imu.regs
    assert regs[MD1_CFG] & 0x20 and regs[TAP_CFG] == 0x81 and regs[WAKE_UP_THS] == 2 and regs[WAKE_UP_DUR] == 0x20
    assert dev.imu.wake_events == 0 and not dev.imu.int1()          # a still desk never wakes it
    assert dev.imu.gyro_odr_hz() == 0 and dev.imu.accel_odr_hz() == 26.0
    dev.run_for(120)                                               # picked up at 600 s
    assert dev.imu.wake_events == 1
    assert dev.sleeps[0][1] is not None and 600_000 <= dev.sleeps[0][1] < 600_000 + 500
    assert dev.boots == 2 and dev.code_runs == 2
    (wake_t, wake_line), = lines(dev, "posture: woke up")
    assert "frame anew" in wake_line
    # the kept frame is taken anew once the wearer sits still (a re-wear), not a power-on calibration
    cals = lines(dev, "posture: calibrated")
    assert len(cals) == 2 and wake_t < cals[1][0] < wake_t + 30_000


def test_after_a_wake_it_alerts_on_a_later_slouch(sim_device) -> None:
    motion = desk_day(later=[(700, Tilted(0)), (701, Move(700, 1.0, 0, 30)), (900, Tilted(30))])
    dev = sim_device(motion, settings={"POSTURE_SLEEP_MIN": 1, "POSTURE_SLOUCH_DELAY_S": 20}, **SENSE)
    dev.run_for(800)
    assert dev.code_runs == 2
    alerts = lines(dev, "posture: slouch_alert")
    assert alerts and 700_000 + 20_000 <= alerts[0][0] <= 700_000 + 40_000
    assert [s for s, _ in dev.vibrations() if s >= 700_000]


def test_a_wake_during_a_slouch_does_not_calibrate_into_the_slouch(sim_device) -> None:
    """Picked up and worn slumped at once: the kept frame holds its elevation, so the slump
    reads as a slump and the clip alerts (a power-on calibration would take it as upright)."""
    dev = sim_device(desk_day(worn_deg=30), settings={"POSTURE_SLEEP_MIN": 1, "POSTURE_SLOUCH_DELAY_S": 20},
                     **SENSE)
    dev.run_for(720)
    assert dev.code_runs == 2
    alerts = lines(dev, "posture: slouch_alert")
    assert alerts and 600_000 < alerts[0][0] < 600_000 + 60_000
    assert "flexion_deg" in alerts[0][1]


def test_a_power_cut_while_asleep_forgets_the_frame_and_calibrates_as_at_power_on(sim_device) -> None:
    dev = sim_device(desk_day(), settings={"POSTURE_SLEEP_MIN": 1}, **SENSE)
    dev.run_for(500)
    assert dev.sleeps and dev.sleeps[0][1] is None
    dev.power_cut()
    dev.run_for(60)
    assert dev.boots == 2 and lines(dev, "posture: woke up") == []
    assert len(lines(dev, "posture: running on")) == 2


def test_without_the_interrupt_wire_it_stays_awake_and_says_so_once(sim_device) -> None:
    dev = sim_device(desk_day(pick_up_s=2000), settings={"POSTURE_SLEEP_MIN": 1}, usb=False)  # QT Py: no wire
    dev.run_for(900)
    said = lines(dev, "posture: no wire from the IMU's INT1")
    assert len(said) == 1 and "POSTURE_WAKE_PIN" in said[0][1]
    assert dev.sleeps == [] and dev.code_runs == 1
    assert lines(dev, "posture: off the body for") == []


def test_a_breakout_with_int1_wired_to_a_pin_sleeps_and_runs_slow_on_the_cell(sim_device) -> None:
    dev = sim_device(desk_day(), settings={"POSTURE_SLEEP_MIN": 1, "POSTURE_WAKE_PIN": "A1"}, int1_pin="A1",
                     usb=False)
    dev.run_for(700)
    assert len(dev.sleeps) == 1 and dev.code_runs == 2
    regs = dev.imu.regs
    assert regs[0x56] & 0x01 == 0 and regs[TAP_CFG] == 0   # the driver's reset at wake cleared the set-up
    # on the cell: 25 MHz, NeoPixel power off (QT Py RP2040)
    assert "posture: on the cell: CPU at 25 MHz" in dev.console_text()
    assert dev.board.pin("NEOPIXEL_POWER").timeline[-1][1] == 0


def test_on_usb_it_stays_awake_and_at_full_speed(sim_device) -> None:
    dev = sim_device(desk_day(pick_up_s=2000), settings={"POSTURE_SLEEP_MIN": 1},
                     board_id="feather_bluefruit_sense", variant="LSM6DS3TRC")
    dev.run_for(400)
    assert dev.sleeps == [] and "CPU at" not in dev.console_text()


@pytest.mark.parametrize("variant", ["LSM6DSOX", "LSM6DS33"])
def test_each_chip_gets_its_own_enable_and_latch_bits(sim_device, variant: str) -> None:
    dev = sim_device(desk_day(), settings={"POSTURE_SLEEP_MIN": 1, "POSTURE_WAKE_PIN": "A1",
                                           "POSTURE_IMU": variant}, int1_pin="A1", usb=False, variant=variant)
    dev.run_for(590)
    assert len(dev.sleeps) == 1
    regs = dev.imu.regs
    if variant == "LSM6DSOX":
        assert (regs[0x56], regs[TAP_CFG]) == (0x01, 0x80)
    else:
        assert regs[TAP_CFG] == 0x01            # LIR only: the LSM6DS33 has no enable bit
    dev.run_for(30)
    assert dev.code_runs == 2


def test_the_slept_time_reaches_the_database_as_off_body(sim_device, tmp_path) -> None:
    from host.db import Database
    from host.sim.bridge import PtyBridge
    from host.sync import sync
    from host.transport import Transport

    db_path = tmp_path / "db.sqlite"
    dev = sim_device(desk_day(put_down_s=300, pick_up_s=1500), settings={"POSTURE_SLEEP_MIN": 1}, **SENSE)
    db = Database(db_path)
    try:
        dev.board.usb_connected = True             # plugged in for a sync (anchors the first boot)
        dev.run_for(1)
        with PtyBridge(dev) as bridge, Transport(bridge.port, timeout=5.0) as link:
            sync(link, db)
        dev.board.usb_connected = False
        dev.run_for(1500 + 900 - dev.clock.now_ms / 1000)
        assert len(dev.sleeps) == 1
        dev.board.usb_connected = True
        with PtyBridge(dev) as bridge, Transport(bridge.port, timeout=5.0) as link:
            sync(link, db)
    finally:
        db.close()
    conn = sqlite3.connect(db_path)
    sleep_rows = conn.execute("SELECT boot, a, b FROM events WHERE kind = 'sleep' ORDER BY seq").fetchall()
    assert [(a) for _boot, a, _b in sleep_rows] == [1, 0] and sleep_rows[0][0] != sleep_rows[1][0]
    assert sleep_rows[0][2] == 1                   # minutes off the body before sleeping
    start, end = dev.sleeps[0]
    worn_total = conn.execute("SELECT SUM(worn_s) FROM minutes").fetchone()[0]
    minutes = conn.execute("SELECT COUNT(*) FROM minutes").fetchone()[0]
    # no minute closes while asleep, so the ~20 slept minutes add nothing worn: the worn seconds
    # are about the 5 + 15 minutes on the body (less calibration, off-body detection)
    slept_min = (end - start) / 60000
    assert slept_min > 18
    assert minutes < (dev.clock.now_ms / 60000) - slept_min + 2
    assert 15 * 60 < worn_total <= 20 * 60


# ---- wall time carried across deep sleep (firmware/sleep.py keep_wall / carry_wall) ----

W0 = 1_780_000_000.0     # the wall clock at simulated time 0 (the host's TIME reads this clock)


def _sync(dev: SimDevice, db: Any) -> None:
    from host.sim.bridge import PtyBridge
    from host.sync import sync
    from host.transport import Transport

    dev.board.usb_connected = True
    with PtyBridge(dev) as bridge, Transport(bridge.port, timeout=5.0) as link:
        sync(link, db, now=lambda: W0 + dev.clock.now_ms / 1000)
    dev.board.usb_connected = False


def desk_sleeps(n: int, period_s: float = 3600, worn_s: float = 900) -> Script:
    """n rounds of: worn upright `worn_s`, put down on the desk, picked up `period_s` later."""
    parts: list[tuple[float, Any]] = []
    t = 0.0
    for _ in range(n):
        down = t + worn_s
        up = down + period_s - worn_s
        parts += [(down, Tilted(0)), (down + 1, Move(down, 1.0, 0, 90)), (up, Tilted(90, sway_deg=0)),
                  (up + 0.4, Move(up, 0.4, 90, 0))]
        t = up
    return Script(*parts, (1e9, Tilted(0)))


def _day(sim_device, tmp_path, n: int = 3, error: float = 0.0) -> tuple[SimDevice, sqlite3.Connection]:
    from host.db import Database

    dev = sim_device(desk_sleeps(n), settings={"POSTURE_SLEEP_MIN": 1}, **SENSE)
    dev.imu.timestamp_error = error
    db = Database(tmp_path / "db.sqlite")
    try:
        dev.run_for(1)
        _sync(dev, db)                      # the morning: plugged in once, anchors boot 1
        dev.run_for(n * 3600 + 600 - dev.clock.now_ms / 1000)
        assert len(dev.sleeps) == n and all(end is not None for _s, end in dev.sleeps)
        _sync(dev, db)                      # the evening sync
    finally:
        db.close()
    return dev, sqlite3.connect(tmp_path / "db.sqlite")


def _truth(dev: SimDevice, start: str) -> list[float]:
    return [W0 + t / 1000 for t, _line in lines(dev, start)]


def test_a_day_of_desk_sleeps_and_one_evening_sync_places_every_boot_on_the_wall_clock(sim_device, tmp_path) -> None:
    dev, conn = _day(sim_device, tmp_path)
    boots = [b for (b,) in conn.execute("SELECT DISTINCT boot FROM minutes ORDER BY boot")]
    assert len(boots) == 4                                       # three wakes: four boots
    assert conn.execute("SELECT COUNT(*) FROM minutes WHERE wall IS NULL").fetchone()[0] == 0
    assert conn.execute("SELECT COUNT(*) FROM events WHERE wall IS NULL").fetchone()[0] == 0
    # every boot's calibration and every put-down at the wall time it happened (console time)
    cal = [w for (w,) in conn.execute("SELECT wall FROM events WHERE kind = 'calibrated' ORDER BY seq")]
    slept = [w for (w,) in conn.execute("SELECT wall FROM events WHERE kind = 'sleep' AND a = 1 ORDER BY seq")]
    assert len(cal) == 4 and len(slept) == 3
    for got, want in zip(cal + slept, _truth(dev, "posture: calibrated") + _truth(dev, "posture: off the body for")):
        assert abs(got - want) < 1.0
    # the summary leaves none out (it reads only records with a wall time)
    from host.summary import not_anchored, summarise
    assert not_anchored(conn) == {"minutes": 0, "events": 0}
    worn = conn.execute("SELECT SUM(worn_s) FROM minutes").fetchone()[0]
    assert worn > 4 * 13 * 60
    figures = summarise(conn, W0, W0 + dev.clock.now_ms / 1000)
    assert figures


def test_the_hosts_own_time_wins_over_a_carried_one_in_the_same_boot(sim_device, tmp_path) -> None:
    """The IMU's clock runs 0.3 % fast: each carried anchor is 11 s later than the truth per hour
    slept, 32 s after three sleeps. The last boot also got the host's TIME at the evening sync:
    its records follow that one, not the carried one."""
    dev, conn = _day(sim_device, tmp_path, error=0.003)
    last = conn.execute("SELECT MAX(boot) FROM minutes").fetchone()[0]
    anchors = conn.execute("SELECT seq, wall FROM anchors WHERE boot = ? ORDER BY seq", (last,)).fetchall()
    assert len(anchors) == 2                                     # carried at the wake, the host's at the sync
    cal = conn.execute("SELECT wall FROM events WHERE kind = 'calibrated' AND boot = ?", (last,)).fetchone()[0]
    truth = _truth(dev, "posture: calibrated")[-1]
    assert abs(cal - truth) < 1.0
    # the earlier boots have only their carried anchors, as far off as the IMU's clock says
    first_sleep = conn.execute("SELECT wall FROM events WHERE kind = 'calibrated' ORDER BY seq").fetchall()[1][0]
    assert 5 < first_sleep - _truth(dev, "posture: calibrated")[1] < 15


def test_an_imu_reset_while_asleep_gives_no_anchor_rather_than_a_wrong_one(sim_device, tmp_path) -> None:
    """A brown-out of the IMU during the first sleep clears its counter and enable bit. (The
    wake-up set-up it also loses is written back by hand so the pick-up still wakes the board;
    a real clip would sleep until its 23 h time alarm.) That boot stays unanchored; the next
    sleep has no anchor to carry either; the evening sync anchors the last boot."""
    from host.db import Database
    from host.sim.lsm6ds_emulator import CTRL1_XL

    dev = sim_device(desk_sleeps(2), settings={"POSTURE_SLEEP_MIN": 1}, **SENSE)
    db = Database(tmp_path / "db.sqlite")
    try:
        dev.run_for(1)
        _sync(dev, db)
        dev.run_for(1800)
        assert len(dev.sleeps) == 1 and dev.sleeps[0][1] is None
        kept = {r: dev.imu.regs[r] for r in (CTRL1_XL, TAP_CFG, WAKE_UP_DUR, WAKE_UP_THS, MD1_CFG)}
        dev.imu.power_on_reset()
        for reg, value in kept.items():
            dev.imu.regs[reg] = value
        dev.imu._config_changed()
        dev.run_for(2 * 3600 + 600 - dev.clock.now_ms / 1000)
        assert len(dev.sleeps) == 2 and dev.sleeps[1][1] is not None
        _sync(dev, db)
    finally:
        db.close()
    conn = sqlite3.connect(tmp_path / "db.sqlite")
    boots = [b for (b,) in conn.execute("SELECT DISTINCT boot FROM minutes ORDER BY boot")]
    assert len(boots) == 3
    per_boot = dict(conn.execute("SELECT boot, COUNT(*) FROM anchors GROUP BY boot").fetchall())
    assert per_boot.get(boots[0]) == 1 and boots[1] not in per_boot and per_boot.get(boots[2]) == 1
    assert conn.execute("SELECT COUNT(*) FROM minutes WHERE boot = ? AND wall IS NOT NULL",
                        (boots[1],)).fetchone()[0] == 0
    cal = conn.execute("SELECT wall FROM events WHERE kind = 'calibrated' AND boot = ?", (boots[2],)).fetchone()[0]
    assert abs(cal - _truth(dev, "posture: calibrated")[-1]) < 1.0


def test_the_feather_sense_stays_awake_on_the_desk_unless_told_to_sleep_the_rp2040_sleeps_after_5_min(
        sim_device) -> None:
    """bench/power.py: the nRF52840's deep sleep (>= 1.0 mA, CircuitPython issue 5318) costs more
    than staying awake (0.5 mA), so the Sense's default is no sleep; the RP2040 builds keep 5 min."""
    sense = sim_device(desk_day(pick_up_s=2000), **SENSE)
    sense.run_for(900)
    assert sense.sleeps == [] and lines(sense, "posture: no wire") == []
    qtpy = sim_device(desk_day(pick_up_s=2000), settings={"POSTURE_WAKE_PIN": "A1"}, int1_pin="A1", usb=False)
    qtpy.run_for(900)
    (t, _line), = lines(qtpy, "posture: off the body for 5 min")
    assert len(qtpy.sleeps) == 1 and 120_000 + 300_000 < t < 120_000 + 300_000 + 60_000


def test_the_days_time_alarm_wakes_a_clip_on_the_desk_which_sleeps_again_without_a_buzz(sim_device, tmp_path) -> None:
    """The 23 h time alarm (against the IMU counter's wrap) fires while the clip still lies on
    the desk, flat on its back. It must neither calibrate there (flat fails the face-out check:
    an error buzz every night) nor stay awake (without a frame it could never tell the desk
    again, and would drain the cell it slept to save). The simulator fires the alarm 10
    minutes into the sleep (its 23 h would be four million 20 ms steps); the firmware cannot
    tell the difference. Then a real pick-up still wakes it and it alerts as after any wake."""
    from host.db import Database

    dev = sim_device(desk_day(pick_up_s=3000, later=[(3300, Tilted(0)), (3400, Tilted(25))]),
                     settings={"POSTURE_SLEEP_MIN": 1}, **SENSE)
    dev.time_alarm_after_ms = 10 * 60_000
    db = Database(tmp_path / "db.sqlite")
    try:
        dev.run_for(1)
        _sync(dev, db)                      # anchored: the clip keeps the wall time and sets the alarm
        dev.run_for(2900)
    finally:
        db.close()
    # asleep at about 120 + 20 + 60 s; woken by the timer 10 min later; asleep again soon after
    assert len(dev.sleeps) >= 2, dev.sleeps
    (first_end, second_start) = dev.sleeps[0][1], dev.sleeps[1][0]
    timers = lines(dev, "posture: woke to keep the time")
    assert timers and abs(timers[0][0] - first_end) < 5_000
    assert second_start - first_end < 60_000 + 25_000 + 5_000       # off body again in ~20 s, then 1 min
    between = [ln for t, ln in dev.console_lines() if first_end <= t < second_start]
    assert not any("calibrat" in ln for ln in between), between     # no calibration, no error buzz
    assert not [v for v in dev.vibrations() if first_end <= v[0] < second_start]
    # a real pick-up at 3000 s still wakes it, takes the frame anew, and a slouch then alerts
    dev.run_for(3400 + 90 - dev.clock.now_ms / 1000)
    assert lines(dev, "posture: woke up (picked up)")
    assert [t for t, _ in lines(dev, "posture: slouch_alert") if 3300_000 < t < 3400_000]   # slumped 3300-3400 s


def test_a_nap_on_the_desk_keeps_the_days_training_budget_and_a_night_starts_a_new_one(sim_device, tmp_path) -> None:
    """POSTURE_TRAIN_MIN 2: used up before the clip is put down. A pick-up 10 minutes later
    is the same day (the count comes back across the sleep, measured by the carried wall
    time): a slouch after it is logged but silent. Without the count every pick-up would
    start a fresh budget and the plan would train all day on a clip that naps."""
    from host.db import Database

    dev = sim_device(desk_day(put_down_s=300, pick_up_s=900, later=[(920, Tilted(0)), (1000, Tilted(25))]),
                     settings={"POSTURE_SLEEP_MIN": 1, "POSTURE_TRAIN_MIN": 2}, **SENSE)
    db = Database(tmp_path / "db.sqlite")
    try:
        dev.run_for(1)
        _sync(dev, db)
        dev.run_for(1010)
    finally:
        db.close()
    assert len(dev.sleeps) == 1 and dev.sleeps[0][1] is not None
    assert lines(dev, "posture: woke up (picked up)")
    # slumped 920-1000 s: the alert comes before a fresh 2-minute budget would be used up again
    alert_t = [t for t, _ in lines(dev, "posture: slouch_alert") if 920_000 < t < 1000_000]
    assert alert_t, dev.console_text()[-2000:]                       # logged and said...
    assert not [v for v in dev.vibrations() if alert_t[0] - 100 <= v[0] <= alert_t[0] + 2000]   # ...not felt
    woke_modes = [ln for t, ln in lines(dev, "posture: mode") if t > 900_000]
    assert woke_modes and "'tracking'" in woke_modes[0] and "'budget'" in woke_modes[0], woke_modes


def test_a_wake_pin_the_clip_already_uses_means_no_sleep_never_a_crash(sim_device) -> None:
    """POSTURE_WAKE_PIN naming the calibrate switch (claimed by the button): the pin alarm
    cannot be made when the clip goes to sleep. The clip says so, rebuilds the IMU's setup the
    wake-up arming changed, stays awake and keeps alerting; code.py never dies."""
    dev = sim_device(desk_day(put_down_s=120, pick_up_s=400, later=[(430, Tilted(0)), (520, Tilted(25))]),
                     settings={"POSTURE_SLEEP_MIN": 1, "POSTURE_WAKE_PIN": "SWITCH"}, **SENSE)
    dev.run_for(560)
    assert dev.crashes == [] and "Traceback" not in dev.console_text(), dev.console_text()[-2000:]
    assert not dev.sleeps
    assert len(lines(dev, "posture: not sleeping")) == 1          # said once, not every minute
    # still watching after it: the IMU back at 26 Hz and the slouch at 430-520 s alerted
    assert [t for t, _ in lines(dev, "posture: slouch_alert") if 430_000 < t < 520_000]
