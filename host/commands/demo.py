"""`posture demo`: weeks of a simulated wearer through the real firmware, synced each evening,
the training plan applied, then summarised and reported."""

from __future__ import annotations

import argparse
import io
import json
import sys
from pathlib import Path

from host.commands import options

NAME = "demo"
HELP = ("Run simulated days of wear (14 by default) through the clip's real firmware, sync each "
        "evening, apply the training plan, and report (no hardware).")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", metavar="DIR", default="out/demo",
                   help="where the clip's flash, the database and the report go (default: out/demo)")
    p.add_argument("--days", type=int, default=14, metavar="N",
                   help="simulated days, ending today (or yesterday when today's is not over yet) (default 14)")
    p.add_argument("--hours", type=float, default=8.0, help="length of each working day (default 8)")
    p.add_argument("--seed", type=int, default=7, help="which simulated wearer and days (default 7)")
    p.add_argument("--mount", choices=("nominal", "rotated"), default="rotated",
                   help="how the clip is clipped on (default: rotated, at an odd angle)")
    options.add_json(p, "only the figures")


def _day_line(d: dict) -> str:
    plan = d["plan"]
    budget = "all day" if not d["train_min"] else f"{d['train_min']} min"
    answer = "" if d["median_answer_s"] is None else f", sat up after {d['median_answer_s']:g} s (median)"
    t = d["truth"]
    up = 100 * t["upright_min"] / max(1e-9, t["upright_min"] + t["slouch_min"])
    return (f"day {d['day']:>2} {d['date']}: training {budget}; {d['slouch_alerts']} slouch alerts, "
            f"{d['answered']} of {d['buzzes']} buzzes answered{answer}; upright {up:.0f} % of seated "
            f"time. Sync: {plan['message']}")


def run(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from host.demo import run_demo, show_results

    out = Path(args.out)
    console = Console(stderr=args.json)
    if args.json:
        figures = run_demo(out, args.days, args.hours, args.seed, args.mount)
        figures["report"] = str(show_results(Path(figures["db"]), out, args.days, Console(file=io.StringIO())))
        sys.stdout.write(json.dumps(figures) + "\n")
        return 0
    console.rule("[bold]Posture clip demo")
    console.print(f"A simulated wearer wears the clip for {args.days} working "
                  f"day{'s' if args.days != 1 else ''} of {args.hours:g} hours ({args.mount} mount). "
                  "The clip's real firmware (detector, training budget, log, protocol) runs on each "
                  "day's samples; when it buzzes the wearer sits up after a reaction time, and "
                  "learns a little from every buzz answered (host/sim/behaviour.py). Each evening "
                  "the laptop's real sync copies the day into a fresh database and sets the "
                  "training plan on the clip.\n")
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
                  console=console, transient=False) as progress:
        figures = run_demo(out, args.days, args.hours, args.seed, args.mount, progress)
    console.print(f"Setting up (the evening before day 1): {figures['setup_plan']}")
    for d in figures["days"]:
        console.print(_day_line(d), highlight=False)
    console.print(f"\n{args.days} simulated day{'s' if args.days != 1 else ''} in "
                  f"{figures['seconds']} s; database {figures['db']}.\n")
    report = show_results(Path(figures["db"]), out, args.days, console)
    console.print(f"\n[bold]Report:[/bold] {report}")
    console.print("\n[bold]Next commands[/bold] (from this folder; the demo's database is not "
                  "your own, so each names it with --db):")
    for line in figures["next"]:
        console.print("  " + line, highlight=False, markup=False)
    return 0
