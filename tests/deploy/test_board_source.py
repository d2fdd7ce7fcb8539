"""The form deploy installs .py files in (host/board_source.py): the same program, docstrings
out, every line where it was."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from host import deploy
from host.board_source import board_bytes, board_text

ROOT = Path(deploy.ROOT)


def _installed_sources() -> list[Path]:
    files = sorted((ROOT / "firmware").glob("*.py"))
    for name in deploy.requirements():
        files += [path for _rel, path in deploy.library_sources(name)]
    return files


def _without_docstrings(tree: ast.Module) -> ast.Module:
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                    and isinstance(body[0].value.value, str):
                node.body = body[1:] or [ast.Pass(lineno=body[0].lineno, col_offset=body[0].col_offset)]
    return tree


def _docstrings(tree: ast.Module) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            doc = ast.get_docstring(node, clean=False)
            if doc is not None:
                found.append(doc)
    return found


def _statements(tree: ast.Module) -> list[ast.stmt]:
    return [n for n in ast.walk(tree) if isinstance(n, ast.stmt)]


def _private_const(stmt: ast.stmt) -> bool:
    return (isinstance(stmt, ast.Assign) and isinstance(stmt.targets[0], ast.Name)
            and stmt.targets[0].id.startswith("_") and isinstance(stmt.value, ast.Call)
            and isinstance(stmt.value.func, ast.Name) and stmt.value.func.id == "const")


@pytest.mark.parametrize("path", _installed_sources(), ids=lambda p: "/".join(p.parts[-2:]))
def test_every_installed_file_keeps_its_statements_on_their_lines(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    out = deploy.board_form()[_rel(path)].decode("utf-8")
    assert _docstrings(ast.parse(out)) == []
    assert len(out.splitlines()) == len(source.splitlines())
    # the same statements at the same places (a traceback on the board points at the readable
    # line); only docstrings and module-private const() assignments are gone
    want = iter(_statements(_without_docstrings(ast.parse(source))))
    for stmt in _statements(ast.parse(out)):
        old = next(want)
        while (type(old), old.lineno, old.col_offset) != (type(stmt), stmt.lineno, stmt.col_offset):
            assert _private_const(old), (path, old.lineno, stmt.lineno)
            old = next(want)
    assert all(_private_const(old) for old in want)


def _rel(path: Path) -> str:
    if path.parent.name == "firmware":
        return "firmware/" + path.name
    return next(rel for rel in deploy.board_form() if rel.endswith("/".join(path.parts[-2:])) or
                rel == "lib/" + path.name)


def test_the_savings_are_real() -> None:
    """Docstrings are a quarter of what deploy copies (they cost the board's RAM once loaded)."""
    before = sum(len(p.read_bytes()) for p in _installed_sources())
    after = sum(len(data) for data in deploy.board_form().values())
    assert after < 0.85 * before, (before, after)


@pytest.mark.parametrize("source, want", [
    ('def f():\n    """only a docstring"""\n', "def f():\n    pass\n"),
    ('def f(): "one line"\n', "def f(): pass\n"),
    ('class C:\n    """doc\n    on two lines"""\n    x = 1\n', "class C:\n\n\n    x = 1\n"),
    ('"""module"""\nX = 1\n', "\nX = 1\n"),
    ('def f():\n    "doc"; return 2\n', "def f():\n    return 2\n"),
    ('x = "not a docstring"\n', 'x = "not a docstring"\n'),
    ('def f():\n    x = 1\n    """a string after code stays"""\n',
     'def f():\n    a = 1\n    """a string after code stays"""\n'),
    ('def g():\n    """é"""  # comment kept\n    return "é"\n', 'def g():\n      # comment kept\n    return "é"\n'),
])
def test_docstring_forms(source: str, want: str) -> None:
    assert board_text(source) == want


def test_a_file_that_is_not_python_goes_as_it_is(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_bytes(b'def f(:\n    """doc"""\n')
    assert board_bytes(bad) == bad.read_bytes()
    latin = tmp_path / "latin.py"
    latin.write_bytes(b'"""caf\xe9"""\n')
    assert board_bytes(latin) == latin.read_bytes()


NAMES = """
from micropython import const

_A = const(3)
_B = const(_A << 4)
_NEG = const(-2)
PUBLIC = const(7)
_NOT_INT = const(1.5)


def public(alpha, beta=2, *rest, gamma=1, **more):
    total = alpha + beta + gamma + _A + _B + _NEG + _NEG.bit_length() + PUBLIC + len(rest) + len(more)
    doubled = [total * k for k in range(2)]     # total is used by a comprehension: kept
    try:
        ratio = total / (alpha - alpha)
    except ZeroDivisionError as problem:        # bound by except: kept
        ratio = str(type(problem).__name__)
    return total, doubled, ratio, _NOT_INT


def _private(first, second, named):
    product = first * second

    def inner(x):
        return x + product + named               # used by a nested function: kept
    return inner(product)


class Thing:
    def __init__(self, size, scale=1):
        self.size = size * scale

    def _grow(self, amount, factor):
        grown = self.size + amount * factor
        self.size = grown
        return grown

    def area(self, width):
        result = self._grow(width, 2) * _A
        return result


OUT = (public(1), public(2, 3, 4, 5, gamma=6, extra=7), _private(2, 3, named=4), Thing(2, scale=3).area(4))
"""


def _run(text: str) -> object:
    scope: dict = {}
    exec(compile(text, "<board>", "exec"), scope)
    return scope["OUT"]


def test_names_rewritten_only_where_no_one_can_see_them() -> None:
    keywords = frozenset({"gamma", "extra", "scale", "named"})
    out = board_text(NAMES, keywords)
    assert _run(out) == _run(NAMES)            # the same program
    tree = ast.parse(out)
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    args = {a.arg for a in ast.walk(tree) if isinstance(a, ast.arg)}
    # private integer constants written out, their assignments gone; the rest kept
    assert not {"_A", "_B", "_NEG"} & names and "_A = const" not in out
    assert "(-2).bit_length()" in out and "PUBLIC" in names and "_NOT_INT" in names
    # locals shortened; parameters of public functions and methods, keyword-only ones, *rest,
    # **more, self, and anything a nested scope, a comprehension or except binds or reads kept
    assert not {"doubled", "grown", "result", "ratio"} & names
    assert {"total", "problem", "product", "alpha", "beta", "gamma", "rest", "more", "size", "scale",
            "width", "self", "named"} <= names | args
    # private functions' positional parameters shortened unless a caller names them
    assert not {"first", "second", "amount", "factor"} & args
    assert "named" in args
    # without the keyword list no parameter is renamed
    assert {"first", "second", "amount", "factor"} <= {a.arg for a in ast.walk(ast.parse(board_text(NAMES)))
                                                       if isinstance(a, ast.arg)}


def test_the_installed_firmware_runs_a_day_as_the_readable_one(tmp_path: Path) -> None:
    """The whole firmware in the form deploy installs, under CPython, gives the same events and
    minute summaries for a simulated wearer's half hour as the readable sources."""
    import subprocess
    import sys

    board = tmp_path / "board"
    (board / "firmware").mkdir(parents=True)
    for rel, data in deploy.board_form().items():
        if rel.startswith("firmware/"):
            (board / rel).write_bytes(data)
    day = tmp_path / "day.bin"
    tools = ROOT / "tools"
    script = ("import sys; sys.path[1:1] = [%r, %r]\n"
              "from mpy_samples import wearer_day\n"
              "wearer_day(%r, 0.5, 4, ticks_start=(1 << 29) - 300000)\n"
              "import firmware, mpy_scenario\n"
              "print(firmware.__file__)\n"
              "mpy_scenario.run(%r, print)\n" % (str(tools), str(ROOT / "tests" / "device"), str(day), str(day)))

    def run(cwd: Path) -> list[str]:
        proc = subprocess.run([sys.executable, "-c", script], cwd=cwd, capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stderr[-2000:]
        return proc.stdout.splitlines()

    readable, installed = run(ROOT), run(board)
    assert readable[0].startswith(str(ROOT / "firmware")) and installed[0].startswith(str(board / "firmware"))
    assert len(readable) > 30 and any(line.startswith("E ") for line in readable)
    assert installed[1:] == readable[1:]
