"""tools/mpy_check.py: compiles the board files and flags what CircuitPython lacks."""

import subprocess
import sys
from pathlib import Path

import mpy_check

ROOT = Path(__file__).resolve().parents[2]

BAD = '''
import abc
from dataclasses import dataclass
import struct
try:
    import typing
except ImportError:
    pass
try:
    from typing import List
except ImportError:
    pass
import math


@dataclass
class Point:
    x: int


def f(v):
    struct.pack("<e", v)
    struct.unpack("<hhh", b"123456")
    print(f"{v=}", f"{v == 1}", f"{v:>5}")
'''


def test_lint_flags_what_circuitpython_lacks(tmp_path):
    path = tmp_path / "bad.py"
    path.write_text(BAD)
    problems = mpy_check.lint(path)
    text = "\n".join(problems)
    assert "imports abc" in text and "imports dataclasses" in text
    assert "typing" not in text  # guarded imports are fine
    assert "@dataclass" in text
    assert "'<e'" in text and "<hhh" not in text
    assert text.count("f-string") == 1
    assert len(problems) == 5


def test_lint_passes_clean_code(tmp_path):
    path = tmp_path / "good.py"
    path.write_text("from micropython import const\nX = const(3)\nprint('%d' % X, f'{X:>4}')\n")
    assert mpy_check.lint(path) == []


def test_mpy_check_compiles_every_board_file_and_reports_sizes():
    proc = subprocess.run([sys.executable, str(ROOT / "tools" / "mpy_check.py"), "--json"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr + proc.stdout
    import json

    report = json.loads(proc.stdout)
    files = {row["file"]: row["mpy_bytes"] for row in report["files"]}
    assert "firmware/ticks.py" in files and "firmware/settings.py" in files
    assert all(size > 0 for size in files.values())
    assert report["total_mpy_bytes"] == sum(files.values())


def test_mpy_cross_rejects_bad_syntax(tmp_path):
    path = tmp_path / "broken.py"
    path.write_text("def f(:\n    pass\n")
    size, message = mpy_check.compile_size(mpy_check.mpy_cross_binary(), path, tmp_path)
    assert size is None and "SyntaxError" in message


def test_lint_flags_importing_a_private_const(tmp_path):
    fw = tmp_path / "firmware"
    fw.mkdir()
    (fw / "a.py").write_text("from micropython import const\n_HIDDEN = const(-1)\nPUBLIC = const(2)\n")
    (fw / "b.py").write_text("from firmware.a import PUBLIC, _HIDDEN\n")
    problems = mpy_check.lint(fw / "b.py")
    assert len(problems) == 1 and "_HIDDEN" in problems[0]


def test_private_const_import_really_fails_under_micropython(tmp_path):
    """The lint rule above guards against a real MicroPython behaviour."""
    import pytest

    from mpyrun import MicroPythonError, run_mpy

    pkg = tmp_path / "pk"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from micropython import const\n_HIDDEN = const(-1)\n")
    with pytest.raises(MicroPythonError) as info:
        run_mpy("from pk.a import _HIDDEN\n", copies=((pkg, "/pk"),))
    assert "ImportError" in str(info.value)
