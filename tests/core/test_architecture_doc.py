"""docs/architecture.md agrees with the code: its module tables, the methods it names, the schema.

The doc's tables are checked, not generated, so the words stay hand-written:
- each module table (a table whose header's first cell names a folder, e.g. `firmware/`)
  lists every .py file of that folder but __init__.py, and nothing that does not exist;
- every `Name.method()` written in backticks names a class (or a module) of firmware/ or
  host/ that has that attribute;
- the schema table lists every table and column, in order, with the declared type and the
  primary key, of a database made by host/db.py's own Database, and says what each means.
"""

from __future__ import annotations

import ast
import re
import sqlite3
from functools import cache
from pathlib import Path

import pytest

from host.db import SCHEMA_VERSION, Database

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "architecture.md"
FOLDERS = ("firmware/", "host/", "host/commands/", "host/sim/", "host/sim/fakes/")
CODE_DIRS = ("firmware", "host")


def _tables(text: str) -> list[tuple[list[str], list[list[str]]]]:
    """Every markdown table in `text`: (header cells, body rows of cells)."""
    out: list[tuple[list[str], list[list[str]]]] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        if lines[i].startswith("|") and i + 1 < len(lines) and re.match(r"\|\s*-", lines[i + 1]):
            header = _cells(lines[i])
            rows = []
            i += 2
            while i < len(lines) and lines[i].startswith("|"):
                rows.append(_cells(lines[i]))
                i += 1
            out.append((header, rows))
        else:
            i += 1
    return out


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def _ticked(cell: str) -> str:
    m = re.fullmatch(r"`([^`]+)`", cell)
    assert m, "expected one name in backticks, found %r" % cell
    return m.group(1)


def module_tables(text: str) -> dict[str, list[str]]:
    """Folder -> the file names its table lists (first column), in the doc's order."""
    found: dict[str, list[str]] = {}
    for header, rows in _tables(text):
        m = re.fullmatch(r"module in `([\w/]+/)`", header[0])
        if m:
            assert m.group(1) not in found, "two tables for %s" % m.group(1)
            found[m.group(1)] = [_ticked(r[0]) for r in rows]
            for r in rows:
                assert len(r) >= 2 and r[1], "%s%s has no role written" % (m.group(1), r[0])
    return found


def listing_problems(text: str, root: Path = ROOT) -> list[str]:
    tables = module_tables(text)
    problems = []
    for folder in FOLDERS:
        if folder not in tables:
            problems.append("no module table for %s" % folder)
            continue
        listed = tables[folder]
        real = sorted(p.name for p in (root / folder).glob("*.py") if p.name != "__init__.py")
        for name in real:
            if name not in listed:
                problems.append("%s%s exists but the doc does not list it" % (folder, name))
        for name in listed:
            if not (root / folder / name).is_file():
                problems.append("the doc lists %s%s, which does not exist" % (folder, name))
        if len(set(listed)) != len(listed):
            problems.append("%s lists a module twice" % folder)
    return problems


@cache
def _code_names() -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """Classes -> their attributes (methods, class attributes, self.x) and modules -> their
    top-level names, over firmware/ and host/."""
    classes: dict[str, set[str]] = {}
    modules: dict[str, set[str]] = {}
    for d in CODE_DIRS:
        for path in (ROOT / d).rglob("*.py"):
            tree = ast.parse(path.read_text(), str(path))
            top = modules.setdefault(path.stem, set())
            for node in tree.body:
                if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                    top.add(node.name)
                elif isinstance(node, ast.Assign):
                    top.update(t.id for t in node.targets if isinstance(t, ast.Name))
            for node in ast.walk(tree):
                if isinstance(node, ast.ClassDef):
                    attrs = classes.setdefault(node.name, set())
                    for sub in ast.walk(node):
                        if isinstance(sub, ast.FunctionDef):
                            attrs.add(sub.name)
                        elif isinstance(sub, ast.Attribute) and isinstance(sub.value, ast.Name) \
                                and sub.value.id == "self":
                            attrs.add(sub.attr)
                        elif isinstance(sub, (ast.AnnAssign, ast.Assign)):
                            targets = [sub.target] if isinstance(sub, ast.AnnAssign) else sub.targets
                            attrs.update(t.id for t in targets if isinstance(t, ast.Name))
    return classes, modules


def method_problems(text: str) -> list[str]:
    """Each `Name.attr(...)` (in backticks or in a code block: anywhere in the text) must exist:
    a class with that attribute, or a module of firmware/ or host/ with that top-level name."""
    classes, modules = _code_names()
    problems = []
    for span in text.splitlines():
        for owner, attr in re.findall(r"(?<![\w./])([A-Za-z_]\w*)\.([A-Za-z_]\w*)\(", span):
            if owner in classes:
                ok = attr in classes[owner]
            elif owner in modules:
                ok = attr in modules[owner]
            else:
                problems.append("%s.%s(): %s is no class or module of firmware/ or host/"
                                % (owner, attr, owner))
                continue
            if not ok:
                problems.append("%s.%s(): %s has no %s" % (owner, attr, owner, attr))
    return problems


def schema_rows(text: str) -> list[list[str]]:
    for header, rows in _tables(text):
        if [h.lower() for h in header[:4]] == ["table", "column", "type", "key"]:
            return rows
    raise AssertionError("docs/architecture.md has no schema table (table | column | type | key | meaning)")


def real_schema(path: Path) -> list[tuple[str, str, str, str]]:
    """(table, column, declared type, primary-key position or '') of a database host/db.py made."""
    Database(path).close()
    conn = sqlite3.connect(path)
    try:
        out = []
        tables = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY rowid")]
        for table in tables:
            for _cid, name, decl, _notnull, _default, pk in conn.execute("PRAGMA table_info(%s)" % table):
                out.append((table, name, decl, str(pk) if pk else ""))
        return out
    finally:
        conn.close()


def schema_problems(text: str, real: list[tuple[str, str, str, str]]) -> list[str]:
    documented = []
    problems = []
    for r in schema_rows(text):
        assert len(r) == 5, "a schema row has table | column | type | key | meaning: %r" % r
        table, column, decl, key, meaning = r
        documented.append((_ticked(table), _ticked(column), decl, key))
        if not meaning:
            problems.append("%s.%s has no meaning written" % (table, column))
    for row in real:
        if row not in documented:
            problems.append("the database has %s, the doc does not (or not so)" % (row,))
    for row in documented:
        if row not in real:
            problems.append("the doc has %s, the database does not" % (row,))
    if not problems and documented != real:
        problems.append("the schema table's order differs from the database's (table by table, "
                        "columns in their order)")
    return problems


def test_module_tables_list_every_module_and_no_other() -> None:
    assert listing_problems(DOC.read_text()) == []


def test_methods_named_in_backticks_exist() -> None:
    assert method_problems(DOC.read_text()) == []


def test_schema_table_is_the_schema_host_db_creates(tmp_path: Path) -> None:
    text = DOC.read_text()
    assert schema_problems(text, real_schema(tmp_path / "posture.db")) == []
    assert "PRAGMA user_version = %d" % SCHEMA_VERSION in text


# The checks themselves fail on a doc that drifts (so the tests above cannot pass vacuously).

def test_listing_check_finds_a_missing_and_a_ghost_module() -> None:
    text = DOC.read_text()
    row = next(line for line in text.splitlines() if line.startswith("| `sensor.py`"))
    problems = listing_problems(text.replace(row + "\n", "").replace("| `ticks.py`", "| `tocks.py`"))
    assert "firmware/sensor.py exists but the doc does not list it" in problems
    assert "the doc lists firmware/tocks.py, which does not exist" in problems


def test_listing_check_finds_a_new_file(tmp_path: Path) -> None:
    for folder in FOLDERS:
        (tmp_path / folder).mkdir(parents=True, exist_ok=True)
        for name in module_tables(DOC.read_text())[folder]:
            (tmp_path / folder / name).write_text("")
    assert listing_problems(DOC.read_text(), tmp_path) == []
    (tmp_path / "host" / "sim" / "newthing.py").write_text("")
    assert listing_problems(DOC.read_text(), tmp_path) == ["host/sim/newthing.py exists but the doc does not list it"]


def test_method_check_finds_a_method_that_is_gone() -> None:
    assert method_problems("`ImuSensor.read()` and `ticks.ticks_diff(a, b)`") == []
    assert method_problems("the sensor's `ImuSensor.set_mode(on)`") == [
        "ImuSensor.set_mode(): ImuSensor has no set_mode"]
    assert method_problems("`Nothing.here()`") != []


def test_schema_check_finds_a_missing_column_and_a_wrong_type(tmp_path: Path) -> None:
    text = DOC.read_text()
    real = real_schema(tmp_path / "p.db")
    row = next(line for line in text.splitlines() if line.startswith("| `events` | `kind`"))
    assert any("'kind'" in p for p in schema_problems(text.replace(row + "\n", ""), real))
    assert schema_problems(text.replace(row, row.replace("| TEXT |", "| INTEGER |")), real) != []
    assert schema_problems(text, real + [("events", "extra", "TEXT", "")]) != []


@pytest.mark.parametrize("folder", FOLDERS)
def test_each_folder_has_a_table(folder: str) -> None:
    assert folder in module_tables(DOC.read_text())
