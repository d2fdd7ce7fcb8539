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
import builtins
import keyword
import os
from typing import Iterator, Sequence


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


def board_text(source: str, keywords: frozenset[str] | None = None) -> str:
    """`source` without its docstrings, with its private constants written out and its local
    names shortened (see below), every statement on the line where it was.

    keywords: every keyword argument name any code on the board passes in a call
    (`board_keywords`); a parameter is renamed only when no caller can name it. None: no
    parameter is renamed."""
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
    out = _apply(out, _name_edits(ast.parse(out), keywords))
    ast.parse(out)   # still valid Python
    return out


# ---- names: each name in .py source is interned by the board's compiler ------------------------
# MicroPython's lexer interns every identifier it reads (the qstr table, in RAM: about 7 bytes
# of index per name plus its text; the index grows by doubling, so a few names too many cost a
# whole new block). Two kinds of name the board never needs by name are rewritten:
# - a module-private integer constant (`_X = const(5)` at module level): MicroPython already
#   substitutes its value and keeps no global for it; here the value is written in its place
#   and the assignment goes (its line stays, empty), so the name is never read at all;
# - a function's plain local variable (not a parameter, not used by a nested function, a
#   comprehension or a lambda, not bound by import, except or def): it gets a short name
#   from one shared list (a, b, c, ...), so every module's locals share a few table entries.
# Parameters (callers may name them), attributes, globals and strings are left alone.

_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef, ast.ListComp, ast.SetComp,
           ast.DictComp, ast.GeneratorExp)
_CONST_OPS = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b, ast.Mult: lambda a, b: a * b,
              ast.FloorDiv: lambda a, b: a // b, ast.Mod: lambda a, b: a % b,
              ast.LShift: lambda a, b: a << b, ast.RShift: lambda a, b: a >> b,
              ast.BitOr: lambda a, b: a | b, ast.BitAnd: lambda a, b: a & b, ast.BitXor: lambda a, b: a ^ b}


def _int_value(node: ast.expr, known: dict[str, int]) -> int | None:
    """The integer a const() argument evaluates to, or None when it is not a plain integer sum."""
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    if isinstance(node, ast.Name):
        return known.get(node.id)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd, ast.Invert)):
        v = _int_value(node.operand, known)
        if v is None:
            return None
        return -v if isinstance(node.op, ast.USub) else ~v if isinstance(node.op, ast.Invert) else v
    if isinstance(node, ast.BinOp) and type(node.op) in _CONST_OPS:
        a, b = _int_value(node.left, known), _int_value(node.right, known)
        if a is None or b is None or (isinstance(node.op, (ast.FloorDiv, ast.Mod)) and b == 0) \
                or (isinstance(node.op, (ast.LShift, ast.RShift)) and not 0 <= b < 64):
            return None
        return _CONST_OPS[type(node.op)](a, b)
    return None


def _own_nodes(body: list[ast.stmt]) -> list[ast.AST]:
    """Every node of a function body that is not inside a nested scope."""
    out: list[ast.AST] = []
    todo: list[ast.AST] = list(body)
    while todo:
        node = todo.pop()
        out.append(node)
        if not isinstance(node, _SCOPES):
            todo.extend(ast.iter_child_nodes(node))
    return out


def _name_edits(tree: ast.Module, keywords: frozenset[str] | None) -> list[tuple[int, int, int, str]]:
    """(line, start column, end column, new text) for every name rewritten (see above)."""
    edits: list[tuple[int, int, int, str]] = []
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    # -- module-private integer constants
    stores: dict[str, int] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            stores[node.id] = stores.get(node.id, 0) + 1
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            for name in node.names:
                stores[name] = stores.get(name, 0) + 2
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            stores[node.name] = stores.get(node.name, 0) + 2
        elif isinstance(node, ast.arg):
            stores[node.arg] = stores.get(node.arg, 0) + 2
        elif isinstance(node, ast.alias):
            name = node.asname or node.name.split(".")[0]
            stores[name] = stores.get(name, 0) + 2
    consts: dict[str, int] = {}
    for stmt in tree.body:
        if (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)
                and stmt.targets[0].id.startswith("_") and stores.get(stmt.targets[0].id) == 1
                and isinstance(stmt.value, ast.Call) and isinstance(stmt.value.func, ast.Name)
                and stmt.value.func.id == "const" and len(stmt.value.args) == 1 and not stmt.value.keywords
                and stmt.lineno == stmt.end_lineno):
            value = _int_value(stmt.value.args[0], consts)
            if value is not None:
                consts[stmt.targets[0].id] = value
                assert stmt.end_col_offset is not None
                edits.append((stmt.lineno, stmt.col_offset, stmt.end_col_offset, ""))
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id in consts:
            value = consts[node.id]
            text = str(value) if value >= 0 and not isinstance(parents.get(node), ast.Attribute) \
                else "(%d)" % value
            assert node.end_col_offset is not None
            edits.append((node.lineno, node.col_offset, node.end_col_offset, text))
    # -- plain local variables
    module_names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} | set(stores) | set(dir(builtins))
    for func in ast.walk(tree):
        if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        own = _own_nodes(func.body)
        nested = [n for n in own if isinstance(n, _SCOPES)]
        if any(isinstance(n, ast.JoinedStr) for n in ast.walk(func)):
            continue   # names inside f-strings: left alone
        if any(isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
               and n.func.id in ("locals", "vars", "eval", "exec", "dir") for n in ast.walk(func)):
            continue
        seen_anywhere = {n.id for n in ast.walk(func) if isinstance(n, ast.Name)} | \
            {a.arg for a in ast.walk(func) if isinstance(a, ast.arg)}
        in_nested = {n.id for scope in nested for n in ast.walk(scope) if isinstance(n, ast.Name)}
        odd = set(in_nested)   # bound other than by a plain assignment, or declared
        for node in own:
            if isinstance(node, ast.ExceptHandler) and node.name:
                odd.add(node.name)
            elif isinstance(node, (ast.Global, ast.Nonlocal)):
                odd.update(node.names)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                odd.add(node.name)
            elif isinstance(node, ast.alias):
                odd.add(node.asname or node.name.split(".")[0])
            elif isinstance(node, (ast.MatchAs, ast.MatchStar)) and node.name:
                odd.add(node.name)
            elif isinstance(node, ast.MatchMapping) and node.rest:
                odd.add(node.rest)
        params = {a.arg for a in ast.walk(func.args) if isinstance(a, ast.arg)}
        names = [n for n in own if isinstance(n, ast.Name)]
        stored = {n.id for n in names if not isinstance(n.ctx, ast.Load)}
        rename = sorted(stored - params - odd - set(consts), key=lambda name: min(
            (n.lineno, n.col_offset) for n in names if n.id == name))
        # Parameters of private functions and methods (_name, not __dunder__) and of nested
        # functions only: a public name is an interface others call, by keyword too. Of those,
        # only parameters passed by position: not keyword-only, not *args/**kwargs, not the
        # first of a method (self, cls: zero-argument super() finds it by position), never
        # used by a nested scope, and no caller on the board passes one of that name.
        positional = func.args.posonlyargs + func.args.args
        if isinstance(parents.get(func), ast.ClassDef):
            positional = positional[1:]
        private = (func.name.startswith("_") and not func.name.endswith("__")) or isinstance(
            parents.get(func), (ast.FunctionDef, ast.AsyncFunctionDef))
        if not private:
            positional = []
        renamed_params = [a.arg for a in positional if keywords is not None and a.arg not in keywords
                          and a.arg not in odd and a.arg not in in_nested] if not func.decorator_list or all(
            isinstance(d, ast.Name) and d.id in ("property", "staticmethod", "classmethod")
            for d in func.decorator_list) else []
        taken = seen_anywhere | module_names | params
        new_names = (c for c in _short_names() if c not in taken)
        mapping = {name: next(new_names) for name in renamed_params + rename}
        for a in positional:
            if a.arg in mapping:
                assert a.end_col_offset is not None
                edits.append((a.lineno, a.col_offset, a.col_offset + len(a.arg.encode("utf-8")), mapping[a.arg]))
        for node in names:
            if node.id in mapping:
                assert node.end_col_offset is not None
                edits.append((node.lineno, node.col_offset, node.end_col_offset, mapping[node.id]))
    return edits


def _short_names() -> Iterator[str]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    for c in letters:
        if not keyword.iskeyword(c):
            yield c
    for c in letters:
        for d in letters + "0123456789":
            if not keyword.iskeyword(c + d):
                yield c + d


def _apply(text: str, edits: list[tuple[int, int, int, str]]) -> str:
    lines = text.splitlines(keepends=True)
    for lineno, start, end, new in sorted(edits, reverse=True):
        raw = lines[lineno - 1].encode("utf-8")   # ast's columns count UTF-8 bytes
        lines[lineno - 1] = (raw[:start] + new.encode("utf-8") + raw[end:]).decode("utf-8")
    return "".join(lines)


def board_keywords(paths: "Sequence[str | os.PathLike[str]]") -> frozenset[str]:
    """Every keyword argument name passed in a call anywhere in the files at `paths` (all the
    code that runs on the board: a parameter of that name is never renamed)."""
    found: set[str] = set()
    for path in paths:
        try:
            with open(path, "rb") as f:
                tree = ast.parse(f.read().decode("utf-8"))
        except (UnicodeError, SyntaxError, ValueError):
            continue
        found.update(k.arg for k in ast.walk(tree) if isinstance(k, ast.keyword) and k.arg)
    return frozenset(found)


def board_bytes(path: "str | os.PathLike[str]", keywords: frozenset[str] | None = None) -> bytes:
    """The bytes deploy installs for the .py file at `path` (keywords: see board_text). A file
    that is not valid UTF-8 Python goes as it is: the board reports its error as it would have."""
    with open(path, "rb") as f:
        data = f.read()
    try:
        return board_text(data.decode("utf-8"), keywords).encode("utf-8")
    except (UnicodeError, SyntaxError, ValueError):
        return data
