"""`posture report`: write an offline HTML page with plots, the summary and the suggestions."""

from __future__ import annotations

import argparse
import webbrowser

from host.commands import options

NAME = "report"
HELP = "Write a self-contained HTML report (plots, summary, suggestions) that works offline."


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", metavar="DIR", default="out",
                   help="directory for posture-report.html (default: ./out)")
    options.add_days(p)
    p.add_argument("--open", action="store_true", help="open the page in the web browser")
    options.add_db(p)


def run(args: argparse.Namespace) -> int:
    from host.readdb import reading, require_data
    from host.report import write_report

    options.check_days(args.days)
    with reading(args.db) as conn:
        require_data(conn)
        path = write_report(conn, args.out, args.days)
    print(path)
    if args.open:
        webbrowser.open(path.as_uri())
    return 0
