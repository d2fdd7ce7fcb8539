"""Terminal rendering of a plan made by host.suggest.plan_from_summary."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.panel import Panel


def _exercise(console: Console, ex: dict[str, Any]) -> None:
    console.print("  [bold]%s[/bold] — %s  [dim](%s)[/dim]" % (
        escape(ex["name"]), escape(ex["dose"]), escape(", ".join(ex["targets"]))))
    for i, step in enumerate(ex["steps"], 1):
        console.print("     %d. %s" % (i, escape(step)))
    console.print("     [dim]Take care: %s[/dim]" % escape(ex["avoid"]))


def render(plan: dict[str, Any], console: Console) -> None:
    p = plan["period"]
    span = p["first_day"] if p["first_day"] == p["last_day"] else "%s to %s" % (p["first_day"], p["last_day"])
    console.print("[bold]Your posture plan[/bold] from %s" % span)
    console.print()
    for line in plan.get("progress") or []:
        console.print(escape(line))
    if plan.get("training"):
        console.print("[bold]Training plan[/bold]: %s" % escape(plan["training"]["text"]))
    console.print(Panel("\n".join("• " + escape(x) for x in plan["precautions"]),
                        title="Before you start", title_align="left", border_style="yellow"))
    console.print()
    console.print("[bold]What the clip saw[/bold]")
    for f in plan["findings"]:
        console.print(" • [bold]%s[/bold]: %s" % (escape(f["title"]), escape(f["reason"])))
    for n in plan["notes"]:
        console.print(" • %s" % escape(n))
    if plan["daily"]:
        console.print()
        console.print("[bold]Stretch and move: %s[/bold]" % plan["daily_frequency"])
        for ex in plan["daily"]:
            _exercise(console, ex)
    if plan["strength"]:
        console.print()
        console.print("[bold]Strengthen: %s[/bold]" % plan["strength_frequency"])
        for ex in plan["strength"]:
            _exercise(console, ex)
    if plan["break_routine"]:
        console.print()
        console.print("[bold]Break routine[/bold]: %s" % escape(plan["break_routine"]))
    if plan["settings"]:
        console.print()
        console.print("[bold]Clip settings to try[/bold] (with the clip plugged in, run the command)")
        for s in plan["settings"]:
            console.print("  posture config %s %s   [dim]%s[/dim]" % (s["key"], s["value"],
                                                                    escape(s["reason"])))
    if plan["desk_tips"]:
        console.print()
        console.print("[bold]At the desk[/bold]")
        for t in plan["desk_tips"]:
            console.print(" • %s" % escape(t))

