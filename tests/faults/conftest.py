"""The fault tier counts the cases each test ran (cuts tried, lines sent, ...) and prints them
after the run, for the README's table of faults tried."""

from __future__ import annotations

from collections import defaultdict

import pytest

_COUNTS: dict[str, int] = defaultdict(int)


@pytest.fixture
def cases(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    """cases(n): add n fault cases to this test's count (by test function, over its parameters)."""
    name = request.node.originalname or request.node.name

    def add(n: int = 1) -> None:
        _COUNTS[name] += n
    return add


def pytest_terminal_summary(terminalreporter, exitstatus, config):  # type: ignore[no-untyped-def]
    if _COUNTS:
        terminalreporter.write_sep("-", "fault cases run")
        for name in sorted(_COUNTS):
            terminalreporter.write_line("%7d  %s" % (_COUNTS[name], name))
