"""Fake `os` for the simulated board: getenv from settings.toml, and the CIRCUITPY drive.

`getenv(key, default=None)` reads `settings.toml` on every call as CircuitPython
does: top-level `KEY = value` lines before any [table]; a value is a "string"
(with \\n \\t \\" \\\\ \\uXXXX escapes) or a decimal integer; anything else
raises ValueError for that key. The file is `<fs_dir>/settings.toml`, or
`board.settings_text` when the board has no drive directory.

Absolute device paths ("/log/0001.bin") map into `board.fs_dir`. While the
drive is read-only to code (the host holds it, as after every boot unless
boot.py remounted it), writing raises OSError(30) like CircuitPython. With
`board.fs_capacity` (bytes) the drive fills up: statvfs shows the room left and
a write past it raises OSError(28).
"""

from __future__ import annotations

import builtins
import errno
import os as _real_os
import sys
import tempfile
import types
from typing import Any

_CLUSTER = 512
_ESCAPES = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}


def _parse_string(text: str, key: str) -> str:
    out: list[str] = []
    i = 1
    while i < len(text):
        ch = text[i]
        if ch == '"':
            rest = text[i + 1:].strip()
            if rest and not rest.startswith("#"):
                raise ValueError("Invalid value for %s" % key)
            return "".join(out)
        if ch == "\\":
            i += 1
            esc = text[i:i + 1]
            if esc in _ESCAPES:
                out.append(_ESCAPES[esc])
            elif esc in ("u", "U"):
                width = 4 if esc == "u" else 8
                digits = text[i + 1:i + 1 + width]
                try:
                    out.append(chr(int(digits, 16)))
                except ValueError:
                    raise ValueError("Invalid unicode escape for %s" % key) from None
                i += width
            else:
                raise ValueError("Invalid escape for %s" % key)
        else:
            out.append(ch)
        i += 1
    raise ValueError("Unterminated string for %s" % key)


def parse_value(text: str, key: str) -> str | int:
    text = text.strip()
    if text.startswith('"'):
        return _parse_string(text, key)
    body = text.split("#", 1)[0].strip()
    digits = body[1:] if body[:1] in "+-" else body
    if digits and digits.isdigit() and digits.isascii():
        return int(body)
    raise ValueError("Invalid value for %s" % key)


def getenv_from_text(text: str, key: str, default: object = None) -> object:
    """CircuitPython's os.getenv over the text of a settings.toml."""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            break
        name, sep, value = line.partition("=")
        if sep and name.strip() == key:
            return parse_value(value, key)
    return default


def settings_toml(settings: dict[str, object]) -> str:
    """A settings.toml text for a dict (strings quoted, ints bare, other values written raw)."""
    lines = []
    for key, value in settings.items():
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            lines.append("%s = %s" % (key, value))
        elif isinstance(value, int):
            lines.append("%s = %d" % (key, value))
        else:
            escaped = value.replace("\\", "\\\\").replace('"', '\\"')
            lines.append('%s = "%s"' % (key, escaped))
    return "\n".join(lines) + "\n"


class DriveMap:
    """Translates device paths into the board's drive directory and enforces read-only."""

    def __init__(self, board: Any) -> None:
        self.board = board
        self._host_roots = tuple(
            p for p in {sys.prefix, sys.base_prefix, tempfile.gettempdir(), _real_os.getcwd()} if p and p != "/")

    def path(self, path: Any) -> Any:
        """The host path for a device path: "/x" and relative "x" (the device's cwd is "/") map
        into fs_dir; host paths (the venv, the repo, the temp dir) pass through."""
        fs_dir = self.board.fs_dir
        if not isinstance(path, str) or not fs_dir:
            return path
        if path.startswith(fs_dir) or path.startswith(self._host_roots):
            return path
        return _real_os.path.join(fs_dir, path.lstrip("/"))

    def is_device(self, path: Any) -> bool:
        fs_dir = self.board.fs_dir
        return isinstance(path, str) and bool(fs_dir) and self.path(path).startswith(fs_dir)

    def check_writable(self, path: Any) -> None:
        if self.is_device(path) and self.board.readonly:
            raise OSError(errno.EROFS, "Read-only filesystem")

    def open(self, file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        if any(c in mode for c in "wax+"):
            self.check_writable(file)
            f = builtins.open(self.path(file), mode, *args, **kwargs)
            if self.board.fs_capacity is not None and self.is_device(file):
                return _LimitedFile(f, self)
            return f
        return builtins.open(self.path(file), mode, *args, **kwargs)

    def used_bytes(self) -> int:
        """Bytes taken on the drive, in whole 512-byte clusters as FAT allocates them."""
        total = 0
        for folder, _dirs, files in _real_os.walk(self.board.fs_dir):
            for name in files:
                try:
                    size = _real_os.path.getsize(_real_os.path.join(folder, name))
                except OSError:
                    continue
                total += -(-size // _CLUSTER) * _CLUSTER
        return total

    def free_bytes(self) -> int:
        return max(0, self.board.fs_capacity - self.used_bytes())

    def statvfs(self, path: Any) -> tuple[int, ...]:
        if self.board.fs_capacity is None:
            return tuple(_real_os.statvfs(self.path(path)))
        free = self.free_bytes() // _CLUSTER
        return (_CLUSTER, _CLUSTER, self.board.fs_capacity // _CLUSTER, free, free, 0, 0, 0, 0, 255)


class _LimitedFile:
    """A file on a drive of `board.fs_capacity` bytes: a write that does not fit writes what
    fits, then raises OSError(28) "No space left on device", as FAT on a full flash does."""

    def __init__(self, f: Any, drive: DriveMap) -> None:
        self._f = f
        self._drive = drive

    def write(self, data: Any) -> int:
        data = data.encode() if isinstance(data, str) and "b" in self._f.mode else data
        self._f.flush()
        # room in this file's last cluster plus the free clusters
        room = self._drive.free_bytes() + (-self._f.tell()) % _CLUSTER
        if len(data) > room:
            if room:
                self._f.write(data[:room])
            self._f.flush()
            raise OSError(errno.ENOSPC, "No space left on device")
        return self._f.write(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._f, name)

    def __iter__(self) -> Any:
        return iter(self._f)

    def __enter__(self) -> "_LimitedFile":
        return self

    def __exit__(self, *exc: object) -> None:
        self._f.close()


def make_module(board: Any) -> types.ModuleType:
    mod = types.ModuleType("os")
    for name in dir(_real_os):
        if not name.startswith("__"):
            setattr(mod, name, getattr(_real_os, name))
    drive = DriveMap(board)
    board.drive = drive

    def getenv(key: str, default: object = None) -> object:
        if board.fs_dir:
            try:
                with builtins.open(_real_os.path.join(board.fs_dir, "settings.toml"), encoding="utf-8") as f:
                    text = f.read()
            except OSError:
                return default
        else:
            text = getattr(board, "settings_text", "")
        return getenv_from_text(text, key, default)

    def _reader(fn: Any) -> Any:
        return lambda path, *a, **k: fn(drive.path(path), *a, **k)

    def _writer(fn: Any) -> Any:
        def wrapped(path: Any, *a: Any, **k: Any) -> Any:
            drive.check_writable(path)
            return fn(drive.path(path), *a, **k)
        return wrapped

    def rename(old: Any, new: Any) -> None:
        drive.check_writable(old)
        drive.check_writable(new)
        _real_os.rename(drive.path(old), drive.path(new))

    mod.getenv = getenv  # type: ignore[attr-defined]
    mod.listdir = lambda path=".": _real_os.listdir(drive.path(path))  # type: ignore[attr-defined]
    mod.stat = _reader(_real_os.stat)  # type: ignore[attr-defined]
    mod.statvfs = drive.statvfs  # type: ignore[attr-defined]
    mod.remove = _writer(_real_os.remove)  # type: ignore[attr-defined]
    mod.unlink = mod.remove  # type: ignore[attr-defined]
    mod.mkdir = _writer(_real_os.mkdir)  # type: ignore[attr-defined]
    mod.rmdir = _writer(_real_os.rmdir)  # type: ignore[attr-defined]
    mod.rename = rename  # type: ignore[attr-defined]
    mod.sync = lambda: None  # type: ignore[attr-defined]
    mod.uname = lambda: ("samd51", "samd51", "9.2.0", "9.2.0 on 2026-01-01", board.board_id)  # type: ignore[attr-defined]
    return mod
