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
                node.body = body[1:] or [ast.Pass()]
    return tree


def _docstrings(tree: ast.Module) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            doc = ast.get_docstring(node, clean=False)
            if doc is not None:
                found.append(doc)
    return found


@pytest.mark.parametrize("path", _installed_sources(), ids=lambda p: "/".join(p.parts[-2:]))
def test_every_installed_file_is_the_same_program_without_docstrings(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    out = board_bytes(path).decode("utf-8")
    assert _docstrings(ast.parse(out)) == []
    assert ast.dump(ast.parse(out)) == ast.dump(_without_docstrings(ast.parse(source)))
    # every statement on its own line: a traceback on the board points at the same line
    lines_in, lines_out = source.splitlines(), out.splitlines()
    assert len(lines_out) == len(lines_in)
    for stmt in ast.walk(ast.parse(out)):
        if isinstance(stmt, ast.stmt) and not isinstance(stmt, ast.Pass):
            assert lines_out[stmt.lineno - 1] == lines_in[stmt.lineno - 1] or '"""' in lines_in[stmt.lineno - 1], \
                (path, stmt.lineno)


def test_the_savings_are_real() -> None:
    """Docstrings are a quarter of what deploy copies (they cost the board's RAM once loaded)."""
    before = sum(len(p.read_bytes()) for p in _installed_sources())
    after = sum(len(board_bytes(p)) for p in _installed_sources())
    assert after < 0.85 * before, (before, after)


@pytest.mark.parametrize("source, want", [
    ('def f():\n    """only a docstring"""\n', "def f():\n    pass\n"),
    ('def f(): "one line"\n', "def f(): pass\n"),
    ('class C:\n    """doc\n    on two lines"""\n    x = 1\n', "class C:\n\n\n    x = 1\n"),
    ('"""module"""\nX = 1\n', "\nX = 1\n"),
    ('def f():\n    "doc"; return 2\n', "def f():\n    return 2\n"),
    ('x = "not a docstring"\n', 'x = "not a docstring"\n'),
    ('def f():\n    x = 1\n    """a string after code stays"""\n', 'def f():\n    x = 1\n    """a string after code stays"""\n'),
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
