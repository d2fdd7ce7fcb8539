"""The demo's wearer over weeks: a desk day each day, the clip's buzz answered, a habit learned.

`posture demo` (host/demo.py) feeds what this wearer does, sample by sample, to the clip's
real firmware objects, and the firmware's motor tells the wearer when it buzzes (a closed
loop). The model is small on purpose; every figure is a constant below.

The day. Each day is a fresh desk-work day from host/sim/scenario.py `make_day` (its own
seed): calibration, upright work, slouches of 40 s to 15 min, brief slouches, reaches,
recline, side lean, walks, the clip now and then off on the desk.

Answering the buzz. When the clip's motor plays the slouch alert or the reminder while the
wearer is in a slouch segment, the wearer sits up after a reaction time drawn from a
log-normal distribution (median REACTION_MEDIAN_S, 90 % of answers within about 3-12 s),
unless the buzz is missed (IGNORE_P: on the phone, deep in thought); a missed buzz can still
be answered at the next reminder. Sitting up ends the slouch: the rest of that segment is
sat upright (rendered with the renderer's usual ramp). A buzz in any other posture changes
nothing. In tracking mode (the day's training budget used up) the clip logs alerts without
buzzing, so nothing is answered and the slouch runs its scripted length.

Learning. The wearer catches some slouches before they set in: each scripted slouch is sat
upright instead with probability `habit`. The habit starts at HABIT_START and grows only
with training: each minute sat while the clip trains (a wearer who knows the clip will buzz
minds the posture) closes LEARN_PER_TRAIN_MIN of the gap to HABIT_MAX, and each answered
buzz LEARN_PER_ANSWER of it (so the first days teach the most per minute, and a wearer the
clip only tracks learns nothing). It is updated each evening, so what a day taught shows
from the next morning. More training minutes (the plan advancing) mean faster learning, and
fewer slouches mean fewer alerts: the alerts per day fall as the plan and the habit grow.

No lie-downs. scenario.make_day lies the wearer down now and then (3-20 min); the demo's
office wearer takes a walk instead (same span, from the lie-down to getting up). Reason:
the firmware reads a still wearer lying on a side as off the body after about 2 minutes and
on getting up takes a re-wear frame that can be far off, after which upright sitting reads
as a slouch for the rest of the day (seen with `posture replay` on the full renderer too;
reported, not the demo's to fix). The demo's figures are checked against its truth.

How the samples are made. The day is rendered by host/sim/wearer.py `render` in chunks that
end with a slouch (only a slouch can be cut short), each with the end of the segment before
it (so the ramp into the chunk is the renderer's own) and the start of the one after it (a
transition's target). The clip (its IMU) is the same all along: one accelerometer and gyro
bias for every day, white noise as the renderer's. Each morning the clip is clipped on anew
(a slightly different mount each day).
"""

from __future__ import annotations

import math
from typing import Any, Callable, Iterator

import numpy as np

from firmware.haptics import SLOUCH_ALERT, SLOUCH_REMINDER
from host.sim import scenario, wearer as wr
from host.sim.scenario import Segment

RATE_HZ = 26.0              # the clip samples at its 26 Hz data rate (firmware/sensor.py)
REACTION_MEDIAN_S = 6.0     # from the buzz to sitting up (median)
REACTION_SIGMA = 0.45       # log-normal spread: 90 % of answers within 0.48x-2.1x the median
REACTION_MIN_S, REACTION_MAX_S = 2.0, 25.0
IGNORE_P = 0.10             # a buzz missed altogether
HABIT_START = 0.1           # share of slouches caught before they set in, on day 1
HABIT_MAX = 0.6             # at best the wearer catches 60 % of them unaided
LEARN_PER_TRAIN_MIN = 0.004  # each minute sat in training mode closes this share of the gap...
LEARN_PER_ANSWER = 0.05     # ... and each answered buzz this share
CONTEXT_S = 5.0             # of the segment before a chunk, rendered for the ramp into it
LOOKAHEAD_S = 1.0           # of the segment after a chunk (a transition's target)
MIN_CUT_S = 1.0             # a sit-up this close to the slouch's scripted end changes nothing
EVENING_S = 1200.0          # the clip lies on the desk this long in the evening (the sync)

ALERT_PATTERNS = (SLOUCH_ALERT, SLOUCH_REMINDER)   # the buzzes a slouched wearer answers


def grid_up(t: float, rate: float = RATE_HZ) -> float:
    """The first sample time at or after t (samples fall on k / rate all day)."""
    return math.ceil(t * rate - 1e-6) / rate


class Wearer:
    """One person across the demo's days: traits, the clip's IMU biases and the habit."""

    def __init__(self, seed: int) -> None:
        self.seed = int(seed)
        self.traits = wr.make_wearer(self.seed)
        rng = np.random.default_rng([self.seed, 31])
        self.accel_bias = rng.uniform(-wr.ACCEL_BIAS_MAX, wr.ACCEL_BIAS_MAX, 3)
        self.gyro_bias = rng.uniform(-wr.GYRO_BIAS_MAX, wr.GYRO_BIAS_MAX, 3)
        self.habit = HABIT_START
        self.rng = np.random.default_rng([self.seed, 32])

    def day_script(self, day: int, hours: float) -> tuple[list[Segment], int]:
        """The day's segments with today's habit applied, and how many slouches it caught."""
        segments = no_lying(scenario.make_day(hours, self.seed * 1000 + day))
        rng = np.random.default_rng([self.seed, 33, day])
        caught = 0
        out = []
        for seg in segments:
            if seg.label == "slouch" and rng.random() < self.habit:
                caught += 1
                seg = Segment("upright", seg.start_s, seg.end_s,
                              {"flex": round(float(rng.uniform(-3, 3)), 2),
                               "wander": round(float(rng.uniform(0.3, 1.2)), 2), "caught": True})
            out.append(seg)
        return out, caught

    def reaction_s(self) -> float | None:
        """Seconds from a buzz to sitting up, or None when the buzz is missed."""
        if self.rng.random() < IGNORE_P:
            return None
        t = REACTION_MEDIAN_S * math.exp(self.rng.normal(0.0, REACTION_SIGMA))
        return min(REACTION_MAX_S, max(REACTION_MIN_S, t))

    def learn(self, trained_min: float, answered: int) -> float:
        """The evening's update from the minutes trained and the buzzes answered; the new habit."""
        keep = (1.0 - LEARN_PER_TRAIN_MIN) ** trained_min * (1.0 - LEARN_PER_ANSWER) ** answered
        self.habit = HABIT_MAX - (HABIT_MAX - self.habit) * keep
        return self.habit


def render_chunk(piece: list[Segment], seeds: list[int], mount: wr.Mount, traits: dict[str, float],
                 accel_bias: np.ndarray, gyro_bias: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sample times and (n, 6) accel and gyro of a piece of the day. Sensor noise is the
    renderer's figure; the biases are the clip's, the same every day."""
    rng = np.random.default_rng(seeds)
    rec = wr.render(piece, rate_hz=RATE_HZ, mount=mount, noise=False, seed=int(rng.integers(1 << 30)),
                    wearer=traits)
    n = len(rec.t_s)
    data = np.empty((n, 6))
    data[:, :3] = rec.accel + accel_bias + rng.normal(0.0, wr.ACCEL_NOISE, (n, 3))
    data[:, 3:] = rec.gyro + gyro_bias + rng.normal(0.0, wr.GYRO_NOISE, (n, 3))
    return rec.t_s, data


def no_lying(segments: list[Segment]) -> list[Segment]:
    """The lie-downs (lie_down transition, lying, get_up transition) as one walk."""
    out: list[Segment] = []
    i = 0
    while i < len(segments):
        s = segments[i]
        if s.label == "transition" and s.params.get("kind") == "lie_down":
            k = i + 1           # the lying and the getting up (the day may end before either)
            while k < len(segments) and (segments[k].label == "lying" or segments[k].params.get("kind") == "get_up"):
                k += 1
            out.append(Segment("walking", s.start_s, segments[k - 1].end_s,
                               {"step_hz": 1.8, "vert_acc": 2.4, "flex": 2.0}))
            i = k
            continue
        out.append(s)
        i += 1
    return out


def evening() -> list[tuple[str, float, dict[str, Any]]]:
    """After work the clip is taken off and lies on the desk by the laptop for the sync."""
    return [("transition", 4.0, {"kind": "take_off"}),
            ("off_body", EVENING_S, {"face": "up", "yaw_deg": 30.0, "tilt_deg": 1.0})]


class LiveDay:
    """The day as lived: `samples()` yields (t_s, ax, ay, az, gx, gy, gz) at RATE_HZ; `buzz(t, pattern)`
    (the clip's motor) may make the wearer sit up, which rewrites the segments from then on.

    `segments` is the truth of what the wearer did (cut slouches and all) and `day_end_s`
    where the working day ends (the evening on the desk follows it).
    """

    def __init__(self, wearer: Wearer, day: int, hours: float, mount: str = "rotated",
                 on_answer: Callable[[float, float], None] | None = None) -> None:
        self.wearer = wearer
        self.day = day
        script, self.caught = wearer.day_script(day, hours) if hours > 0 else ([], 0)
        self.day_end_s = script[-1].end_s if script else 0.0
        self.segments = script + scenario.build(evening(), start_s=self.day_end_s)
        self.mount = wr.make_mount(mount, wearer.seed * 1000 + day)
        self.buzzes = 0            # slouch alerts and reminders the motor played
        self.answered = 0          # ... that the wearer sat up for
        self.missed = 0            # ... that the wearer missed
        self.responses: list[float] = []   # seconds from the answered buzz to the sit-up
        self.on_answer = on_answer
        self._sit_up_at: float | None = None
        self._buzz_at = 0.0
        self._slouch: Segment | None = None   # the slouch segment being rendered, if any

    # -- the clip's motor
    def buzz(self, t_s: float, pattern: Any) -> None:
        if pattern not in ALERT_PATTERNS:
            return
        self.buzzes += 1
        s = self._slouch
        if s is None or not s.start_s <= t_s < s.end_s or self._sit_up_at is not None:
            return
        react = self.wearer.reaction_s()
        if react is None:
            self.missed += 1
            return
        at = grid_up(t_s + react)
        if at < s.end_s - MIN_CUT_S:
            self._sit_up_at = at
            self._buzz_at = t_s

    # -- rendering
    def _piece(self, first: int, last: int) -> list[Segment]:
        """Segments first..last with the end of the one before (the ramp into them) and the
        start of the one after (a transition's target), starting on the sample grid."""
        segs = self.segments
        piece = []
        if first > 0:
            prev = segs[first - 1]
            c0 = grid_up(max(prev.start_s, segs[first].start_s - CONTEXT_S))
            if c0 < prev.end_s - 1e-6:
                piece.append(prev._replace(start_s=c0))
        if not piece:
            piece.append(segs[first]._replace(start_s=grid_up(segs[first].start_s)))
            piece += segs[first + 1:last + 1]
        else:
            piece += segs[first:last + 1]
        if last + 1 < len(segs):
            nxt = segs[last + 1]
            piece.append(nxt._replace(end_s=min(nxt.end_s, nxt.start_s + LOOKAHEAD_S)))
        return piece

    def _job(self, first: int, last: int) -> tuple[Any, ...]:
        """render_chunk's arguments; the seeds depend only on where the chunk starts and
        whether it follows a sit-up."""
        w = self.wearer
        key = int(round(self.segments[first].start_s * 1000))
        after_cut = bool(self.segments[first].params.get("answered"))
        seeds = [w.seed, 36, self.day, key, int(after_cut)]
        return (self._piece(first, last), seeds, self.mount, w.traits, w.accel_bias, w.gyro_bias)

    def samples(self) -> Iterator[tuple[float, float, float, float, float, float, float]]:
        """The day's samples, chunk by chunk; a chunk that follows a slouch cut short starts
        with the sit-up (its ramp is the renderer's, from the slouched pose)."""
        segs = self.segments
        i = 0
        while i < len(segs):
            j = i
            while j < len(segs) - 1 and segs[j].label != "slouch":
                j += 1
            self._slouch = segs[j] if segs[j].label == "slouch" else None
            t, data = render_chunk(*self._job(i, j))
            lo, hi = segs[i].start_s - 1e-6, segs[j].end_s - 1e-6
            k0, k1 = int(np.searchsorted(t, lo)), int(np.searchsorted(t, hi))
            cut = False
            cols = data[k0:k1].T.tolist()
            for row in zip(t[k0:k1].tolist(), *cols):
                up = self._sit_up_at
                if up is not None and row[0] >= up - 1e-6:
                    cut = True
                    break
                yield row
            if cut:
                up = self._sit_up_at
                assert up is not None
                self._sit_up_at = None
                s = segs[j]
                rng = np.random.default_rng([self.wearer.seed, 35, self.day, j])
                segs[j] = s._replace(end_s=up)
                segs.insert(j + 1, Segment("upright", up, s.end_s, {
                    "flex": round(float(rng.uniform(-3, 3)), 2),
                    "wander": round(float(rng.uniform(0.3, 1.2)), 2), "answered": True}))
                self.answered += 1
                self.responses.append(up - self._buzz_at)
                if self.on_answer is not None:
                    self.on_answer(self._buzz_at, up)
            i = j + 1
        self._slouch = None

    def truth(self) -> list[Segment]:
        """The working day's segments as lived (the evening on the desk left out)."""
        return [s for s in self.segments if s.end_s <= self.day_end_s + 1e-6]
