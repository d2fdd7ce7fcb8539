"""The README's command table and the CLI's own help cannot drift apart (as sqlite-utils tests it)."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from host.cli import build_parser

README = Path(__file__).resolve().parents[2] / "README.md"


def _subparsers() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    raise AssertionError("posture has no subcommands")


def _readme_commands() -> list[str]:
    text = README.read_text(encoding="utf-8")
    section = text.split("## Using it", 1)[1].split("\n## ", 1)[0]
    names: list[str] = []
    for row in re.findall(r"^\|([^|]*)\|", section, flags=re.M):   # the first cell of each row
        names += re.findall(r"`posture ([a-z_-]+)", row)
    return names


def test_the_readme_lists_every_command_and_only_real_ones() -> None:
    commands = set(_subparsers())
    listed = set(_readme_commands())
    assert commands - listed == set(), "commands missing from README's table"
    assert listed - commands == set(), "README lists commands that do not exist"


def test_every_command_and_every_option_has_help() -> None:
    for name, sub in _subparsers().items():
        assert sub.description and len(sub.description) > 15, name
        for action in sub._actions:
            if isinstance(action, argparse._HelpAction):
                continue
            # SUPPRESS is a deliberate choice (an option for tests, hidden from users); None is an omission
            assert action.help, "posture %s %s has no help" % (name, "/".join(action.option_strings) or action.dest)


def test_every_command_answers_help_with_exit_0(capsys) -> None:
    from host.cli import main

    for name in _subparsers():
        try:
            main([name, "--help"])
        except SystemExit as exc:
            assert exc.code == 0, name
        out = capsys.readouterr().out
        assert out.startswith("usage: posture " + name), name
