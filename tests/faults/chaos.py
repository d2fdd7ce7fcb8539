"""The chaos tier's engine: a simulated wear day on the real boot.py/code.py, a schedule of
faults thrown at it, and the invariants every schedule must keep (issue 11, "Tests").

Used by tests/faults/test_chaos.py (hypothesis over schedules, part of `make test`) and by
bench/soak.py (`make soak`: many more schedules, whole 8-hour days, figures printed).

    day = chaos_day(seed=3, hours=1.5, rewear_spin=140.0)
    schedule = [Fault(0.30, "dropout", 0.04), Fault(0.5, "sync", cut=7), Fault(0.7, "power_cut")]
    result = run_schedule(day, schedule, workdir)
    result.problems          # [] when every invariant held; else one line per violation

What is simulated, and how (all on simulated time, nothing sleeps on the wall clock):
- the wearer: a scripted desk day (host/sim/scenario.py segments, host/sim/wearer.py
  physics) with clear slouches (20-32 degrees), brief ones, reaches, recline, side lean,
  walks and the clip taken off onto the desk; "re-wear at another mount" renders the same
  day twice, at two mounts, and switches from one to the other while the clip lies on the
  desk (the desk pose does not depend on the mount, so the switch is seamless);
- the IMU: the register emulator under the real adafruit_lsm6ds driver (dropouts, resets,
  bus errors, a frozen output: see the adapters below);
- the laptop: `host.sync.sync` over `host.transport.Transport` into a real SQLite
  `host.db.Database` for the syncs during the day (cut at any reply line, or mid-line),
  and the real `posture sync` command over pyserial on a real pseudo-terminal
  (host/sim/bridge.py) for the final clean sync.

The invariants, exactly (the issue's wording first, then what counts):

1. "While the sensor works, every sustained slouch alerts within its window."
   A slouch segment of at least DELAY_S + 15 s (the acceptance tier's "sustained") must
   raise exactly one slouch_alert between ALERT_EARLY_S and ALERT_LATE_S after its truth
   start plus the delay. The sensor "works" for a slouch when no fault touches the span
   from SETTLE_S before its start to the end of its window, where a fault's span is
   [start, end + RECOVER_S] (a sensor that was down must be found and rebuilt, and its
   tilt filter settle, before the clip can judge a posture again). Restarts (power cuts,
   a watchdog reset) and re-wear also take the clip's calibration away: a slouch counts
   only when the clip has had CAL_ROOM_S of upright sitting since the last restart or
   re-wear (the schedule places power cuts only where the wearer then sits upright that
   long, as the README tells the wearer to; a slouch cannot be judged against a frame the
   clip has not yet been given, and a power-on calibration taken while slouched is the
   documented limit "sit upright when you clip it on"). A SET that changes the slouch
   angle or delay while a slouch is under way exempts that slouch (its window moved under
   it); slouches after it are judged with the new delay.
   Also: no slouch alert in a quiet window (scenario.quiet_windows: upright, recline,
   walking, off the body...) unless a fault, restart or re-wear touched it: a fault must
   never make the clip buzz for nothing.
2. "When it does not, the clip reports it within 2 s and recovers when it can."
   Faults that leave the sensor not delivering real data are: a dropout of any length (the
   chip comes back at its power-on defaults: sensors off, every reading zero), an IMU reset
   with or without failed transactions, a burst of >= BURST_REPORTED failed transactions
   (the driver is rebuilt), a frozen or all-zero output lasting OUTPUT_FAULT_REPORTED_MS or
   more (a freeze can only be told from a still wearer after a run of identical samples;
   a shorter one that cures itself changes no decision, the detector judging 1 s windows
   against a 30 s delay). Each must be followed within REPORT_S of its
   start by a sensor_error or sensor_fault event on the console, unless the clip was
   already reporting the sensor down (an earlier report not yet followed by
   sensor_recovered). "Recovers when it can": once the chip answers again, within
   RECOVER_S the accelerometer is back at the clip's 26 Hz (the emulator's mode timeline)
   and every report is followed by a sensor_recovered event; at the end of the day the
   chip is configured (26 Hz, low-power bits) and STATUS says sensor=ok (when the firmware
   has the Health words).
   Shorter bursts (1-4 failed transactions) are absorbed and count as the sensor working
   (a lost sample or two: invariant 1 still holds across them). Shorter output faults need
   no report but exempt a slouch they touch from invariant 1 (stale data went in).
3. "After a final clean sync the database holds every record once."
   The database (what the real `posture sync` wrote) is compared with the truth the test
   collected: every record ever seen on the flash (the segment files are read after every
   step of the schedule and just before every power cut) and every record a sync during
   the day received must be in the database, byte-identical in meaning (seq, boot, time,
   values); no sync may report a clash (a seq of the clip held by a different record);
   no two records in the database are the same record under two seqs. Records the clip
   reported dropping for lack of room (LOG_DROPPED events) may be missing, up to the count
   it reported. Records that never reached the flash and were never served (the unflushed
   batch a power cut takes) are the documented loss and cannot be checked.
4. "code.py never crashes (only the watchdog may reset)."
   No traceback on the console, no crash recorded by the simulator, and every reset is
   one of the schedule's power cuts or a watchdog reset.
Bad settings: a SET the issue names as disabling the clip (an I2C pin as the motor or
button pin, an IMU address nothing answers at) must be refused with ERR; a good SET must
be accepted. Whatever SET was accepted, the clip must keep sensing after the next start
(invariant 1 then covers it).
"""

from __future__ import annotations

import errno
import math
import os
import sqlite3
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

from firmware import record
from host.sim import scenario
from host.sim.circuitpython import SimClock
from host.sim.device import SimDevice
from host.sim.link import LinkToDevice
from host.sim.wearer import Mount, render

# ---- the figures the invariants use ------------------------------------------------------
DELAY_S = 30              # POSTURE_SLOUCH_DELAY_S by default
SUSTAINED_MARGIN_S = 15   # a slouch this much longer than the delay must alert (acceptance tier)
ALERT_EARLY_S = 0.0       # an alert may come this early before truth start + delay...
ALERT_LATE_S = 6.0        # ...and this late after it (ramp 1-3 s, tilt filter 1 s, 1 s windows;
                          # clean days measured 1.4-4.3 s)
SETTLE_S = 5.0            # the sensor must have worked this long before a slouch starts
REPORT_S = 2.0            # a sensor that stopped working is reported within this
RECOVER_S = 3.0           # and working again this long after the chip can answer
CAL_ROOM_S = 40.0         # upright sitting after a restart or re-wear before slouches count
BURST_REPORTED = 5        # failed transactions in a row that leave the sensor down
OUTPUT_FAULT_REPORTED_MS = 1000  # a frozen or zero output that ends by itself sooner is absorbed
RATE_HZ = 104.0           # the wearer's render rate (the IMU samples it at its own ODR)
FIRST_S = 15.0            # the schedule starts once code.py runs and has calibrated
TAIL_S = 600.0            # upright sitting after the scheduled day (end-of-day checks, final sync)

SENSOR_DOWN_KINDS = ("dropout", "reset", "reset_err", "bus_errors", "freeze", "zero")
KINDS = SENSOR_DOWN_KINDS + ("set", "power_cut", "calibrate", "sync", "full", "readonly")

# SETs over the protocol. Good ones: (key, value) the clip must accept and can run with.
GOOD_SETS = [
    ("POSTURE_HAPTIC_STRENGTH", "40"), ("POSTURE_HAPTIC_STRENGTH", "90"), ("POSTURE_REMIND_S", "300"),
    ("POSTURE_BREAK_MIN", "90"), ("POSTURE_SLOUCH_DELAY_S", "20"), ("POSTURE_SLOUCH_DELAY_S", "30"),
    ("POSTURE_IMU", "auto"), ("POSTURE_IMU", "LSM6DSOX"), ("POSTURE_IMU_ADDRESS", "0x6A"),
    ("POSTURE_HYSTERESIS_DEG", "5"),
]
# Bad ones the issue names: a SET that would disable the clip must be refused with ERR.
REFUSED_SETS = [
    ("POSTURE_HAPTIC_PIN", "SCL"), ("POSTURE_HAPTIC_PIN", "SDA"), ("POSTURE_BUTTON_PIN", "SCL"),
    ("POSTURE_BUTTON_PIN", "SDA"), ("POSTURE_IMU_ADDRESS", "0x6B"), ("POSTURE_HAPTIC_PIN", "D99"),
    ("POSTURE_SLOUCH_DEG", "99"), ("POSTURE_NOT_A_KEY", "1"), ("POSTURE_SLOUCH_DELAY_S", "x"),
]
# Settings that move the slouch window: a SET of one of them during a slouch exempts it.
_WINDOW_KEYS = ("POSTURE_SLOUCH_DEG", "POSTURE_SLOUCH_DELAY_S", "POSTURE_HYSTERESIS_DEG")


# ---- the wearer's day --------------------------------------------------------------------
@dataclass
class Day:
    seed: int
    hours: float
    segments: list[scenario.Segment]
    motion: Any                      # at(t_ms) -> six floats, what the IMU emulator samples
    mount_a: Mount
    mount_b: Mount | None = None     # re-wear at another mount: the mount after switch_s
    switch_s: float | None = None
    rewears: list[tuple[float, float]] = field(default_factory=list)  # (take_off start, put_on end) s

    @property
    def length_s(self) -> float:
        """The day the schedule covers; the wearer sits on, upright, TAIL_S beyond it (the
        final sync and the last recovery happen then: a recording that ended would read as
        a frozen sensor)."""
        return self.segments[-1].end_s - TAIL_S


class _Rewear:
    """The clip worn at mount_a until it lies on the desk, then at mount_b."""

    def __init__(self, a: Any, b: Any, switch_ms: int) -> None:
        self.a, self.b, self.switch_ms = a, b, switch_ms

    def at(self, t_ms: float) -> tuple[float, float, float, float, float, float]:
        return (self.a if t_ms < self.switch_ms else self.b).at(t_ms)


def chaos_day(seed: int, hours: float, rewear_spin: float | None = None) -> Day:
    """A desk day with clear postures (the chaos tier tests faults, not thresholds: those are
    the acceptance tier's). Slouches of 20-32 degrees, upright sitting within a degree of the
    calibrated upright, one clip-off episode per ~1.5 hours (always one when rewear_spin is
    given: the clip is put back on turned by that many degrees about its face-out axis)."""
    rng = np.random.default_rng([int(seed), 11])
    total = float(hours) * 3600.0
    spec: list[tuple] = [("upright", 40.0, {"flex": 0.0, "calibration": True})]
    t = 40.0
    u = lambda lo, hi: float(rng.uniform(lo, hi))  # noqa: E731

    def add(label: str, seconds: float, **params: Any) -> None:
        nonlocal t
        spec.append((label, round(seconds, 2), {k: round(v, 2) if isinstance(v, float) else v
                                                 for k, v in params.items()}))
        t += round(seconds, 2)

    def upright(lo: float, hi: float) -> None:
        add("upright", u(lo, hi), flex=u(-1.0, 1.0), wander=u(0.3, 0.8))

    offs = max(1, int(round(hours / 1.5))) if rewear_spin is not None else int(rng.poisson(hours / 1.5))
    off_at = sorted(float(x) for x in rng.uniform(0.15, 0.85, offs) * total)
    next_walk = u(25, 60) * 60.0
    while t < total:
        if off_at and t >= off_at[0]:
            off_at.pop(0)
            add("transition", u(3, 6), kind="take_off")
            add("off_body", u(120, 400), face="up", yaw_deg=u(0, 360), tilt_deg=u(0, 4))
            add("transition", u(3, 6), kind="put_on")
            upright(CAL_ROOM_S + 50, CAL_ROOM_S + 110)
            continue
        if t >= next_walk:
            add("transition", u(2, 3), kind="stand_up")
            add("standing", u(10, 30), flex=u(0, 4))
            add("walking", u(60, 300), step_hz=u(1.6, 2.0), vert_acc=u(2.0, 3.0), flex=u(0, 5))
            add("standing", u(5, 20), flex=u(0, 4))
            add("transition", u(2, 3), kind="sit_down")
            upright(CAL_ROOM_S + 20, 120)
            next_walk = t + u(40, 90) * 60.0
            continue
        pick = rng.random()
        if pick < 0.30:
            upright(60, 400)
        elif pick < 0.58:
            flex = u(20, 32)
            add("slouch", float(np.exp(rng.uniform(math.log(50), math.log(400)))), flex=flex,
                lean=u(-3, 3), wander=min(u(1.0, 3.0), flex - 18.0), ramp_s=u(1.0, 3.0))
            upright(30, 120)
        elif pick < 0.70:
            add("brief_slouch", u(5, 20), flex=u(20, 30), ramp_s=u(1.0, 2.0))
            upright(20, 90)
        elif pick < 0.82:
            add("reach", u(2, 8), flex=u(20, 40), lean=u(-8, 8), turn_deg=u(-30, 30), ramp_s=u(0.7, 1.2))
            upright(20, 60)
        elif pick < 0.91:
            add("recline", u(30, 200), flex=-u(10, 20), wander=u(0.5, 1.5), ramp_s=u(1.5, 3.0))
            upright(20, 90)
        else:
            add("side_lean", u(20, 120), lean=(1 if rng.random() < 0.5 else -1) * u(10, 20),
                flex=u(-1, 1), wander=u(0.5, 1.5), ramp_s=u(1.0, 3.0))
            upright(20, 90)
    spec.append(("upright", TAIL_S, {"flex": 0.0, "wander": 0.5}))
    segments = scenario.build(spec)
    mount_a = Mount(0.0, float(rng.uniform(0, 6)), float(rng.uniform(0, 360)))
    rec_a = render(segments, rate_hz=RATE_HZ, mount=mount_a, seed=seed)
    rewears = []
    for i, seg in enumerate(segments):
        if seg.label == "off_body":
            rewears.append((segments[i - 1].start_s, segments[i + 1].end_s))
    day = Day(int(seed), float(hours), segments, rec_a, mount_a, rewears=rewears)
    if rewear_spin is not None:
        off = next(s for s in segments if s.label == "off_body")
        # Put back on turned about its face-out axis, at the same tilt. A different tilt up or
        # down the spine cannot be told from the wearer sitting slumped when the clip goes on
        # (gravity alone sees the same face elevation either way): the firmware keeps the
        # earlier elevation then (the README asks to sit upright when clipping it on), so the
        # physically judgeable re-wear is a turn in the back's plane, by any angle.
        day.mount_b = Mount(float(rewear_spin), mount_a.tilt_deg, mount_a.tilt_dir_deg)
        rec_b = render(segments, rate_hz=RATE_HZ, mount=day.mount_b, seed=seed)
        day.switch_s = (off.start_s + off.end_s) / 2
        day.motion = _Rewear(rec_a, rec_b, int(day.switch_s * 1000))
    return day


# ---- the schedule ------------------------------------------------------------------------
@dataclass
class Fault:
    """One thing done to the clip. `at` is a fraction of the day (0..1): the schedule does not
    depend on the day's length, so a shrunk hypothesis example stays readable.

    kind        arg                         arg2 / other
    dropout     seconds off the bus         -
    reset       -                           (the chip back at power-on defaults, no failed transaction)
    reset_err   ms it does not answer first -
    bus_errors  failed transactions         errno
    freeze      seconds the output is frozen (unless the clip rebuilds the driver first)
    zero        seconds the outputs read 0 (the same)
    set         index into GOOD_SETS (good=True) or REFUSED_SETS (good=False)
    power_cut   -                           readonly_boot: the laptop holds the drive at the restart
    calibrate   0: the button, 1: CALIBRATE over the data channel (while the wearer sits upright)
    sync        reply lines before the cut (None: a clean sync); mid: cut inside the next line; chunk
    full        seconds the drive stays full
    readonly    -                           (the laptop takes the drive until the next restart)
    """

    at: float
    kind: str
    arg: float | int | None = None
    arg2: int = 0
    good: bool = True
    readonly_boot: bool = False
    cut: int | None = None
    mid: bool = False
    chunk: int = 1000

    def label(self) -> str:
        if self.kind == "sync":
            return "sync(%s%s, chunk %d)" % ("clean" if self.cut is None else "cut after %d lines" % self.cut,
                                             " mid-line" if self.mid and self.cut is not None else "", self.chunk)
        if self.kind == "set":
            key, value = (GOOD_SETS if self.good else REFUSED_SETS)[int(self.arg or 0)]
            return "SET %s %s" % (key, value)
        if self.kind == "calibrate":
            return "calibrate (%s)" % ("CALIBRATE" if self.arg else "button")
        if self.kind == "power_cut":
            return "power_cut" + (" (read-only boot)" if self.readonly_boot else "")
        if self.arg is None:
            return self.kind
        return "%s(%s)" % (self.kind, ("%.3g s" % self.arg) if isinstance(self.arg, float) else self.arg)


def random_schedule(rng: Any, count: int) -> list[Fault]:
    """count faults of every kind in turn, at random moments (the soak's and the whole-day
    test's schedules; the hypothesis test draws its own)."""
    kinds = ["dropout", "reset", "reset_err", "bus_errors", "freeze", "zero", "set", "set",
             "power_cut", "sync", "sync", "full", "readonly", "calibrate"]
    out = []
    for i in range(count):
        kind = kinds[i % len(kinds)]
        at = rng.uniform(0, 1)
        if kind == "dropout":
            out.append(Fault(at, kind, math.exp(rng.uniform(math.log(0.01), math.log(30.0)))))
        elif kind == "reset_err":
            out.append(Fault(at, kind, rng.randint(5, 400)))
        elif kind == "bus_errors":
            out.append(Fault(at, kind, rng.randint(1, 15), rng.choice([errno.EIO, errno.ETIMEDOUT])))
        elif kind in ("freeze", "zero"):
            out.append(Fault(at, kind, rng.uniform(0.5, 20)))
        elif kind == "set":
            good = rng.random() < 0.5
            out.append(Fault(at, kind, rng.randrange(len(GOOD_SETS if good else REFUSED_SETS)), good=good))
        elif kind == "power_cut":
            out.append(Fault(at, kind, readonly_boot=rng.random() < 0.3))
        elif kind == "sync":
            out.append(Fault(at, kind, cut=rng.choice([None, rng.randint(0, 40)]), mid=rng.random() < 0.5,
                             chunk=rng.choice([7, 50, 1000])))
        elif kind == "full":
            out.append(Fault(at, kind, rng.uniform(30, 900)))
        elif kind == "calibrate":
            out.append(Fault(at, kind, rng.randint(0, 1)))
        else:
            out.append(Fault(at, kind))
    return out


# ---- fault adapters: every call on the emulator goes through here -------------------------
# The sensor-supervision work added injectors to host/sim/lsm6ds_emulator.py and
# host/sim/fakes/i2c.py (SimI2CBus.dropout, LSM6DSEmulator.reset, output_fault); these use
# them, and build the same physical fault from the older calls on a simulator without them.
def imu_dropout(dev: SimDevice, ms: int) -> Callable[[], None] | None:
    """The IMU off the bus for ms (a loose STEMMA QT cable: the supply goes with SDA/SCL, so
    the chip comes back at its power-on defaults). Returns the call that ends it, if one is
    needed."""
    bus = dev.board.i2c_bus
    if hasattr(bus, "dropout"):
        bus.dropout(dev.imu.address, ms)
        return None
    dev.imu.vanish()
    return dev.imu.reappear


def imu_reset(dev: SimDevice, nack_ms: int = 0) -> None:
    """The IMU resets on its own (a brown-out of its supply): registers at their power-on
    defaults. nack_ms = 0: no transaction fails; else it does not answer for nack_ms first."""
    if hasattr(dev.imu, "reset"):
        dev.imu.reset(nack_ms=nack_ms)
    elif nack_ms:
        dev.imu.vanish()
        dev.imu.reappear()
        dev.imu.fail_next(max(1, nack_ms // 40), errno.ENODEV)
    else:
        dev.imu.power_on_reset()


def imu_fail(dev: SimDevice, n: int, err: int = errno.EIO) -> None:
    dev.imu.fail_next(n, err)


class _Frozen:
    """A motion source stuck at one sample (for a simulator without output_fault)."""

    def __init__(self, sample: tuple[float, ...]) -> None:
        self.sample = sample

    def at(self, _t_ms: float) -> tuple[float, ...]:
        return self.sample


def imu_output_fault(dev: SimDevice, kind: str, ms: int) -> Callable[[], None]:
    """The outputs go wrong ("frozen": stop updating, "zero": read 0) with the configuration
    intact. A driver rebuild (software reset) cures it; it also ends by itself after ms.
    Returns the call that ends it."""
    imu = dev.imu
    if hasattr(imu, "output_fault"):
        imu.output_fault(kind)
        return lambda: imu.clear_output_fault() if imu.output_fault_kind == kind else None
    motion = imu.motion
    imu.motion = _Frozen(motion.at(dev.clock.now_ms) if kind == "frozen" else (0.0,) * 6)

    def end() -> None:
        imu.motion = motion
    return end


# ---- the laptop's side ---------------------------------------------------------------------
# LinkToDevice (host/sim/link.py): a pyserial-like port on the simulated clip's usb_cdc.data.


def talk(dev: SimDevice, body: str, seconds: float = 1.0) -> list[str]:
    """One command on the data channel; the reply bodies (corrupt ones left out)."""
    from .helpers import talk as helpers_talk

    return helpers_talk(dev, body, seconds, strict=False)


def status_fields(dev: SimDevice) -> dict[str, str]:
    for line in talk(dev, "STATUS"):
        if line.startswith("STATUS"):
            return dict(w.split("=", 1) for w in line.split()[1:] if "=" in w)
    return {}


def flash_records(dev: SimDevice) -> dict[int, tuple]:
    """seq -> decoded record for every whole record in the clip's segment files now."""
    from host.logfile import read_records

    out: dict[int, tuple] = {}
    folder = os.path.join(dev.fs_dir, "log")
    if not os.path.isdir(folder):
        return out
    for name in sorted(os.listdir(folder)):
        if record.segment_number(name) < 0:
            continue
        with open(os.path.join(folder, name), "rb") as f:
            data = f.read()
        for raw in read_records(data)[0]:
            r = record.decode(raw)
            out[r[1]] = r
    return out


def db_records(path: Path) -> dict[int, tuple]:
    """seq -> (type, seq, boot, t_ms, values) as record.decode gives them, from the database."""
    conn = sqlite3.connect(str(path))
    try:
        out: dict[int, tuple] = {}
        for seq, boot, t_ms, *vals in conn.execute(
                "SELECT seq, boot, t_ms, worn_s, upright_s, slouch_s, moving_s, lying_s, mean_flex_d10, "
                "peak_flex_d10, alerts FROM minutes"):
            out[seq] = ("m", seq, boot, t_ms, tuple(vals))
        for seq, boot, t_ms, kind, a, b in conn.execute("SELECT seq, boot, t_ms, kind, a, b FROM events"):
            out[seq] = ("e", seq, boot, t_ms, (kind, a, b))
        return out
    finally:
        conn.close()


def as_db_row(r: tuple) -> tuple | None:
    """A decoded record in db_records' shape (TIME records are anchors, not rows: None)."""
    typ, seq, boot, t_ms, vals = r[0], r[1], r[2], r[3], r[4]
    if typ == record.T_MINUTE:
        from host.db import _bounded_minute

        return ("m", seq, boot, t_ms, tuple(_bounded_minute(vals)))
    if typ == record.T_EVENT:
        return ("e", seq, boot, t_ms, tuple(vals[1:]))
    return None


# ---- the run -------------------------------------------------------------------------------
@dataclass
class Result:
    day: Day
    schedule: list[Fault]
    problems: list[str] = field(default_factory=list)
    applied: Counter = field(default_factory=Counter)     # faults injected by kind
    skipped: list[str] = field(default_factory=list)      # schedule entries with no valid moment
    alerts_expected: int = 0
    alerts_seen: int = 0
    alerts_exempt: int = 0
    report_latencies_ms: list[int] = field(default_factory=list)
    recover_latencies_ms: list[int] = field(default_factory=list)
    records_synced: int = 0
    records_dropped_reported: int = 0
    watchdog_resets: int = 0
    wall_s: float = 0.0
    console: str = ""

    def summary(self) -> str:
        return "day seed %d, %.2f h%s; schedule: %s" % (
            self.day.seed, self.day.hours,
            ", re-worn at %.0f deg" % self.day.mount_b.spin_deg if self.day.mount_b else "",
            "; ".join("%.0f s %s" % (FIRST_S + f.at * (self.day.length_s - FIRST_S), f.label())
                      for f in sorted(self.schedule, key=lambda f: f.at)) or "none")


@dataclass
class _Span:
    start_ms: int
    end_ms: int          # when the chip can answer again / the fault ends
    kind: str
    reportable: bool


def _console_events(dev: SimDevice) -> list[tuple[int, dict[str, Any]]]:
    from .helpers import events

    return events(dev)


class _Runner:
    def __init__(self, day: Day, schedule: list[Fault], workdir: Path, final: str, root: str | None) -> None:
        self.day = day
        self.schedule = sorted(schedule, key=lambda f: f.at)
        self.workdir = Path(workdir)
        self.final = final
        self.res = Result(day, list(schedule))
        extra = {"root": root} if root else {}
        self.dev = SimDevice(day.motion, fs_dir=str(self.workdir / "drive"), clock=SimClock(), **extra)
        self.db_path = self.workdir / "posture.sqlite3"
        self.seen: dict[int, tuple] = {}           # every record ever seen on the flash
        self.served: dict[int, tuple] = {}         # every record a sync during the day stored
        self.spans: list[_Span] = []               # sensor faults
        self.restarts: list[int] = []              # ms of power cuts (the clip restarts)
        self.recalibrations: list[int] = []        # ms of calibrations asked for
        self.set_times: list[tuple[int, str]] = []  # (ms, key) of SETs accepted
        self.set_values: list[tuple[int, str, str]] = []
        self.clashes: list[str] = []
        self.pending: list[tuple[int, int, Callable[[], None]]] = []  # (ms, order, action)
        self._order = 0
        self.output_fault_ends: list[Callable[[], None]] = []

    # -- scheduling
    def at(self, t_ms: int, action: Callable[[], None]) -> None:
        self._order += 1
        self.pending.append((int(t_ms), self._order, action))

    def now(self) -> int:
        return self.dev.clock.now_ms

    def label_at(self, t_s: float) -> str | None:
        return scenario.label_at(self.day.segments, t_s)

    def upright_room(self, t_s: float) -> float:
        """Seconds of upright sitting from t_s on (0 when not sitting upright at t_s)."""
        for s in self.day.segments:
            if s.start_s <= t_s < s.end_s:
                return s.end_s - t_s if s.label == "upright" else 0.0
        return 0.0

    def power_cut_moment(self, t_s: float) -> float | None:
        """The first moment from t_s on where the wearer then sits upright CAL_ROOM_S + 10 s
        (so the restarted clip can calibrate, as the README asks of the wearer)."""
        need = CAL_ROOM_S + 10.0
        for s in self.day.segments:
            if s.label != "upright" or s.end_s - max(s.start_s + 3.0, t_s) < need:
                continue
            moment = max(s.start_s + 3.0, t_s)
            if moment < self.day.length_s - need and moment > 20.0:
                return moment
        return None

    # -- the run
    def run(self) -> Result:
        t0 = time.monotonic()
        try:
            self.plan()
            self.pending.sort()
            while self.pending:
                t_ms, _o, action = self.pending.pop(0)
                if t_ms > self.now():
                    self.dev.run_for((t_ms - self.now()) / 1000)
                self.snapshot()
                action()
                self.pending.sort()
            end_ms = int(self.day.length_s * 1000)
            if end_ms > self.now():
                self.dev.run_for((end_ms - self.now()) / 1000)
            self.snapshot()
            self.end_of_day()
            self.check()
        finally:
            self.res.console = self.dev.console_text()
            self.dev.close()
            self.res.wall_s = time.monotonic() - t0
        return self.res

    def snapshot(self) -> None:
        self.seen.update(flash_records(self.dev))

    def plan(self) -> None:
        length = self.day.length_s
        for f in self.schedule:
            # faults fall while code.py runs: from FIRST_S (boot.py's button watch is over,
            # the clip has calibrated) to the end of the scheduled day
            t_s = FIRST_S + min(max(f.at, 0.0), 0.999) * (length - FIRST_S)
            kind = f.kind
            if kind == "power_cut":
                moment = self.power_cut_moment(t_s)
                if moment is None:
                    self.res.skipped.append(f.label())
                    continue
                self.at(moment * 1000, lambda f=f: self.power_cut(f))
            elif kind == "calibrate":
                moment = self.power_cut_moment(t_s)
                if moment is None:
                    self.res.skipped.append(f.label())
                    continue
                self.at(moment * 1000, lambda f=f: self.calibrate(f))
            elif kind == "sync":
                self.at(max(t_s, 10.0) * 1000, lambda f=f: self.sync(f))
            else:
                self.at(t_s * 1000, lambda f=f: self.inject(f))

    def inject(self, f: Fault) -> None:
        dev, now = self.dev, self.now()
        kind = f.kind
        self.res.applied[kind] += 1
        if kind == "dropout":
            ms = max(1, int(round(float(f.arg or 0.01) * 1000)))
            end = imu_dropout(dev, ms)
            self.spans.append(_Span(now, now + ms, kind, True))
            if end is not None:
                self.at(now + ms, end)
        elif kind == "reset":
            imu_reset(dev)
            self.spans.append(_Span(now, now, kind, True))
        elif kind == "reset_err":
            ms = max(1, int(f.arg or 100))
            imu_reset(dev, ms)
            self.spans.append(_Span(now, now + ms, kind, True))
        elif kind == "bus_errors":
            n = int(f.arg or 1)
            imu_fail(dev, n, f.arg2 or errno.EIO)
            span = _Span(now, now + n * 40, kind, n >= BURST_REPORTED)
            self.spans.append(span)
            self.at(now + 100, lambda: self.watch_burst(span))
        elif kind in ("freeze", "zero"):
            # the clip can cure these at once (a rebuild resets the chip): "back" is now
            ms = max(1, int(round(float(f.arg or 1.0) * 1000)))
            end = imu_output_fault(dev, "frozen" if kind == "freeze" else "zero", ms)
            self.output_fault_ends.append(end)
            self.spans.append(_Span(now, now, kind, ms >= OUTPUT_FAULT_REPORTED_MS))
            self.at(now + ms, end)
        elif kind == "set":
            self.do_set(f)
        elif kind == "full":
            ms = max(1000, int(round(float(f.arg or 60) * 1000)))
            dev.board.fs_capacity = dev.board.drive.used_bytes()
            self.at(now + ms, self.drive_free)
        elif kind == "readonly":
            dev.board.readonly = True       # the laptop took the drive: writes fail (EROFS)
        else:
            raise ValueError("unknown fault kind %r" % kind)

    def watch_burst(self, span: _Span) -> None:
        """A burst ends when its last failed transaction has been used up (reads and driver
        rebuilds both use them): from then on the chip answers. Looked at every 100 ms."""
        if getattr(self.dev.imu, "failures_pending", 0) > 0:
            self.at(self.now() + 100, lambda: self.watch_burst(span))
        else:
            span.end_ms = self.now()

    def drive_free(self) -> None:
        self.dev.board.fs_capacity = None

    def clip_running(self) -> bool:
        """code.py has started since the last power cut (the data channel exists again)."""
        last = max(self.restarts, default=-1)
        return any(t > last and line.startswith("posture: running on") for t, line in self.dev.console_lines())

    def do_set(self, f: Fault) -> None:
        if not self.clip_running():       # the host waits for the clip to come back
            self.at(self.now() + 2000, lambda: self.do_set(f))
            return
        key, value = (GOOD_SETS if f.good else REFUSED_SETS)[int(f.arg or 0) % len(GOOD_SETS if f.good
                                                                                 else REFUSED_SETS)]
        replies = talk(self.dev, "SET %s %s" % (key, value))
        ok = [r for r in replies if r.startswith("SET %s " % key)]
        err = [r for r in replies if r.startswith("ERR")]
        if ok:
            self.set_times.append((self.now(), key))
            self.set_values.append((self.now(), key, value))
        if f.good and not ok:
            # a full or read-only drive cannot keep the setting: ERR fs is the honest answer
            if not any(r.startswith("ERR fs") for r in err):
                self.res.problems.append("good SET %s %s at %.1f s got %r" % (key, value, self.now() / 1000,
                                                                             replies))
        if not f.good and not err:
            self.res.problems.append("SET %s %s (disables the clip) was not refused at %.1f s: %r"
                                     % (key, value, self.now() / 1000, replies))

    def calibrate(self, f: Fault) -> None:
        """A calibration asked for while the wearer sits upright: the button (arg 0) or
        CALIBRATE over the data channel (arg 1). With a sensor fault at the same time this is
        the issue's finding 2 (a calibration on all-zero data divided by zero)."""
        if f.arg and not self.clip_running():
            self.at(self.now() + 2000, lambda: self.calibrate(f))
            return
        self.res.applied["calibrate"] += 1
        self.recalibrations.append(self.now())
        if f.arg:
            replies = talk(self.dev, "CALIBRATE")
            if not any(r.startswith("OK CALIBRATE") for r in replies):
                self.res.problems.append("CALIBRATE at %.1f s got %r" % (self.now() / 1000, replies))
        else:
            release = self.now() + 300
            self.dev.board.pin("BUTTON").drive(lambda t_ms, r=release: t_ms >= r)

    def power_cut(self, f: Fault) -> None:
        if self.restarts and self.restarts[-1] == self.now():
            self.res.skipped.append(f.label() + " (the same moment as another)")
            return
        self.res.applied["power_cut"] += 1
        self.restarts.append(self.now())
        dev = self.dev
        if f.readonly_boot:
            # the laptop holds the drive: the button is read as held through boot.py
            release = self.now() + 6000
            dev.board.pin("BUTTON").drive(lambda t_ms, r=release: t_ms > r)
        else:
            dev.board.pin("BUTTON").drive(None)
        if dev.board.fs_capacity is not None:
            pass                            # still full: the fault's end frees it
        dev.power_cut()

    def sync(self, f: Fault) -> None:
        from host.db import Database
        from host.errors import PostureError
        from host.sync import sync
        from host.transport import Transport

        if not self.clip_running():
            self.at(self.now() + 2000, lambda: self.sync(f))
            return
        self.res.applied["sync"] += 1
        link = LinkToDevice(self.dev, cut_after=f.cut, mid=f.mid)
        db = Database(self.db_path)
        before = len(db.clashes)
        try:
            with Transport("sim", timeout=5.0, serial_obj=link) as tr:
                result = sync(tr, db, chunk=max(1, int(f.chunk)))
            self.res.records_synced += result.records
            if f.cut is not None and link.cut:
                self.res.problems.append("a sync cut after %d lines still succeeded" % f.cut)
        except PostureError as exc:
            if f.cut is None or not link.cut:
                self.res.problems.append("a clean sync at %.1f s failed: %s" % (self.now() / 1000, exc))
        finally:
            self.clashes += db.clashes[before:]
            db.close()
        for seq, row in db_records(self.db_path).items():
            self.served.setdefault(seq, row)

    # -- the end of the day: the final clean sync through the real command
    def end_of_day(self) -> None:
        dev = self.dev
        # whatever the day left: the chip answers, the drive has room, the laptop lets go of it
        if not dev.imu.present:
            dev.imu.reappear()
        for end in self.output_fault_ends:
            end()
        dev.board.fs_capacity = None
        dev.run_for(RECOVER_S + 2)
        self.snapshot()
        fields = status_fields(dev)
        self.status_end = fields
        if self.final == "cli":
            self.final_sync_cli()
        else:
            self.sync(Fault(1.0, "sync"))
            self.res.applied["sync"] -= 1
        self.snapshot()

    def final_sync_cli(self) -> None:
        import contextlib
        import io
        import json

        from host.cli import main
        from host.sim.bridge import PtyBridge

        out, err = io.StringIO(), io.StringIO()
        with PtyBridge(self.dev) as bridge, contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            rc = main(["sync", "--port", bridge.port, "--db", str(self.db_path), "--json", "--timeout", "10"])
        if rc != 0 or "Traceback" in err.getvalue():
            self.res.problems.append("the final clean `posture sync` failed (exit %d): %s"
                                     % (rc, err.getvalue().strip()[-400:]))
            self.final_result: dict[str, Any] = {}
            return
        self.final_result = json.loads(out.getvalue().strip().splitlines()[-1])
        self.res.records_synced += int(self.final_result.get("records", 0))
        self.clashes += list(self.final_result.get("warnings", []))

    # -- the invariants
    def check(self) -> None:
        evs = _console_events(self.dev)
        self.check_no_crash()
        self.check_sensor_reports(evs)
        self.check_alerts(evs)
        self.check_database()

    def check_no_crash(self) -> None:
        dev, p = self.dev, self.res.problems
        text = dev.console_text()
        if dev.crashes or "Traceback" in text:
            exc = dev.crashes[0][1] if dev.crashes else None
            where = text[text.find("Traceback"):][:600] if "Traceback" in text else ""
            t_ms = dev.crashes[0][0] if dev.crashes else next(
                (t for t, line in dev.console_lines() if line.startswith("Traceback")), 0)
            p.append("code.py crashed at %.1f s: %r %s" % (t_ms / 1000, exc, where))
        ours = len(self.restarts)
        cuts = [r for r in dev.resets if r[1] == "PowerCut"]
        dogs = [r for r in dev.resets if r[1] == "WatchDogReset"]
        other = [r for r in dev.resets if r[1] not in ("PowerCut", "WatchDogReset")]
        self.res.watchdog_resets = len(dogs)
        if len(cuts) != ours or other:
            p.append("resets other than the schedule's %d power cuts: %s" % (ours, dev.resets))
        self.restarts += [t for t, _k in dogs]

    def check_sensor_reports(self, evs: list[tuple[int, dict[str, Any]]]) -> None:
        p = self.res.problems
        reports = [t for t, e in evs if e["event"] in ("sensor_error", "sensor_fault")]
        recovered = [t for t, e in evs if e["event"] == "sensor_recovered"]
        # "down" state from the clip's own words: reported and not yet recovered
        def reported_down_at(t: int) -> bool:
            last_rep = max([r for r in reports if r < t], default=None)
            if last_rep is None:
                return False
            return not any(last_rep <= r < t for r in recovered)

        restarts = sorted(self.restarts)
        code_starts = [t for t, line in self.dev.console_lines() if line.startswith("posture: running on")]
        for sp in self.spans:
            if not sp.reportable:
                continue
            # a power cut inside the window restarts the clip (and the chip): nothing to report then
            if any(sp.start_ms <= r <= sp.end_ms + REPORT_S * 1000 for r in restarts):
                continue
            # a fault while the clip restarts (boot.py, before code.py runs) is the clip's to see
            # only from code.py's start: code.py sets the chip up from scratch
            begin = sp.start_ms
            for r in restarts:
                nxt = min([c for c in code_starts if c >= r], default=None)
                if r <= begin and (nxt is None or begin < nxt):
                    begin = nxt if nxt is not None else begin
            if begin > sp.start_ms and sp.end_ms <= begin:
                continue
            hit = [t for t in reports if begin <= t <= begin + REPORT_S * 1000]
            if hit:
                self.res.report_latencies_ms.append(hit[0] - begin)
            elif not reported_down_at(begin):
                p.append("%s at %.3f s was not reported within %.0f s (reports at %s)"
                         % (sp.kind, sp.start_ms / 1000, REPORT_S,
                            [round(t / 1000, 2) for t in reports if t >= sp.start_ms][:3] or "never"))
            # recovered when it can: once the chip answers (or its output moves again), within
            # RECOVER_S the clip says the sensor is back, and a chip that reset runs at 26 Hz again
            back = max([sp.end_ms] + hit[:1])
            limit = back + RECOVER_S * 1000
            if any(back <= r <= limit for r in restarts):
                continue
            if any(o is not sp and o.reportable and o.start_ms <= limit and o.end_ms >= back
                   for o in self.spans):
                continue                           # another fault keeps it down: judged on its own
            state = [(t, "down") for t in reports if sp.start_ms <= t <= limit] + \
                    [(t, "up") for t in recovered if sp.start_ms <= t <= limit]
            if state and max(state)[1] != "up":
                p.append("%s at %.3f s: the clip still reports the sensor down %.0f s after it could "
                         "answer again (%.3f s)" % (sp.kind, sp.start_ms / 1000, RECOVER_S, back / 1000))
                continue
            if state:
                self.res.recover_latencies_ms.append(max(0, max(state)[0] - back))
            if sp.kind in ("dropout", "reset", "reset_err"):
                ok = [t for t, sensor, hz, _mode in self.dev.imu.mode_timeline
                      if sensor == "accel" and hz == 26.0 and back <= t]
                if not ok or ok[0] > limit:
                    p.append("%s at %.3f s: the accelerometer was not running at 26 Hz again within %.0f s "
                             "of the chip answering (%.3f s; first at %s)"
                             % (sp.kind, sp.start_ms / 1000, RECOVER_S, back / 1000,
                                "%.3f s" % (ok[0] / 1000) if ok else "never"))
        # every report is followed by a recovery (the chip answers at the end of the day)
        for t in reports:
            if not any(r > t for r in recovered) and not any(r > t for r in restarts):
                p.append("sensor reported down at %.3f s and never reported recovered" % (t / 1000))
        fields = getattr(self, "status_end", {})
        if "sensor" in fields and fields["sensor"] != "ok":
            p.append("STATUS at the end of the day says sensor=%s" % fields["sensor"])
        from host.sim.lsm6ds_emulator import CTRL1_XL, CTRL6_C, CTRL7_G

        regs = self.dev.imu.regs
        if regs[CTRL1_XL] >> 4 != 2 or not regs[CTRL6_C] & 0x10 or not regs[CTRL7_G] & 0x80:
            p.append("at the end of the day the IMU is not configured (CTRL1_XL=0x%02X CTRL6_C=0x%02X "
                     "CTRL7_G=0x%02X)" % (regs[CTRL1_XL], regs[CTRL6_C], regs[CTRL7_G]))

    def _disturbed(self, a_ms: float, b_ms: float) -> str | None:
        """Why the clip may not be judged on [a_ms, b_ms]: a sensor fault, a restart or re-wear
        without CAL_ROOM_S of upright since, or None."""
        for sp in self.spans:
            if sp.kind == "bus_errors" and not sp.reportable:
                continue
            # found within REPORT_S, working again RECOVER_S after the chip can answer
            if sp.start_ms <= b_ms and max(sp.end_ms, sp.start_ms + REPORT_S * 1000) + RECOVER_S * 1000 >= a_ms:
                return "%s at %.1f s" % (sp.kind, sp.start_ms / 1000)
        for r in self.restarts:
            if r <= b_ms and r + self._cal_room_ms(r) >= a_ms:
                return "restart at %.1f s" % (r / 1000)
        for r in self.recalibrations:
            if r <= b_ms and r + CAL_ROOM_S * 1000 >= a_ms:
                return "calibration at %.1f s" % (r / 1000)
        for off_s, on_s in self.day.rewears:
            on_ms = on_s * 1000
            if off_s * 1000 <= b_ms and on_ms + CAL_ROOM_S * 1000 >= a_ms:
                return "re-wear at %.1f s" % on_s
        return None

    def _cal_room_ms(self, restart_ms: int) -> float:
        """From a restart until the wearer has sat upright CAL_ROOM_S after it."""
        return 4000 + CAL_ROOM_S * 1000

    def check_alerts(self, evs: list[tuple[int, dict[str, Any]]]) -> None:
        p = self.res.problems
        alerts = [t for t, e in evs if e["event"] == "slouch_alert"]
        for seg in self.day.segments:
            if seg.label != "slouch":
                continue
            start = seg.start_s * 1000
            d = self._delay_at(start)
            if seg.duration_s < d / 1000 + SUSTAINED_MARGIN_S:
                continue
            lo, hi = start + d - ALERT_EARLY_S * 1000, start + d + ALERT_LATE_S * 1000
            why = self._disturbed(start - SETTLE_S * 1000, hi)
            if why is None and any(start - 1000 <= t <= hi and k in _WINDOW_KEYS for t, k in self.set_times):
                why = "a SET during it"
            if why is not None:
                self.res.alerts_exempt += 1
                continue
            self.res.alerts_expected += 1
            inside = [t for t in alerts if seg.start_s * 1000 <= t <= seg.end_s * 1000]
            if len(inside) == 1 and lo <= inside[0] <= hi:
                self.res.alerts_seen += 1
            else:
                p.append("slouch %.0f-%.0f s (%.0f deg): alerts at %s s after its start, want one in %.1f-%.1f s"
                         % (seg.start_s, seg.end_s, seg.params.get("flex", 0),
                            [round((t - start) / 1000, 1) for t in inside], (d - ALERT_EARLY_S * 1000) / 1000,
                            (d + ALERT_LATE_S * 1000) / 1000))
        for a, b, label in scenario.quiet_windows(self.day.segments):
            wrong = [t for t in alerts if a * 1000 <= t < b * 1000]
            for t in wrong:
                why = self._disturbed(t - 60_000, t)
                if why is None:
                    p.append("slouch_alert at %.1f s while %s (%.0f-%.0f s)" % (t / 1000, label, a, b))

    def _delay_at(self, t_ms: float) -> int:
        """The slouch delay in force at t_ms (ms): the last accepted SET of it before then.
        SET values live in the clip's overrides, so they hold across restarts too."""
        delay = DELAY_S * 1000
        for t, key, value in self.set_values:
            if key == "POSTURE_SLOUCH_DELAY_S" and t <= t_ms:
                delay = int(value) * 1000
        return delay

    def check_database(self) -> None:
        p = self.res.problems
        if not self.db_path.exists():
            p.append("no database after the final sync")
            return
        db = db_records(self.db_path)
        for c in self.clashes:
            p.append("sync clash (a seq handed out twice): %s" % c)
        dropped = [r for r in db.values() if r[0] == "e" and r[4][0] == "log_dropped"]
        allowance = sum(int(r[4][1]) for r in dropped)
        self.res.records_dropped_reported = allowance
        last_drop = max((r[1] for r in dropped), default=-1)
        missing, differ = [], []
        last_served = getattr(self, "final_result", {}).get("acked", None)
        for source in (self.seen, self.served):
            for seq, r in source.items():
                row = as_db_row(r) if source is self.seen else r
                if row is None:
                    continue
                got = db.get(seq)
                if got is None:
                    if source is self.seen and last_served is not None and 0 <= last_served < seq \
                            and seq < 0x800000:
                        continue        # logged after the final sync's last record
                    missing.append(seq)
                elif got != row:
                    differ.append((seq, row, got))
        missing = sorted(set(missing))
        lost = [s for s in missing if not (s < last_drop)]
        if len(missing) > allowance or lost:
            p.append("%d record(s) seen on the clip are not in the database (seqs %s%s); the clip reported "
                     "%d dropped" % (len(missing), missing[:8], "..." if len(missing) > 8 else "", allowance))
        for seq, want, got in differ[:5]:
            p.append("record %d differs: the clip had %s, the database holds %s" % (seq, want, got))
        # once: no record stored twice under two seqs
        keyed = Counter((r[0], r[2], r[3], r[4]) for r in db.values())
        twice = [k for k, n in keyed.items() if n > 1]
        if twice:
            p.append("%d record(s) stored twice under different seqs, e.g. %s" % (len(twice), twice[0]))


def run_schedule(day: Day, schedule: list[Fault], workdir: str | Path | None = None,
                 final: str = "cli", root: str | None = None) -> Result:
    """Run one day under one schedule; Result.problems lists every invariant broken.

    final: "cli" ends the day with the real `posture sync` over a pseudo-terminal,
    "inproc" with host.sync.sync over the in-process link (faster; the soak's choice).
    root: another checkout's boot.py/code.py/firmware (e.g. an older commit, to see a
    schedule fail before a fix); the laptop's code is always this checkout's."""
    if workdir is None:
        with tempfile.TemporaryDirectory(prefix="posture-chaos-") as tmp:
            return _Runner(day, schedule, Path(tmp), final, root).run()
    return _Runner(day, schedule, Path(workdir), final, root).run()
