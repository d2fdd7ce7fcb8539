"""The chaos tier (issue 11): whole simulated wear days on the real boot.py/code.py under random
schedules of IMU dropouts (10 ms to 30 s), IMU resets with and without failed transactions,
bus errors, frozen and all-zero outputs, settings changed over the protocol (good and bad),
power cuts, syncs cut at any reply line (and inside lines), a full or read-only flash, and the
clip re-worn at another mount. The invariants and exactly what counts for each are in
tests/faults/chaos.py; a failure prints the day, the schedule and every invariant broken.

Hypothesis draws the schedules with the `chaos` profile (tests/faults/conftest.py): derandomized
under CI, so a red run reproduces; no shrinking, because every example is a simulated day of
several seconds and the printed schedule is already the reproduction (`make soak` runs many
more, longer days).
"""

from __future__ import annotations

import errno
import math
import random

from hypothesis import example, given, settings as hsettings, strategies as st

from .chaos import GOOD_SETS, REFUSED_SETS, Fault, chaos_day, random_schedule, run_schedule

AT = st.floats(0.0, 0.999)

# dropouts log-uniform over 10 ms .. 30 s, with the lengths the issue found blinding the clip
DROPOUT_S = st.one_of(st.sampled_from([0.01, 0.04, 0.1, 0.18, 1.5]),
                      st.floats(math.log(0.01), math.log(30.0)).map(math.exp))

FAULT = st.one_of(
    st.builds(Fault, at=AT, kind=st.just("dropout"), arg=DROPOUT_S),
    st.builds(Fault, at=AT, kind=st.just("reset")),
    st.builds(Fault, at=AT, kind=st.just("reset_err"), arg=st.integers(5, 400)),
    st.builds(Fault, at=AT, kind=st.just("bus_errors"), arg=st.integers(1, 15),
              arg2=st.sampled_from([errno.EIO, errno.ETIMEDOUT])),
    st.builds(Fault, at=AT, kind=st.sampled_from(["freeze", "zero"]), arg=st.floats(0.5, 20.0)),
    st.builds(Fault, at=AT, kind=st.just("set"), good=st.just(True),
              arg=st.integers(0, len(GOOD_SETS) - 1)),
    st.builds(Fault, at=AT, kind=st.just("set"), good=st.just(False),
              arg=st.integers(0, len(REFUSED_SETS) - 1)),
    st.builds(Fault, at=AT, kind=st.just("power_cut"), readonly_boot=st.booleans()),
    st.builds(Fault, at=AT, kind=st.just("calibrate"), arg=st.integers(0, 1)),
    st.builds(Fault, at=AT, kind=st.just("sync"), cut=st.one_of(st.none(), st.integers(0, 40)),
              mid=st.booleans(), chunk=st.sampled_from([7, 50, 1000])),
    st.builds(Fault, at=AT, kind=st.just("full"), arg=st.floats(30.0, 900.0)),
    st.builds(Fault, at=AT, kind=st.just("readonly")),
)
SCHEDULE = st.lists(FAULT, min_size=2, max_size=14)
DAY = st.tuples(st.integers(0, 10_000), st.sampled_from([0.75, 1.0, 1.25]),
                st.one_of(st.none(), st.floats(30.0, 330.0)))


def check(day_args: tuple, schedule: list[Fault], cases) -> None:  # type: ignore[no-untyped-def]
    day = chaos_day(*day_args)
    result = run_schedule(day, schedule)
    cases(sum(result.applied.values()))
    assert not result.problems, "%s\n%s" % (result.summary(), "\n".join(" - " + p for p in result.problems))


@hsettings(hsettings.get_profile("chaos"), max_examples=16)
@given(day_args=DAY, schedule=SCHEDULE)
# the issue's own finding 4: a sync cut right after TIME, then a power cut within the flush interval
@example(day_args=(5, 0.75, None), schedule=[Fault(0.40, "sync", cut=2), Fault(0.41, "power_cut")])
# finding 1: short dropouts and a silent reset, with a slouch to catch after each
@example(day_args=(2, 1.0, None), schedule=[Fault(0.05, "dropout", 0.04), Fault(0.10, "dropout", 0.1),
                                            Fault(0.15, "reset"), Fault(0.52, "dropout", 0.01)])
# finding 2: a calibration asked for (button, then CALIBRATE) while the chip reads zeros
@example(day_args=(4, 0.75, None), schedule=[Fault(0.30, "zero", 8.0), Fault(0.30, "calibrate", 0),
                                             Fault(0.60, "reset"), Fault(0.60, "calibrate", 1)])
# the laptop takes the drive mid-day, a sync takes RAM records, then the power goes
@example(day_args=(7, 0.75, None), schedule=[Fault(0.30, "readonly"), Fault(0.45, "sync", cut=None),
                                             Fault(0.50, "power_cut"), Fault(0.9, "sync", cut=None)])
def test_random_fault_schedules_keep_every_invariant(day_args: tuple, schedule: list[Fault], cases) -> None:
    check(day_args, schedule, cases)


def test_rewear_at_another_mount_on_a_clean_day(cases) -> None:
    """Re-wear alone: the clip taken off, left on the desk, put back on turned 231 degrees about
    its face-out axis; it must take the new mount and judge the rest of the day by it."""
    check((3, 2.0, 231.0), [], cases)


def test_a_whole_day_under_a_dense_schedule(cases) -> None:
    """A whole 8-hour day with a fault about every ten minutes (a fixed seed: the same
    schedule every run)."""
    schedule = random_schedule(random.Random(11), 48)
    check((21, 8.0, 150.0), schedule, cases)
