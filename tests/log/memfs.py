"""An in-memory filesystem with the `os` functions the log uses, that can cut power.

Every written byte and every create/remove/rename is one step; with `budget`
set, the step that exhausts it raises PowerCut with the work done so far left
on the "flash" (a write keeps the bytes before the cut: a torn tail). Also a
read-only mode (OSError 30) and a capacity (OSError 28 when full).
"""

from __future__ import annotations

from typing import Any


class PowerCut(Exception):
    pass


class MemFS:
    def __init__(self, capacity: int = 1 << 20) -> None:
        self.files: dict[str, bytearray] = {}
        self.dirs: set[str] = {"/"}
        self.capacity = capacity
        self.budget: int | None = None
        self.readonly = False
        self.steps = 0

    # -- fault machinery
    def _step(self) -> None:
        self.steps += 1
        if self.budget is not None:
            if self.budget <= 0:
                raise PowerCut()
            self.budget -= 1

    def _check_writable(self) -> None:
        if self.readonly:
            raise OSError(30, "read-only filesystem")

    def used(self) -> int:
        return sum(len(v) for v in self.files.values())

    # -- os functions
    def listdir(self, path: str) -> list[str]:
        if path not in self.dirs:
            raise OSError(2, "no such directory")
        prefix = path.rstrip("/") + "/"
        return sorted(p[len(prefix):] for p in self.files if p.startswith(prefix))

    def stat(self, path: str) -> tuple[int, ...]:
        if path in self.dirs:
            return (0x4000, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        if path not in self.files:
            raise OSError(2, "no such file")
        return (0x8000, 0, 0, 0, 0, 0, len(self.files[path]), 0, 0, 0)

    def mkdir(self, path: str) -> None:
        self._check_writable()
        self._step()
        self.dirs.add(path)

    def remove(self, path: str) -> None:
        self._check_writable()
        if path not in self.files:
            raise OSError(2, "no such file")
        self._step()
        del self.files[path]

    def rename(self, old: str, new: str) -> None:
        self._check_writable()
        if old not in self.files:
            raise OSError(2, "no such file")
        if new in self.files:
            raise OSError(17, "exists")
        self._step()
        self.files[new] = self.files.pop(old)

    def statvfs(self, path: str) -> tuple[int, ...]:
        free_blocks = max(0, self.capacity - self.used()) // 512
        return (512, 512, self.capacity // 512, free_blocks, free_blocks, 0, 0, 0, 0, 255)

    def open(self, path: str, mode: str = "r") -> "MemFile":
        if "r" in mode:
            if path not in self.files:
                raise OSError(2, "no such file")
            return MemFile(self, path, bytes(self.files[path]), writing=False)
        self._check_writable()
        if "w" in mode or path not in self.files:
            self._step()
            self.files[path] = bytearray()
        return MemFile(self, path, b"", writing=True)


class MemFile:
    def __init__(self, fs: MemFS, path: str, data: bytes, writing: bool) -> None:
        self.fs = fs
        self.path = path
        self.data = data
        self.pos = 0
        self.writing = writing

    def read(self, n: int = -1) -> bytes:
        end = len(self.data) if n < 0 else self.pos + n
        out = self.data[self.pos:end]
        self.pos += len(out)
        return out

    def readinto(self, buf: bytearray) -> int:
        out = self.read(len(buf))
        buf[:len(out)] = out
        return len(out)

    def seek(self, pos: int) -> None:
        self.pos = pos

    def write(self, data: Any) -> int:
        target = self.fs.files[self.path]
        room = self.fs.capacity - self.fs.used()
        for byte in bytes(data):
            if room <= 0:
                raise OSError(28, "no space left")
            room -= 1
            self.fs._step()
            target.append(byte)
        return len(data)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass

    def __enter__(self) -> "MemFile":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
