"""A real FAT filesystem image for deploy tests: made by mkfs.vfat, written and read through mtools.

Mounting a loop device needs privileges (and a vfat module) that CI
machines may lack, so the image is driven through mtools instead.
`MtoolsTarget` implements host.deploy's Target interface on the image with
the same temporary-name-then-rename discipline as a mounted drive.
"""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from host.deploy import TMP_SUFFIX

ENV = dict(os.environ, MTOOLS_SKIP_CHECK="1")
TOOLS = ("mkfs.vfat", "mcopy", "mdir", "mtype", "mmd", "mmove", "mdel", "fsck.fat")

BOOT_OUT_9 = (
    "Adafruit CircuitPython 9.2.1 on 2024-11-20; Adafruit QT Py RP2040 with rp2040\n"
    "Board ID:adafruit_qtpy_rp2040\n"
    "UID:DE6270E4E3465A2C\n"
)
BOOT_OUT_8 = (
    "Adafruit CircuitPython 8.2.10 on 2024-02-14; Adafruit Feather Bluefruit Sense with nRF52840\n"
    "Board ID:feather_bluefruit_sense\n"
)


def missing_tools() -> list[str]:
    return [t for t in TOOLS if shutil.which(t) is None and not os.path.exists("/usr/sbin/" + t)
            and not os.path.exists("/sbin/" + t)]


def _tool(name: str) -> str:
    for path in (shutil.which(name), "/usr/sbin/" + name, "/sbin/" + name):
        if path and os.path.exists(path):
            return path
    raise FileNotFoundError(name)


def mtools(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run([_tool(args[0])] + list(args[1:]), capture_output=True, env=ENV, check=check)


def make_image(path: Path, boot_out: str, size_kb: int = 2048) -> Path:
    """A fresh FAT12/16 volume labelled CIRCUITPY holding boot_out.txt, like a board's drive."""
    subprocess.run([_tool("mkfs.vfat"), "-C", "-n", "CIRCUITPY", str(path), str(size_kb)],
                   check=True, capture_output=True)
    put(path, "boot_out.txt", boot_out.encode())
    return path


def put(image: Path, rel: str, data: bytes) -> None:
    with tempfile.NamedTemporaryFile(delete=False) as tmp:
        tmp.write(data)
    try:
        result = mtools("mcopy", "-o", "-i", str(image), tmp.name, "::/" + rel, check=False)
        if result.returncode != 0:  # what the OS would raise from write() on a mounted drive
            message = (result.stderr + result.stdout).decode(errors="replace").strip()
            raise OSError(errno.ENOSPC if "full" in message.lower() else errno.EIO, message)
    finally:
        os.unlink(tmp.name)


def mtype(image: Path, rel: str) -> bytes:
    return mtools("mtype", "-i", str(image), "::/" + rel).stdout


def tree(image: Path, rel: str = "") -> list[str]:
    """Every file on the image (recursively), as relative paths in lower case, read with mdir.

    FAT compares names without case. mtools' mmove stores a plain 8.3 name
    (shown upper case) where a mounted drive keeps the case given, so the
    tests compare names folded to lower case, as the board does."""
    out = mtools("mdir", "-b", "-i", str(image), "::/" + rel).stdout.decode()
    files = []
    for line in out.splitlines():
        name = line.strip()[3:]  # strip "::/"
        if not name:
            continue
        if name.endswith("/"):
            files.extend(tree(image, name.rstrip("/")))
        else:
            files.append(name.lower())
    return sorted(files)


def digest(image: Path) -> str:
    return hashlib.sha256(image.read_bytes()).hexdigest()


def fsck(image: Path) -> str:
    result = subprocess.run([_tool("fsck.fat"), "-n", str(image)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


class MtoolsTarget:
    """host.deploy.Target on a FAT image."""

    def __init__(self, image: Path) -> None:
        self.image = image
        self.label = "FAT image %s" % image.name
        self.log: list[tuple[str, str]] = []  # (operation, path) in the order done

    def read(self, rel: str) -> bytes | None:
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "f")
            result = mtools("mcopy", "-n", "-i", str(self.image), "::/" + rel, out, check=False)
            if result.returncode != 0 or not os.path.exists(out):
                return None
            with open(out, "rb") as handle:
                return handle.read()

    def listdir(self, rel: str) -> list[str] | None:
        result = mtools("mdir", "-b", "-i", str(self.image), "::/" + rel, check=False)
        if result.returncode != 0:
            return None
        names = []
        for line in result.stdout.decode().splitlines():
            name = line.strip()
            if name and not name.endswith("/"):
                names.append(name.rsplit("/", 1)[-1])
        return sorted(names)

    def mkdir(self, rel: str) -> None:
        self.log.append(("mkdir", rel))
        mtools("mmd", "-i", str(self.image), "::/" + rel)

    def stage(self, rel: str, data: bytes) -> None:
        tmp_rel = rel + TMP_SUFFIX
        put(self.image, tmp_rel, data)
        self.log.append(("write-temp", tmp_rel))

    def commit(self, rel: str) -> None:
        mtools("mmove", "-D", "o", "-i", str(self.image), "::/" + rel + TMP_SUFFIX, "::/" + rel)
        self.log.append(("rename", rel))

    def remove(self, rel: str) -> None:
        self.log.append(("remove", rel))
        mtools("mdel", "-i", str(self.image), "::/" + rel, check=False)

    def check_writable(self) -> None:
        if not os.access(self.image, os.W_OK):
            raise PermissionError("read-only image")
