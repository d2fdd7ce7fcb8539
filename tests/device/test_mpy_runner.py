"""The MicroPython runner itself: it is real MicroPython, reports errors, and enforces the heap."""

import pytest

from mpyrun import MicroPythonError, run_mpy, run_mpy_full


def test_runs_real_micropython():
    out = run_mpy("import sys\nprint(sys.implementation.name)\nprint(1 << 29)", copies=())
    assert out.split() == ["micropython", str(1 << 29)]


def test_python_exception_fails_the_run_with_its_traceback():
    with pytest.raises(MicroPythonError) as info:
        run_mpy("def f():\n    raise ValueError('bad value 42')\nf()", copies=())
    assert info.value.returncode == 1
    assert "ValueError: bad value 42" in str(info.value)


def test_micropython_module_gc_and_ticks_are_there():
    out = run_mpy(
        "from micropython import const\n"
        "import gc, time\n"
        "X = const(7)\n"
        "gc.collect()\n"
        "a = gc.mem_alloc()\n"
        "b = bytearray(4000)\n"
        "print(X, gc.mem_alloc() - a >= 4000, gc.mem_free() > 0, isinstance(time.ticks_ms(), int))\n",
        copies=(),
    )
    assert out.split() == ["7", "True", "True", "True"]


def test_heap_is_a_hard_limit_like_a_board():
    code = "keep = [bytearray(1024) for i in range(48)]\nprint(len(keep))"
    with pytest.raises(MicroPythonError) as info:
        run_mpy(code, copies=(), heap=32 * 1024)
    assert info.value.returncode == 3
    assert "out of memory" in str(info.value)
    # the same program fits a larger heap
    out, stats = run_mpy_full(code, copies=(), heap=128 * 1024)
    assert out.strip() == "48"
    assert stats["heap_total"] == stats["heap_total_before"]


def test_copied_files_are_importable(tmp_path):
    pkg = tmp_path / "pkgx"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "mod.py").write_text("VALUE = 'from the host'\n")
    (tmp_path / "data.txt").write_text("line1\nline2\n")
    out = run_mpy(
        "import pkgx.mod\nprint(pkgx.mod.VALUE)\nprint(len(open('/d/data.txt').read().split()))",
        copies=((pkg, "/pkgx"), (tmp_path / "data.txt", "/d/data.txt")),
    )
    assert out.splitlines() == ["from the host", "2"]


def test_modules_circuitpython_lacks_are_blocked():
    out = run_mpy(
        "for name in ('abc', 'functools', 'typing', 'struct', 'math'):\n"
        "    try:\n"
        "        __import__(name)\n"
        "        print(name, 'yes')\n"
        "    except ImportError:\n"
        "        print(name, 'no')\n",
        copies=(),
    )
    assert out.splitlines() == ["abc no", "functools no", "typing no", "struct yes", "math yes"]


LOOP_SCRIPT = """
import gc
calls = 0
def step():
    global calls
    calls += 1
    for i in range(20):
        junk = bytearray(1000)
    gc.collect()
    if calls == 100:
        print('calls', calls)
    return calls < 100
"""


def test_loop_calls_collect_garbage_between_calls():
    # 2 MB of garbage in all, 20 KB per call: fits a 48 KB heap only because the
    # runner returns to the top level (where this port collects) between calls
    out, stats = run_mpy_full(LOOP_SCRIPT, copies=(), heap=48 * 1024, loop="step")
    assert out.split() == ["calls", "100"]
    assert stats["heap_total"] == stats["heap_total_before"]


def test_garbage_within_one_call_is_not_collected_in_this_port():
    with pytest.raises(MicroPythonError) as info:
        run_mpy("for i in range(100):\n    junk = bytearray(1000)\n", copies=(), heap=48 * 1024)
    assert info.value.returncode == 3


def test_missing_micropython_is_an_error_not_a_skip(monkeypatch, tmp_path):
    import mpyrun

    monkeypatch.setattr(mpyrun, "PACKAGE", tmp_path / "nowhere" / "micropython.mjs")
    with pytest.raises(mpyrun.MicroPythonUnavailable):
        run_mpy("print(1)", copies=())
