"""The fault tier counts the cases each test ran and prints them after the run, for the
README's table of faults tried: a test's parametrized runs, or what it reports through the
`cases` fixture (cuts tried, hypothesis examples, faults injected)."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest

_RUNS: dict[str, int] = defaultdict(int)
_CASES: dict[str, int] = defaultdict(int)


def _name(item: pytest.Item) -> str:
    return "%s::%s" % (item.path.name, getattr(item, "originalname", None) or item.name)


@pytest.fixture
def cases(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    """cases(n): add n fault cases to this test's count (summed over its parameters)."""
    name = _name(request.node)

    def add(n: int = 1) -> None:
        _CASES[name] += n
    return add


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):  # type: ignore[no-untyped-def]
    outcome = yield
    report = outcome.get_result()
    if report.when == "call" and report.passed:
        _RUNS[_name(item)] += 1


def pytest_terminal_summary(terminalreporter, exitstatus, config):  # type: ignore[no-untyped-def]
    if not _RUNS:
        return
    terminalreporter.write_sep("-", "fault cases run (passed)")
    for name in sorted(_RUNS):
        terminalreporter.write_line("%7d  %s" % (_CASES.get(name) or _RUNS[name], name))


@pytest.fixture(scope="module")
def day_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A day's log folder as the simulated clip writes it (test_host_faults.py,
    test_sync_power_cut.py)."""
    from host.sim.ptydevice import prefill

    from .helpers import START

    root = tmp_path_factory.mktemp("day")
    prefill(str(root / "log"), 1, start_unix=START)
    return root / "log"


# The chaos tier's hypothesis profile (tests/faults/test_chaos.py): derandomized under CI so a
# red run reproduces, no deadline, no shrinking (each example is a whole simulated day; the
# failure message prints the schedule, which is the reproduction).
def _chaos_profile() -> None:
    import os

    from hypothesis import HealthCheck, Phase, settings

    settings.register_profile(
        "chaos", deadline=None, print_blob=True, derandomize=bool(os.environ.get("CI")),
        phases=[Phase.explicit, Phase.reuse, Phase.generate],
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                               HealthCheck.data_too_large])


_chaos_profile()
