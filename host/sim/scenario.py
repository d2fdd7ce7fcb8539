"""Day scripts for the synthetic wearer: lists of labelled posture segments.

A segment is (label, start_s, end_s, params). Angles in params are degrees;
flexion and lean of worn postures are relative to the wearer's calibrated
upright (render() adds the wearer's own upright offset), lying poses are
absolute. `build()` turns a hand-written list of (label, seconds[, params])
into segments; `make_day()` draws a realistic desk-work day from a seed.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, Callable, Iterable, NamedTuple, Sequence

import numpy as np

LABELS = (
    "upright", "slouch", "brief_slouch", "reach", "recline", "side_lean",
    "walking", "standing", "lying", "off_body", "transition",
)
# Transition kinds (params["kind"]): stand_up/sit_down (forward lean and a 0.45 m
# rise or drop), lie_down/get_up (a slow rotation to the next pose), take_off/
# put_on (the clip in the hand between the back and a desk), move (plain ramp).
TRANSITION_KINDS = ("stand_up", "sit_down", "lie_down", "get_up", "take_off", "put_on", "move")
LYING_POSES = ("supine", "prone", "left", "right")

# Labels during which the detector must never raise a slouch alert or reminder.
# (Break reminders are a different event and may fall in upright time.)
# "transition" is in neither list: nothing is expected there either way.
NO_ALERT_LABELS = (
    "upright", "brief_slouch", "reach", "recline", "side_lean",
    "walking", "standing", "lying", "off_body",
)
CALIBRATION_S = 20.0  # make_day always opens with at least this much still upright sitting


class Segment(NamedTuple):
    label: str
    start_s: float
    end_s: float
    params: dict[str, Any]

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s

    def to_json(self) -> dict[str, Any]:
        return {"label": self.label, "start_s": round(self.start_s, 3),
                "end_s": round(self.end_s, 3), "params": dict(self.params)}


def build(spec: Iterable[Sequence[Any]], start_s: float = 0.0) -> list[Segment]:
    """Segments from a hand-written list: ("slouch", 90) or ("slouch", 90, {"flex": 25})."""
    out: list[Segment] = []
    t = float(start_s)
    for item in spec:
        if len(item) not in (2, 3):
            raise ValueError("each entry is (label, seconds) or (label, seconds, params): %r" % (item,))
        label, seconds = item[0], float(item[1])
        params = dict(item[2]) if len(item) == 3 else {}
        if label not in LABELS:
            raise ValueError("unknown segment label %r (known: %s)" % (label, ", ".join(LABELS)))
        if not seconds > 0.0:
            raise ValueError("segment %r needs a positive duration, got %r" % (label, seconds))
        out.append(Segment(label, t, t + seconds, params))
        t += seconds
    return out


def check_segments(segments: Sequence[Segment]) -> None:
    """Raise ValueError unless the segments are known, positive and back to back."""
    if not segments:
        raise ValueError("no segments")
    for i, seg in enumerate(segments):
        if seg.label not in LABELS:
            raise ValueError("segment %d: unknown label %r" % (i, seg.label))
        if not seg.end_s > seg.start_s:
            raise ValueError("segment %d (%s): end %.3f is not after start %.3f"
                             % (i, seg.label, seg.end_s, seg.start_s))
        if i and abs(seg.start_s - segments[i - 1].end_s) > 1e-6:
            raise ValueError("segment %d (%s) starts at %.3f, not where the previous ends (%.3f)"
                             % (i, seg.label, seg.start_s, segments[i - 1].end_s))


def sustained_slouches(segments: Sequence[Segment], min_s: float) -> list[Segment]:
    """Slouch segments lasting at least min_s seconds (each must alert once)."""
    return [s for s in segments if s.label == "slouch" and s.duration_s >= min_s]


def quiet_windows(segments: Sequence[Segment], grace_s: float = 3.0) -> list[tuple[float, float, str]]:
    """(start_s, end_s, label) spans where no slouch alert or reminder is allowed.

    Each no-alert segment loses its first grace_s seconds: a posture change
    ramps in at the start of the segment it leads to (e.g. sitting up after a
    slouch), so the detector needs a moment to see it.
    """
    out = []
    for s in segments:
        if s.label in NO_ALERT_LABELS and s.end_s > s.start_s + grace_s:
            out.append((s.start_s + grace_s, s.end_s, s.label))
    return out


def label_at(segments: Sequence[Segment], t_s: float) -> str | None:
    for s in segments:
        if s.start_s <= t_s < s.end_s:
            return s.label
    return None


def segments_to_json(segments: Sequence[Segment]) -> list[dict[str, Any]]:
    return [s.to_json() for s in segments]


def segments_from_json(items: Iterable[dict[str, Any]]) -> list[Segment]:
    out = [Segment(str(d["label"]), float(d["start_s"]), float(d["end_s"]), dict(d.get("params", {})))
           for d in items]
    check_segments(out)
    return out


def load_truth(path: str | Path) -> dict[str, Any]:
    """Read a .truth.json written by Recording.truth_to_json; 'segments' become Segment tuples."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    data["segments"] = segments_from_json(data["segments"])
    return data


class _Day:
    """Appends segments back to back, cutting the last one at the day's end."""

    def __init__(self, total_s: float, rng: np.random.Generator) -> None:
        self.total_s = total_s
        self.rng = rng
        self.t = 0.0
        self.segments: list[Segment] = []

    @property
    def full(self) -> bool:
        return self.t >= self.total_s - 1e-9

    def add(self, label: str, seconds: float, **params: Any) -> None:
        if self.full:
            return
        end = min(self.t + seconds, self.total_s)
        if end - self.t < 1.0 and self.segments:  # a sliver: stretch the previous one instead
            last = self.segments[-1]
            self.segments[-1] = last._replace(end_s=end)
        else:
            clean = {k: (round(float(v), 2) if isinstance(v, (float, np.floating)) else v)
                     for k, v in params.items()}
            self.segments.append(Segment(label, round(self.t, 3), round(end, 3), clean))
        self.t = end

    def u(self, lo: float, hi: float) -> float:
        return float(self.rng.uniform(lo, hi))

    def sign(self) -> float:
        return 1.0 if self.rng.random() < 0.5 else -1.0

    # --- episodes -------------------------------------------------------------
    def upright(self, lo: float, hi: float) -> None:
        params: dict[str, Any] = {"flex": self.u(-3, 3), "wander": self.u(0.3, 1.2)}
        if self.rng.random() < 0.3:
            params["turn_deg"] = self.u(-25, 25)
        self.add("upright", self.u(lo, hi), **params)

    def slouch(self) -> None:
        seconds = math.exp(self.u(math.log(40.0), math.log(900.0)))
        flex = self.u(18, 35)
        self.add("slouch", seconds, flex=flex, lean=self.u(-3, 3),
                 wander=min(self.u(1.0, 4.0), max(0.5, flex - 17.0)), ramp_s=self.u(1.0, 3.0))
        self.upright(30, 180)

    def brief_slouch(self) -> None:
        self.add("brief_slouch", self.u(5, 24), flex=self.u(18, 30), ramp_s=self.u(1.0, 2.0))
        self.upright(20, 90)

    def reach(self) -> None:
        self.add("reach", self.u(2, 10), flex=self.u(20, 45), lean=self.u(-8, 8),
                 turn_deg=self.u(-30, 30), ramp_s=self.u(0.7, 1.2))
        self.upright(10, 60)

    def recline(self) -> None:
        self.add("recline", self.u(30, 300), flex=-self.u(10, 25), wander=self.u(0.5, 2.0),
                 ramp_s=self.u(1.5, 3.0))
        self.upright(20, 90)

    def side_lean(self) -> None:
        self.add("side_lean", self.u(20, 180), lean=self.sign() * self.u(10, 20),
                 flex=self.u(-2, 2), wander=self.u(0.5, 2.0), ramp_s=self.u(1.0, 3.0))
        self.upright(20, 90)

    def walk(self) -> None:
        self.add("transition", self.u(2, 3), kind="stand_up")
        self.add("standing", self.u(10, 60), flex=self.u(0, 4))
        self.add("walking", self.u(120, 600), step_hz=self.u(1.6, 2.0), vert_acc=self.u(2.0, 3.0),
                 flex=self.u(0, 5), turn_deg=self.sign() * 180.0)
        self.add("standing", self.u(5, 30), flex=self.u(0, 4))
        self.add("transition", self.u(2, 3), kind="sit_down")
        self.upright(30, 120)

    def off_body(self) -> None:
        self.add("transition", self.u(3, 6), kind="take_off")
        self.add("off_body", self.u(120, 1200), face="up" if self.rng.random() < 0.7 else "down",
                 yaw_deg=self.u(0, 360), tilt_deg=self.u(0, 4))
        self.add("transition", self.u(3, 6), kind="put_on")
        self.upright(60, 120)

    def lie(self) -> None:
        self.add("transition", self.u(2, 3), kind="stand_up")
        self.add("standing", self.u(5, 15), flex=self.u(0, 4))
        self.add("transition", self.u(3, 5), kind="lie_down")
        self.add("lying", self.u(180, 1200), pose=str(self.rng.choice(LYING_POSES)),
                 flex=self.u(-8, 8), lean=self.u(-8, 8), wander=self.u(0.5, 2.0))
        self.add("transition", self.u(3, 5), kind="get_up")
        self.add("standing", self.u(5, 15), flex=self.u(0, 4))
        self.add("transition", self.u(2, 3), kind="sit_down")
        self.upright(30, 120)


# A very still, slow breather (wearer traits for render): 6 breaths a minute, the trunk
# turning 0.12 degree/s at most (+-0.19 degree). Hard for off-body detection.
STILL_BREATHER = {"breath_deg": 0.19, "breath_hz": 0.1, "fidget_scale": 0.3}
HARD_SUSTAINED_S = 34.0   # hard days' slouches this long must alert (30 s delay, the ramp and a second)


class _HardDay(_Day):
    """Episodes at the edges of what the detector decides (see make_hard_day)."""

    def near_slouch(self) -> None:
        # just over the 15 degree threshold, held 45-120 s: must alert
        self.add("slouch", self.u(45, 120), flex=self.u(16.5, 17.5), wander=0.3, ramp_s=self.u(1.0, 3.0))
        self.upright(30, 90)

    def just_too_short(self) -> None:
        # 25-27 s at a clear slouch: the episode stays under the 30 s delay
        self.add("brief_slouch", self.u(25, 27), flex=self.u(18, 25), ramp_s=self.u(1.0, 1.5))
        self.upright(30, 90)

    def just_long_enough(self) -> None:
        # 34-36 s: the episode outlasts the delay by a few seconds: must alert once
        self.add("slouch", self.u(HARD_SUSTAINED_S, 36), flex=self.u(20, 25), wander=0.5, ramp_s=self.u(1.0, 2.0))
        self.upright(30, 90)

    def walk_bent(self) -> None:
        # slouched, then up and walking bent forward (a trolley, a phone): walking ends the slouch
        self.add("slouch", self.u(40, 60), flex=self.u(20, 28), wander=1.0, ramp_s=self.u(1.0, 2.0))
        self.add("transition", self.u(2, 3), kind="stand_up")
        self.add("walking", self.u(60, 180), step_hz=self.u(1.5, 1.9), vert_acc=self.u(1.8, 2.6),
                 flex=self.u(18, 30))
        self.add("standing", self.u(5, 15), flex=self.u(0, 4))
        self.add("transition", self.u(2, 3), kind="sit_down")
        self.upright(30, 90)

    def desk_propped(self) -> None:
        # put down standing at a slouch-like tilt: only the noise floor moves it
        self.add("transition", self.u(3, 6), kind="take_off")
        self.add("off_body", self.u(90, 300), face="propped", flex=self.u(20, 30), lean=self.u(-5, 5))
        self.add("transition", self.u(3, 6), kind="put_on")
        self.upright(60, 120)

    def rewear_slouched(self) -> None:
        # off, then clipped on again turned within the back's plane, while slumped
        self.add("transition", self.u(3, 6), kind="take_off")
        self.add("off_body", self.u(90, 300), face="up" if self.rng.random() < 0.5 else "down",
                 yaw_deg=self.u(0, 360), tilt_deg=self.u(0, 4), remount={"spin_deg": round(self.u(0, 360), 1)})
        self.add("transition", self.u(3, 6), kind="put_on")
        self.add("slouch", self.u(60, 150), flex=self.u(20, 28), wander=0.5, ramp_s=1.0)
        self.upright(60, 120)
        self.near_slouch()


def make_hard_day(hours: float, seed: int) -> list[Segment]:
    """A harder day: slouches just over the angle threshold (16.5-17.5 degrees), slouches
    just shorter (25-27 s) and just longer (34-36 s) than the 30 s delay, walking bent
    forward straight out of a slouch, the clip put down propped at 20-30 degrees (a slouch's
    tilt, no breathing), and re-worn at another rotation while slumped. Render it with
    wearer=STILL_BREATHER for the hardest wearer."""
    total = float(hours) * 3600.0
    if not total >= 60.0:
        raise ValueError("a day needs at least one minute, got %r hours" % (hours,))
    rng = np.random.default_rng([int(seed), 8])
    day = _HardDay(total, rng)
    day.add("upright", day.u(CALIBRATION_S + 5.0, 45.0), flex=0.0, calibration=True)
    episodes = (day.near_slouch, day.just_too_short, day.just_long_enough, day.walk_bent,
                day.desk_propped, day.rewear_slouched)
    while not day.full:
        for i in rng.permutation(len(episodes)):
            episodes[int(i)]()
    return day.segments


def make_day(hours: float, seed: int) -> list[Segment]:
    """A desk-work day: calibration, then mostly upright work with slouches of
    varied length, brief slouches, reaches, recline and side lean, a walk every
    one to two hours, and now and then the clip off on a desk or a lie-down."""
    total = float(hours) * 3600.0
    if not total >= 60.0:
        raise ValueError("a day needs at least one minute, got %r hours" % (hours,))
    rng = np.random.default_rng([int(seed), 7])
    day = _Day(total, rng)
    day.add("upright", day.u(CALIBRATION_S + 5.0, 45.0), flex=0.0, calibration=True)
    next_walk = day.u(45, 110) * 60.0
    next_off = day.u(60, 180) * 60.0
    next_lie = day.u(120, 360) * 60.0
    episodes: tuple[Callable[[], None], ...] = (
        lambda: day.upright(60, 600), day.slouch, day.brief_slouch, day.reach, day.recline, day.side_lean)
    weights = np.array([0.42, 0.2, 0.13, 0.13, 0.06, 0.06])
    while not day.full:
        if day.t >= next_walk:
            day.walk()
            next_walk = day.t + day.u(60, 120) * 60.0
        elif day.t >= next_off:
            day.off_body()
            next_off = day.t + day.u(120, 240) * 60.0
        elif day.t >= next_lie:
            day.lie()
            next_lie = day.t + day.u(240, 480) * 60.0
        else:
            episodes[int(rng.choice(len(episodes), p=weights))]()
    return day.segments
