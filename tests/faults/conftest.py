"""The fault tier counts the cases each test ran and prints them after the run, for the
README's table of faults tried: a test's parametrized runs, or what it reports through the
`cases` fixture (cuts tried, hypothesis examples, faults injected)."""

from __future__ import annotations

from collections import defaultdict

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
