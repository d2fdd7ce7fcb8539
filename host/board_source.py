"""The form of a Python source file that `posture deploy` installs on the board.

CircuitPython compiles a .py file when it is imported, and MicroPython keeps a loaded
module's docstrings in RAM (measured under the WebAssembly port: about 2 KB for four
small firmware modules; tools/mpy_budget.py). The board never reads them, so deploy
installs each .py (the firmware's and the libraries') with its docstrings taken out.
Nothing else changes: every line keeps its number (a traceback on the board's console
points at the same line of the readable source), and a body left with nothing gets a
`pass` where its docstring was.

The budget tests measure exactly this form (tools/mpy_budget.py calls `board_text`), and
the CPython tiers run the readable sources.
"""

from __future__ import annotations

import ast


def _docstrings(tree: ast.Module) -> list[tuple[ast.Expr, bool]]:
    """(docstring statement, whether it is its body's only statement) for the module and
    every class and function."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            first = body[0] if body else None
            if (isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
                    and isinstance(first.value.value, str)):
                found.append((first, len(body) == 1))
    return found


def board_text(source: str) -> str:
    """`source` without its docstrings, every other line where it was."""
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    # from the end backwards, so earlier spans keep their positions
    spans = sorted(_docstrings(tree), key=lambda item: (item[0].lineno, item[0].col_offset), reverse=True)
    for node, alone in spans:
        assert node.end_lineno is not None and node.end_col_offset is not None
        first, last = node.lineno - 1, node.end_lineno - 1
        # ast's columns count UTF-8 bytes
        head = lines[first].encode("utf-8")[:node.col_offset].decode("utf-8")
        tail = lines[last].encode("utf-8")[node.end_col_offset:].decode("utf-8")
        filler = "pass" if alone else ""
        if not filler and tail.lstrip().startswith(";"):   # '"doc"; x = 1' -> 'x = 1'
            tail = tail.lstrip()[1:].lstrip(" \t")
        if not filler and not head.strip() and tail.strip() in ("", ";"):
            new = [("\n" if tail.endswith("\n") or last + 1 < len(lines) else "")]
        else:
            new = [head + filler + tail]
        new += ["\n"] * (last - first)   # the string's other lines, kept as blank lines
        lines[first:last + 1] = new
    out = "".join(lines)
    ast.parse(out)   # still valid Python
    return out


def board_bytes(path) -> bytes:
    """The bytes deploy installs for the .py file at `path`. A file that is not valid UTF-8
    Python goes as it is: the board reports its error as it would have anyway."""
    with open(path, "rb") as f:
        data = f.read()
    try:
        return board_text(data.decode("utf-8")).encode("utf-8")
    except (UnicodeError, SyntaxError, ValueError):
        return data
