"""Reading log segments copied off the CIRCUITPY drive (log/00000012.bin ...).

Records are found with the firmware's own parser: damaged bytes are skipped,
a torn tail is ignored, and every record that is returned passed its check.

Memory stays bounded whatever is given: only regular files are read, each
with a byte budget (reading, not trusting the size the file system reports:
a device such as /dev/zero says 0 bytes and never ends), and the whole import
has a budget too. The clip writes segments of at most 8 KB and its flash holds
a few MB, so the budgets are far above anything real.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

from firmware import record
from firmware.record import scan
from host.db import DEVICE_ID
from host.errors import PostureError
from host.records import seq_of

MAX_FILE = 1 << 20        # bytes of one segment (the clip's are 8 KB)
MAX_TOTAL = 16 << 20      # bytes of one import (the largest CircuitPython board flash)
MAX_FILES = 4096          # segment files in one folder
MAX_BOOT_OUT = 4096       # bytes of boot_out.txt read (CircuitPython writes a few hundred)
LOG_DIR = "log"           # where the clip keeps its segments on the drive
_UID = re.compile(r"UID:([0-9A-Fa-f]{2,64})\s*$")


@dataclass
class LogFile:
    records: list[bytes] = field(default_factory=list)
    files: int = 0
    damaged_bytes: int = 0
    device_ids: set[str] = field(default_factory=set)  # UID lines of the drives read


def log_folder(path: Path) -> Path:
    """The folder of segments: the path itself, or its log/ folder when given the drive root."""
    sub = path / LOG_DIR
    if sub.is_dir() and not _segments_in(path):
        return sub
    return path


def _segments_in(folder: Path) -> list[Path]:
    out = []
    try:
        with os.scandir(folder) as it:
            for entry in it:
                if record.segment_number(entry.name) >= 0:
                    out.append(Path(entry.path))
                    if len(out) > MAX_FILES:
                        raise PostureError("%s holds more than %d segment files: that is not one "
                                           "clip's log" % (folder, MAX_FILES))
    except OSError as exc:
        raise PostureError("cannot read the folder %s: %s" % (folder, exc.strerror or exc)) from None
    return sorted(out)


def segment_files(path: Path) -> list[Path]:
    if path.is_dir():
        folder = log_folder(path)
        files = _segments_in(folder)
        if not files:
            raise PostureError("%s holds no log segments (files like log/00000001.bin)" % path)
        return files
    if not path.exists():
        raise PostureError("%s does not exist" % path)
    return [path]


def read_bounded(path: Path, limit: int, what: str) -> bytes:
    """At most `limit` bytes of a regular file; PostureError for anything else or anything bigger."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except IsADirectoryError:
        raise PostureError("%s is a folder, so it cannot be %s" % (path, what)) from None
    except OSError as exc:
        raise PostureError("cannot read %s: %s" % (path, exc.strerror or exc)) from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            kind = "a folder" if stat.S_ISDIR(os.fstat(fd).st_mode) else "not a regular file"
            raise PostureError("%s is %s, so it cannot be %s" % (path, kind, what))
        chunks = []
        left = limit + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        data = b"".join(chunks)
    except OSError as exc:
        raise PostureError("cannot read %s: %s" % (path, exc.strerror or exc)) from None
    finally:
        os.close(fd)
    if len(data) > limit:
        raise PostureError("%s is too big to be %s (more than %d bytes)" % (path, what, limit))
    return data


def drive_id(path: Path) -> str | None:
    """The clip's id from the UID line of boot_out.txt on its drive, when the path is on one.

    CircuitPython writes `UID:` and the chip id in hex, the same digits the firmware sends as
    HELLO id= (firmware/datalink.device_id), so an import and a later sync name the same clip.
    """
    here = path if path.is_dir() else path.parent
    for folder in (here, here.parent):
        boot_out = folder / "boot_out.txt"
        if not boot_out.is_file() or not (folder / LOG_DIR).is_dir():
            continue
        text = read_bounded(boot_out, MAX_BOOT_OUT, "CircuitPython's boot_out.txt")
        for line in text.decode("utf-8", "replace").splitlines():
            m = _UID.match(line.strip())
            if m:
                uid = m.group(1).upper()[:32]  # as device_id(): upper-case hex, at most 32 digits
                return uid if DEVICE_ID.fullmatch(uid) else None
        return None
    return None


def read_records(data: bytes) -> tuple[list[bytes], int]:
    """Good records of one segment and how many bytes were not part of one."""
    good, _end = scan(data, -1)
    return ([bytes(data[start:start + size]) for start, size, _seq in good],
            len(data) - sum(size for _start, size, _seq in good))


def read_log(paths: list[Path]) -> LogFile:
    result = LogFile()
    total = 0
    for p in paths:
        uid = drive_id(p)
        if uid is not None:
            result.device_ids.add(uid)
        for f in segment_files(p):
            data = read_bounded(f, MAX_FILE, "a clip log segment")
            total += len(data)
            if total > MAX_TOTAL:
                raise PostureError("more than %d MB of log files: that is more than a clip holds; "
                                   "import one clip's log at a time" % (MAX_TOTAL >> 20))
            recs, damaged = read_records(data)
            if not recs and data:
                raise PostureError("%s is not a posture log (no valid record in it)" % f)
            result.records += recs
            result.damaged_bytes += damaged
            result.files += 1
    result.records.sort(key=seq_of)
    return result
