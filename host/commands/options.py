"""Options several `posture` commands share, declared once so their names, defaults and help
read the same everywhere. Also the one place that turns --port/--timeout into an open clip.

Kept light: importing this module loads no serial, SQLite, numpy or rich code, so
`posture --help` and `posture devices` start fast (bench/startup.py).
"""

from __future__ import annotations

import argparse
from contextlib import contextmanager
from typing import TYPE_CHECKING, Iterator

from host.errors import PostureError

if TYPE_CHECKING:
    from host.client import Clip

DEFAULT_TIMEOUT = 3.0  # seconds to wait for each reply (host/transport.py's default)
MAX_TIMEOUT = 600.0
DEFAULT_DAYS = 7


def add_db(p: argparse.ArgumentParser, writes: bool = False) -> None:
    """--db FILE: the database a command reads, or (writes=True) adds to."""
    from host.db import default_path

    p.add_argument("--db", metavar="FILE", help="the database file (default: %s%s)"
                   % (str(default_path()).replace("%", "%%"), ", created if missing" if writes else ""))


def add_json(p: argparse.ArgumentParser, what: str = "the result") -> None:
    """--json: machine-readable output instead of text."""
    p.add_argument("--json", action="store_true", help="print %s as JSON" % what)


def add_days(p: argparse.ArgumentParser) -> None:
    """--days N: a span ending with the latest day that holds records."""
    p.add_argument("--days", type=int, default=DEFAULT_DAYS, metavar="N",
                   help="the N days ending with the latest day with data (default %d)" % DEFAULT_DAYS)


def check_days(days: int) -> int:
    if days < 1:
        raise PostureError("--days must be at least 1")
    return days


def add_port(p: argparse.ArgumentParser) -> None:
    """--port and --timeout, for the commands that talk to a clip."""
    p.add_argument("--port", metavar="PORT",
                   help="serial port of the clip's data channel (default: the one connected clip)")
    p.add_argument("--timeout", metavar="S", type=float, default=DEFAULT_TIMEOUT,
                   help="seconds to wait for each reply (default %g)" % DEFAULT_TIMEOUT)


def open_link(port: str | None, timeout: float = DEFAULT_TIMEOUT):  # type: ignore[no-untyped-def]
    """The serial link to the clip --port names (or the one connected clip)."""
    from host.devices import pick_port
    from host.transport import Transport

    if timeout <= 0 or timeout > MAX_TIMEOUT:
        raise PostureError("--timeout must be between 0 and %g seconds" % MAX_TIMEOUT)
    return Transport(pick_port(port), timeout=timeout)


@contextmanager
def open_clip(args: argparse.Namespace) -> Iterator["Clip"]:
    """The protocol client (host/client.py) of the clip named by --port/--timeout; closed after."""
    from host.client import Clip

    with open_link(args.port, args.timeout) as link:
        yield Clip(link)
