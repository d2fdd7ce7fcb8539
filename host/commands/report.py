"""`posture report`: write an offline HTML page with plots, the summary and the suggestions."""

from __future__ import annotations

import argparse
import webbrowser

from host.errors import PostureError
from host.readdb import reading, require_data
from host.report import write_report

NAME = "report"
HELP = "Write a self-contained HTML report (plots, summary, suggestions) that works offline."


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", metavar="DIR", default="out",
                   help="directory for posture-report.html (default: ./out)")
    p.add_argument("--days", type=int, default=7, metavar="N",
                   help="the N days ending with the latest day with data (default 7)")
    p.add_argument("--open", action="store_true", help="open the page in the web browser")
    p.add_argument("--db", metavar="FILE", help="the database (default: where `posture sync` writes)")


def run(args: argparse.Namespace) -> int:
    if args.days < 1:
        raise PostureError("--days must be at least 1")
    with reading(args.db) as conn:
        require_data(conn)
        path = write_report(conn, args.out, args.days)
    print(path)
    if args.open:
        webbrowser.open(path.as_uri())
    return 0
