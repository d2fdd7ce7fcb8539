"""`posture demo`: a simulated working day through the real firmware, synced, summarised and reported."""

from __future__ import annotations

import argparse
import io
import json
import sys
from pathlib import Path

from host.commands import options

NAME = "demo"
HELP = "Run a simulated wearer's working day through the real firmware, sync it, and report (no hardware)."


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", metavar="DIR", default="out/demo",
                   help="where the clip's flash, the database and the report go (default: out/demo)")
    p.add_argument("--hours", type=float, default=8.0, help="length of the working day (default 8)")
    p.add_argument("--seed", type=int, default=7, help="which simulated wearer and day (default 7)")
    p.add_argument("--mount", choices=("nominal", "rotated"), default="rotated",
                   help="how the clip is clipped on (default: rotated, at an odd angle)")
    options.add_json(p, "only the figures")


def run(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from host.demo import run_demo, show_results

    out = Path(args.out)
    console = Console(stderr=args.json)
    if args.json:
        figures = run_demo(out, args.hours, args.seed, args.mount, console)
        figures["report"] = str(show_results(Path(figures["db"]), out, Console(file=io.StringIO())))
        sys.stdout.write(json.dumps(figures) + "\n")
        return 0
    console.rule("[bold]Posture clip demo")
    console.print(f"A simulated wearer sits through a {args.hours:g}-hour working day wearing the clip "
                  f"({args.mount} mount). The clip's real firmware runs on a simulated board; "
                  "its log is then synced over a pseudo-terminal into a fresh database.\n")
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
                  console=console, transient=False) as progress:
        figures = run_demo(out, args.hours, args.seed, args.mount, console, progress)
    console.print(f"The clip vibrated {figures['vibrations']} times; sync brought "
                  f"{figures['new_minutes']} minute summaries and {figures['new_events']} events "
                  f"from {figures['device_id']} over {figures['port']} into {figures['db']} "
                  f"({figures['seconds']} s).\n")
    report = show_results(Path(figures["db"]), out, console)
    console.print(f"\n[bold]Report:[/bold] {report}")
    return 0
