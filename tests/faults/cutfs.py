"""Power cuts on a real directory: the `os` and `open` the log's Storage uses, with a budget.

Every byte written and every create, remove, rename and mkdir is one step; the
step that finds the budget spent raises PowerCut (a BaseException: nothing in
the firmware may catch it, as nothing runs after the power goes). A write cut
part-way leaves the bytes before the cut on disk: a torn tail. ENOSPC and
EROFS can be switched on as well.
"""

from __future__ import annotations

import builtins
import errno
import os as real_os
from typing import Any


class PowerCut(BaseException):
    pass


class CutFS:
    def __init__(self) -> None:
        self.budget: int | None = None
        self.steps = 0
        self.full = False
        self.space: int | None = None   # bytes that can still be written (None: plenty)
        self.readonly = False

    # -- the fault machinery
    def step(self) -> None:
        if self.budget is not None and self.steps >= self.budget:
            raise PowerCut("power cut at step %d" % self.steps)
        self.steps += 1

    def _writable(self) -> None:
        if self.readonly:
            raise OSError(errno.EROFS, "Read-only filesystem")

    # -- os functions (the Storage's os_module)
    def stat(self, path: str) -> Any:
        return real_os.stat(path)

    def listdir(self, path: str) -> list[str]:
        return real_os.listdir(path)

    def mkdir(self, path: str) -> None:
        self._writable()
        self.step()
        real_os.mkdir(path)

    def remove(self, path: str) -> None:
        self._writable()
        if not real_os.path.exists(path):
            raise OSError(errno.ENOENT, "No such file")
        self.step()
        real_os.remove(path)

    def rename(self, old: str, new: str) -> None:
        self._writable()
        self.step()
        real_os.rename(old, new)

    def statvfs(self, path: str) -> tuple[int, ...]:
        free = 0 if self.full else 1 << 20
        return (512, 512, 4096, free // 512, free // 512, 0, 0, 0, 0, 255)

    def open(self, path: str, mode: str = "r") -> Any:
        if any(c in mode for c in "wax+"):
            self._writable()
            if "w" in mode or not real_os.path.exists(path):
                self.step()
            return _CutFile(self, builtins.open(path, mode))
        return builtins.open(path, mode)


class _CutFile:
    def __init__(self, fs: CutFS, f: Any) -> None:
        self.fs = fs
        self.f = f

    def write(self, data: Any) -> int:
        data = bytes(data)
        for i in range(len(data)):
            if self.fs.space is not None:
                if self.fs.space <= 0:
                    self.fs.full = True
                else:
                    self.fs.space -= 1
            if self.fs.full:
                self.f.write(data[:i])
                self.f.flush()
                raise OSError(errno.ENOSPC, "No space left on device")
            try:
                self.fs.step()
            except PowerCut:
                self.f.write(data[:i])
                self.f.flush()
                raise
        self.f.write(data)
        return len(data)

    def flush(self) -> None:
        self.f.flush()

    def close(self) -> None:
        self.f.close()

    def __enter__(self) -> "_CutFile":
        return self

    def __exit__(self, *exc: object) -> None:
        self.f.close()
