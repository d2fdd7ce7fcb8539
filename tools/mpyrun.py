"""Run Python code under real MicroPython (WebAssembly port under Node) from CPython.

    from mpyrun import run_mpy
    out = run_mpy("import firmware.ticks as t; print(t.TICKS_PERIOD)", copies=["firmware"])

The code runs through tools/mpy_run.mjs with the repo's firmware/ copied into
MicroPython's filesystem. A Python exception there raises MicroPythonError
carrying the MicroPython traceback; a missing Node or MicroPython package raises
MicroPythonUnavailable (tests let that fail: the tier is never skipped).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Iterable, Sequence, Tuple, Union

ROOT = Path(__file__).resolve().parent.parent
RUNNER = ROOT / "tools" / "mpy_run.mjs"
PACKAGE = ROOT / "node_modules" / "@micropython" / "micropython-webassembly-pyscript" / "micropython.mjs"
DEFAULT_HEAP = 256 * 1024

# Modules this WebAssembly port has (frozen or built in) that CircuitPython does not:
# blocked by default so firmware that leans on them fails here, as it would on the board.
CIRCUITPYTHON_MISSING = (
    "abc", "copy", "datetime", "fnmatch", "functools", "heapq", "inspect", "itertools",
    "logging", "operator", "pathlib", "stat", "string", "tarfile", "types", "typing",
    "dataclasses", "enum", "unittest", "uu", "uctypes", "framebuf", "js", "jsffi",
)


class MicroPythonError(Exception):
    """The program raised under MicroPython, or ran out of the board's heap."""

    def __init__(self, message: str, returncode: int, stdout: str, stderr: str):
        super().__init__(message)
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr


class MicroPythonUnavailable(RuntimeError):
    """Node or the MicroPython WebAssembly package is missing."""


def node_binary() -> str:
    node = shutil.which("node")
    if node is None:
        raise MicroPythonUnavailable("node is not on PATH; the MicroPython tier needs Node.js")
    if not PACKAGE.exists():
        raise MicroPythonUnavailable(f"{PACKAGE} is missing; run `make setup-node`")
    return node


Copy = Union[str, "os.PathLike[str]", Tuple[Union[str, "os.PathLike[str]"], str]]


def _copy_args(copies: Iterable[Copy]) -> list[str]:
    args: list[str] = []
    for item in copies:
        if isinstance(item, tuple):
            src, dest = item
            spec = f"{Path(src).resolve()}={dest}"
        else:
            src_path = Path(item)
            if not src_path.is_absolute():
                src_path = ROOT / src_path
            spec = str(src_path)
        args += ["--copy", spec]
    return args


def run_mpy_full(
    code: str,
    copies: Sequence[Copy] = ("firmware",),
    heap: int = DEFAULT_HEAP,
    grow_heap: bool = False,
    timeout: float = 600.0,
    block: Sequence[str] = CIRCUITPYTHON_MISSING,
    loop: str | None = None,
) -> tuple[str, dict[str, int]]:
    """Run `code`; return (stdout, heap stats from the runner).

    loop: name of a function the runner then calls until it returns false; garbage is
    collected only between such calls (see tools/mpy_run.mjs), so long runs use it.
    """
    cmd = [node_binary(), str(RUNNER), "--heap", str(heap), "--stats"]
    if loop:
        cmd += ["--loop", loop]
    if block:
        cmd += ["--block", ",".join(block)]
    if grow_heap:
        cmd.append("--grow-heap")
    cmd += _copy_args(copies)
    cmd += ["-c", code]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    stats: dict[str, int] = {}
    other: list[str] = []
    for line in proc.stderr.splitlines():
        if line.startswith("{") and '"heap_total"' in line:
            stats = json.loads(line)
        else:
            other.append(line)
    if proc.returncode == 4:
        raise MicroPythonUnavailable("\n".join(other))
    if proc.returncode != 0:
        message = "\n".join(other).strip() or f"runner exited with {proc.returncode}"
        raise MicroPythonError(message, proc.returncode, proc.stdout, proc.stderr)
    return proc.stdout, stats


def run_mpy(
    code: str,
    copies: Sequence[Copy] = ("firmware",),
    heap: int = DEFAULT_HEAP,
    grow_heap: bool = False,
    timeout: float = 600.0,
    block: Sequence[str] = CIRCUITPYTHON_MISSING,
    loop: str | None = None,
) -> str:
    """Run `code` under MicroPython and return what it printed."""
    return run_mpy_full(code, copies, heap, grow_heap, timeout, block, loop)[0]
