"""Every firmware module imports under real MicroPython; board files at least compile there."""

from pathlib import Path

import pytest

from mpyrun import run_mpy

ROOT = Path(__file__).resolve().parents[2]
MODULES = sorted(p.stem for p in (ROOT / "firmware").glob("*.py") if p.stem != "__init__")
BOARD_FILES = [name for name in ("boot.py", "code.py", "safemode.py") if (ROOT / name).exists()]


def test_there_are_firmware_modules():
    assert {"ticks", "settings"} <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_module_imports_under_micropython(name):
    """Each module imports on its own: fresh interpreter, board-sized heap, and the modules
    CircuitPython lacks blocked. (Footprints: tests/device/test_mpy_budget.py.)"""
    out = run_mpy("import firmware.%s as m\nprint(m.__name__)\n" % name, heap=128 * 1024)
    assert out.split() == ["firmware." + name]


def test_every_board_file_compiles_under_micropython():
    """boot.py and code.py need the board's modules to run; compiling them here catches syntax
    MicroPython rejects (e.g. f-string `=` forms, walrus in comprehensions, match)."""
    files = [ROOT / name for name in BOARD_FILES] + sorted((ROOT / "firmware").glob("*.py"))
    copies = [(path, "/board/%d.py" % i) for i, path in enumerate(files)]
    # one file per call: this port collects garbage only between the runner's calls, and the
    # parse trees of some thirty files do not fit one 256 KB heap at once (a board compiles one
    # module at a time too)
    out = run_mpy(
        "state = [0]\n"
        "def step():\n"
        "    i = state[0]\n"
        "    if i == %d:\n"
        "        print('compiled', i)\n"
        "        return False\n"
        "    compile(open('/board/%%d.py' %% i).read(), str(i), 'exec')\n"
        "    state[0] = i + 1\n"
        "    return True\n" % len(files),
        copies=copies, loop="step",
    )
    assert out.split() == ["compiled", str(len(files))]
