"""The clip's side of a month of use (issue 13), on the real boot.py/code.py of a simulated board:
training and tracking modes, the daily training budget and the new day, snooze by a long press,
and the battery level from a discharging cell.

What a muted alert is: the event is logged (and said on the console) as always, the motor does
not move for it. Vibrations are read from the motor pin's timeline; events from the console
(what wiring.main says) and from the log the host syncs.
"""

from __future__ import annotations

from firmware import record
from firmware.haptics import BATTERY_LOW, SLOUCH_ALERT, SNOOZE_OFF, SNOOZE_ON
from host.commands.live import parse_live
from host.sim.fakes.analog import Cell, attach

from .chaos import status_fields, talk
from .helpers import device, events, recording, sync_all

ALERT_MS = 30000   # POSTURE_SLOUCH_DELAY_S default
FEATHER = {"board_id": "feather_bluefruit_sense", "variant": "LSM6DS3TRC"}


def alerts(dev) -> list[int]:
    """Elapsed ms of each slouch alert the clip said (logged), vibrated or not."""
    return [t for t, e in events(dev) if e["event"] == "slouch_alert"]


def said(dev, kind: str) -> list[tuple[int, dict]]:
    return [(t, e) for t, e in events(dev) if e["event"] == kind]


def buzzed_near(dev, t_ms: int, before: int = 100, after: int = 600) -> bool:
    return any(t_ms - before <= start <= t_ms + after for start, _end in dev.vibrations())


def played(dev, pattern: tuple[int, ...], tol: int = 40) -> list[int]:
    """Start times of each place the motor played exactly `pattern` (on/off spans in order)."""
    spans = dev.vibrations()
    n_on = (len(pattern) + 1) // 2
    found = []
    for i in range(len(spans) - n_on + 1):
        group = spans[i:i + n_on]
        ok = True
        for k, (s, e) in enumerate(group):
            if e < 0 or abs((e - s) - pattern[2 * k]) > tol:
                ok = False
                break
            if k + 1 < n_on and abs(group[k + 1][0] - e - pattern[2 * k + 1]) > tol:
                ok = False
                break
        if ok:
            found.append(group[0][0])
    return found


def logged(dev, kind: str) -> list[tuple]:
    """(t_ms, kind, a, b) of every logged event of `kind`, from a full sync."""
    return [r[4] for r in sync_all(dev) if r[0] == record.T_EVENT and r[4][1] == kind]


def press(dev, spans: list[tuple[float, float]]) -> None:
    """Hold the board's BUTTON down during each (start_s, seconds) span (elapsed time)."""
    windows = [(int(s * 1000), int((s + d) * 1000)) for s, d in spans]
    dev.board.pin("BUTTON").drive(lambda t: not any(a <= t < b for a, b in windows))


# ---- modes --------------------------------------------------------------------------------------

def test_set_mode_tracking_applies_at_once_logs_and_mutes_alerts_until_training_again():
    spec = [("upright", 25), ("slouch", 60, {"flex": 30}), ("upright", 60), ("slouch", 60, {"flex": 30}),
            ("upright", 60)]
    with device(recording(spec)) as dev:
        dev.run_for(40)
        assert talk(dev, "SET POSTURE_MODE tracking") == ["SET POSTURE_MODE tracking"]
        assert status_fields(dev)["mode"] == "tracking"
        dev.run_for(100)                                           # first slouch: alert at ~55 s
        assert talk(dev, "SET POSTURE_MODE training") == ["SET POSTURE_MODE training"]
        assert status_fields(dev)["mode"] == "training"
        dev.run_for(80)                                            # second slouch: alert at ~175 s
        first, second = alerts(dev)
        assert not buzzed_near(dev, first), dev.vibrations()       # tracking: logged, not played
        assert buzzed_near(dev, second), dev.vibrations()          # training again: played
        modes = [(e["mode"], e["why"]) for _t, e in said(dev, "mode")]
        assert modes == [("tracking", "setting"), ("training", "setting")]
        assert [(e[2], e[3]) for e in logged(dev, "mode")] == [(1, 0), (0, 0)]
        assert [e[1] for e in logged(dev, "slouch_alert")] == ["slouch_alert"] * 2


def test_tracking_from_settings_toml_is_logged_at_start_and_still_buzzes_for_calibration():
    spec = [("upright", 25), ("slouch", 60, {"flex": 30}), ("upright", 30)]
    with device(recording(spec), settings={"POSTURE_MODE": "tracking"}) as dev:
        dev.run_for(110)
        (t_cal, _e), = said(dev, "calibrated")
        assert buzzed_near(dev, t_cal)                     # the wearer's own request: confirmed
        (t_alert,) = alerts(dev)
        assert not buzzed_near(dev, t_alert), dev.vibrations()
        assert [(e[2], e[3]) for e in logged(dev, "mode")] == [(1, 0)]   # tracking, by the setting
        assert status_fields(dev)["mode"] == "tracking"


# ---- the training budget and the new day ------------------------------------------------------

def test_budget_used_up_goes_silent_but_logs_and_a_night_off_the_body_trains_again():
    off = [("transition", 3, {"kind": "take_off"})]
    on = [("transition", 3, {"kind": "put_on"})]
    spec = ([("upright", 25), ("slouch", 60, {"flex": 30}), ("upright", 120),   # 2+ seated minutes
             ("slouch", 60, {"flex": 30}), ("upright", 30)]                     # alert muted
            + off + [("off_body", 3 * 3600)] + on                               # 3 h: the same day
            + [("upright", 60), ("slouch", 60, {"flex": 30}), ("upright", 30)]  # still muted
            + off + [("off_body", 4 * 3600 + 300)] + on                         # the night
            + [("upright", 60), ("slouch", 60, {"flex": 30}), ("upright", 60)])  # trains again
    with device(recording(spec), settings={"POSTURE_TRAIN_MIN": 2}) as dev:
        dev.run_for(260)
        assert status_fields(dev)["mode"] == "tracking"
        dev.run_for(sum(s[1] for s in spec) - 260)
        times = alerts(dev)
        assert len(times) == 4, times
        assert [buzzed_near(dev, t) for t in times] == [True, False, False, True], dev.vibrations()
        modes = said(dev, "mode")
        assert [(e["mode"], e["why"]) for _t, e in modes] == [
            ("tracking", "budget"), ("training", "new_day"), ("tracking", "budget")]   # day 2's budget
        # used up in the third seated minute; the new day 4 h after the last active minute,
        # before the wearer is back (the wearer's night), not after 3 h
        assert 120_000 <= modes[0][0] <= 200_000
        last_active = 25 + 60 + 120 + 60 + 30 + 3 + 3 * 3600 + 3 + 60 + 60 + 30
        assert (last_active + 4 * 3600) * 1000 <= modes[1][0] <= (last_active + 4 * 3600 + 130) * 1000
        assert modes[2][0] - modes[1][0] >= 120_000   # counted from 0 again
        assert [(e[2], e[3]) for e in logged(dev, "mode")] == [(1, 1), (0, 2), (1, 1)]


def test_set_train_min_by_the_host_applies_at_once():
    spec = [("upright", 25), ("slouch", 60, {"flex": 30}), ("upright", 200)]
    with device(recording(spec)) as dev:
        dev.run_for(200)
        assert status_fields(dev)["mode"] == "training"          # 0: trains all day
        assert talk(dev, "SET POSTURE_TRAIN_MIN 2") == ["SET POSTURE_TRAIN_MIN 2"]
        assert status_fields(dev)["mode"] == "tracking"          # 3 seated minutes are past 2
        assert talk(dev, "SET POSTURE_TRAIN_MIN 30") == ["SET POSTURE_TRAIN_MIN 30"]
        assert status_fields(dev)["mode"] == "training"
        assert [(e["mode"], e["why"]) for _t, e in said(dev, "mode")] == [("tracking", "setting"),
                                                                         ("training", "setting")]


# ---- snooze and the button ----------------------------------------------------------------------

def test_long_press_snoozes_with_its_pattern_and_another_ends_it():
    spec = [("upright", 25), ("slouch", 60, {"flex": 30}), ("upright", 60), ("slouch", 60, {"flex": 30}),
            ("upright", 60)]
    with device(recording(spec)) as dev:
        press(dev, [(35, 2.0), (100, 2.0)])
        dev.run_for(60)
        assert status_fields(dev)["snooze"] == "30"
        dev.run_for(160)
        snoozes = said(dev, "snooze")
        assert [(e["minutes"], e["by_press"]) for _t, e in snoozes] == [(30, True), (0, True)]
        assert 36_400 <= snoozes[0][0] <= 36_700 and 101_400 <= snoozes[1][0] <= 101_700
        assert len(played(dev, SNOOZE_ON)) == 1 and len(played(dev, SNOOZE_OFF)) == 1
        first, second = alerts(dev)
        assert not buzzed_near(dev, first)          # muted, yet logged: the host counts it
        assert buzzed_near(dev, second)
        assert len(said(dev, "calibrated")) == 1    # a long press never calibrates
        assert [(e[2], e[3]) for e in logged(dev, "snooze")] == [(30, 1), (0, 1)]
        assert status_fields(dev)["snooze"] == "0"


def test_snooze_runs_out_silently_and_alerts_buzz_again():
    spec = [("upright", 25), ("slouch", 60, {"flex": 30}), ("upright", 300), ("slouch", 60, {"flex": 30}),
            ("upright", 30)]
    with device(recording(spec), settings={"POSTURE_SNOOZE_MIN": 5}) as dev:
        press(dev, [(35, 2.0)])
        dev.run_for(200)
        assert status_fields(dev)["snooze"] in ("2", "3")
        dev.run_for(275)
        snoozes = said(dev, "snooze")
        assert [(e["minutes"], e["by_press"]) for _t, e in snoozes] == [(5, True), (0, False)]
        end = snoozes[1][0]
        assert 336_400 <= end <= 336_800
        assert not buzzed_near(dev, end, before=0, after=2000)   # it ends without a buzz
        assert played(dev, SNOOZE_OFF) == []
        first, second = alerts(dev)
        assert not buzzed_near(dev, first) and buzzed_near(dev, second)


def test_short_press_still_calibrates_and_does_not_snooze():
    spec = [("upright", 90)]
    with device(recording(spec)) as dev:
        press(dev, [(40, 0.3)])
        dev.run_for(80)
        cals = said(dev, "calibrated")
        assert len(cals) == 2 and cals[1][0] > 40_300, cals
        assert said(dev, "snooze") == []


# ---- battery ------------------------------------------------------------------------------------

def _discharge_run(minutes: int, noise_v: float) -> tuple:
    spec = [("upright", minutes * 60 + 60)]
    dev = device(recording(spec), **FEATHER)
    # 10 mAh at 4 mA from 30 %: 40 % an hour, 15 % after 22.5 minutes
    cell = Cell(dev.clock, capacity_mah=10, charge_pct=30, current_ma=4)
    attach(dev.board, "VOLTAGE_MONITOR", cell, divider=2, noise_v=noise_v)
    dev.run_for(minutes * 60)
    return dev, cell


def test_battery_discharging_logs_few_battery_events_and_one_low_pattern():
    dev, cell = _discharge_run(30, noise_v=0.003)   # 3 mV of ADC noise at the pin
    with dev:
        batt = logged(dev, "battery")
        truth = cell.charge_pct()
        # about one reading a minute: logged only on a change of the percent (or every 10 min)
        fell = batt[0][3] - batt[-1][3]
        assert 17 <= fell <= 22, batt
        assert len(batt) <= fell + 30 // 10 + 3, batt
        assert all(b[3] - a[3] <= 1 for a, b in zip(batt, batt[1:])), batt   # it only falls
        fields = status_fields(dev)
        assert abs(int(fields["batt"]) - truth) <= 3, (fields, truth)
        # readings are smoothed (a new one weighs a quarter): a few minutes behind a cell
        # falling this fast (40 % an hour; a worn 400 mAh cell falls about 2.5 % an hour)
        assert abs(int(fields["mv"]) - cell.volts() * 1000) <= 25, (fields, cell.volts())
        low = logged(dev, "battery_low")
        assert len(low) == 1 and 13 <= low[0][2] <= 15, low          # once, at the threshold
        assert len(played(dev, BATTERY_LOW)) == 1, dev.vibrations()
        (t_low, e), = said(dev, "battery_low")
        truth_then = 30 - 40 * t_low / 3_600_000    # the cell's own charge when it warned
        assert 12 <= truth_then <= 15.5 and e["percent"] == low[0][2], (t_low, truth_then)
        live = [parse_live(line) for line in talk(dev, "LIVE on", seconds=1) if line.startswith("L ")]
        assert live and live[0] is not None and live[0]["battery_pct"] == int(status_fields(dev)["batt"])
        assert live[0]["mode"] == "training" and live[0]["snooze_min"] == 0


def test_low_battery_pattern_plays_in_tracking_mode_and_while_snoozed():
    spec = [("upright", 200)]
    with device(recording(spec), settings={"POSTURE_MODE": "tracking"}, **FEATHER) as dev:
        attach(dev.board, "VOLTAGE_MONITOR", Cell(dev.clock, capacity_mah=10, charge_pct=16, current_ma=4), 2)
        dev.board.pin("SWITCH").drive(lambda t: not 30_000 <= t < 32_000)   # snoozed too
        dev.run_for(190)
        assert said(dev, "snooze") and len(played(dev, BATTERY_LOW)) == 1


def test_battery_on_a_divider_pin_named_in_settings_and_none_without_one():
    spec = [("upright", 200)]
    with device(recording(spec), settings={"POSTURE_BATTERY_PIN": "A2", "POSTURE_BATTERY_DIVIDER": 2}) as dev:
        cell = Cell(dev.clock, charge_pct=80)
        attach(dev.board, "A2", cell, divider=2)
        dev.run_for(190)
        batt = logged(dev, "battery")
        assert batt and abs(batt[-1][3] - cell.charge_pct()) <= 3, batt
        assert abs(int(status_fields(dev)["batt"]) - cell.charge_pct()) <= 3
    with device(recording(spec)) as dev:   # the QT Py has no monitor of its own
        dev.run_for(190)
        assert logged(dev, "battery") == [] and status_fields(dev)["batt"] == "-"
        line = [x for x in talk(dev, "LIVE on", seconds=1) if x.startswith("L ")][0]
        reading = parse_live(line)
        assert reading is not None and reading["battery_pct"] is None and reading["mode"] == "training"


def test_slouch_alert_pattern_unchanged_in_training():
    # the mute must not touch what training plays: the alert is the same on-off-on pattern
    spec = [("upright", 25), ("slouch", 60, {"flex": 30}), ("upright", 20)]
    with device(recording(spec)) as dev:
        dev.run_for(100)
        (t_alert,) = alerts(dev)
        assert any(abs(s - t_alert) <= 100 for s in played(dev, SLOUCH_ALERT))
