"""One module per `posture` subcommand. Each defines NAME, HELP, add_arguments(parser) and run(args).

The order of COMMANDS is the order `posture --help` lists them.
"""

COMMANDS = (
    "replay",
    "simulate",
    "deploy",
    "devices",
    "sync",
    "import_log",
    "live",
    "calibrate",
    "config",
    "summary",
    "goal",
    "suggest",
    "report",
    "demo",
)


def count(n: int, noun: str) -> str:
    """'1 new minute', '2 new minutes'."""
    return "%d %s%s" % (n, noun, "" if n == 1 else "s")
