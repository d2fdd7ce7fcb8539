"""Storage adapter for the log: one directory and the `os` functions passed in.

Nothing here takes a path from outside: every name is built by the log itself
(segment numbers, fixed state names) and joined to the one directory given at
construction. On the board: Storage("/log", os, open). In tests: a temporary
directory with the real os, or a fake filesystem that can cut power.
"""

EROFS = 30
ENOSPC = 28
ENOENT = 2


class Storage:
    def __init__(self, directory, os_module, open_fn):
        self.directory = directory.rstrip("/") or "/"
        self.os = os_module
        self.open = open_fn

    def path(self, name):
        if "/" in name or "\\" in name or name.startswith("."):
            raise ValueError("bad file name")
        return self.directory + "/" + name

    def ensure_dir(self):
        try:
            self.os.stat(self.directory)
        except OSError:
            self.os.mkdir(self.directory)

    def listdir(self):
        try:
            return self.os.listdir(self.directory)
        except OSError:
            return []

    def exists(self, name):
        try:
            self.os.stat(self.path(name))
            return True
        except OSError:
            return False

    def size(self, name):
        try:
            return self.os.stat(self.path(name))[6]
        except OSError:
            return -1

    def read(self, name, offset=0, count=-1):
        with self.open(self.path(name), "rb") as f:
            if offset:
                f.seek(offset)
            return f.read(count) if count >= 0 else f.read()

    def read_into(self, name, offset, buf):
        """Bytes from `offset` into buf (reused by the caller: no allocation); how many."""
        with self.open(self.path(name), "rb") as f:
            f.seek(offset)
            return f.readinto(buf) or 0

    def append(self, name, data):
        """One open/write/flush/close: the batch reaches the flash in one go."""
        with self.open(self.path(name), "ab") as f:
            f.write(data)
            f.flush()

    def write(self, name, data):
        with self.open(self.path(name), "wb") as f:
            f.write(data)
            f.flush()

    def remove(self, name):
        try:
            self.os.remove(self.path(name))
        except OSError as exc:
            if exc.args and exc.args[0] == ENOENT:
                return
            raise

    def rename(self, old, new):
        self.os.rename(self.path(old), self.path(new))

    def free(self):
        """Free bytes on the filesystem, or None when unknown."""
        try:
            st = self.os.statvfs(self.directory)
            return st[1] * st[4]
        except (AttributeError, OSError):
            return None


def errno_of(exc):
    if exc.args and isinstance(exc.args[0], int):
        return exc.args[0]
    return getattr(exc, "errno", 0) or 0
