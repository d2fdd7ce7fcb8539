"""Finding the CIRCUITPY drive and reading boot_out.txt (the device layer under `posture deploy`).

Like circup: on Linux the mount table is searched for mount points whose last
component starts with CIRCUITPY (a second board mounts as CIRCUITPY1); on
macOS /Volumes/CIRCUITPY*; on Windows the drive letters whose volume label
is CIRCUITPY. A drive counts only if it holds boot_out.txt.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from host.errors import PostureError

LABEL = "CIRCUITPY"
# CircuitPython releases the deploy supports, by major version. 8.x and older
# read a different .mpy format and lack APIs the firmware uses.
MIN_MAJOR = 9
TESTED_MAJORS = (9, 10)

_VERSION_LINE = re.compile(r"CircuitPython\s+(\d+)\.(\d+)\.(\d+)(\S*)\s+on\s+([^;]+);\s*(.*)")


@dataclass(frozen=True)
class BootInfo:
    """What boot_out.txt says: the CircuitPython version and the board."""

    version: str  # e.g. "9.2.1" or "10.0.0-beta.2"
    major: int
    minor: int
    board_id: str  # "" when the file has no Board ID line
    board_name: str  # e.g. "Adafruit QT Py RP2040 with rp2040"

    def supported(self) -> bool:
        return self.major >= MIN_MAJOR


def parse_boot_out(text: str) -> BootInfo:
    """Parse boot_out.txt. Its first line is like
    'Adafruit CircuitPython 9.2.1 on 2024-11-20; Adafruit QT Py RP2040 with rp2040',
    the second 'Board ID:adafruit_qtpy_rp2040'."""
    lines = text.splitlines()
    match = _VERSION_LINE.search(lines[0]) if lines else None
    if match is None:
        first = lines[0][:80] if lines else "(empty file)"
        raise PostureError(
            "boot_out.txt does not name a CircuitPython version (first line: %r); "
            "is this a CircuitPython board? MicroPython boards are not supported by deploy" % first)
    major, minor, patch, suffix = int(match.group(1)), int(match.group(2)), match.group(3), match.group(4)
    board_id = ""
    for line in lines[1:]:
        if line.startswith("Board ID:"):
            board_id = line[len("Board ID:"):].strip()
            break
    version = "%d.%d.%s%s" % (major, minor, patch, suffix)
    return BootInfo(version, major, minor, board_id, match.group(6).strip())


def check_supported(info: BootInfo) -> None:
    """Refuse CircuitPython releases the firmware cannot run on."""
    if not info.supported():
        raise PostureError(
            "the board runs CircuitPython %s; the clip needs CircuitPython %d or newer "
            "(the firmware uses 9.x APIs and 8.x reads a different .mpy format). "
            "Update it: download the .uf2 for your board from https://circuitpython.org/downloads, "
            "double-tap reset and drag it onto the BOOT drive" % (info.version, MIN_MAJOR))


def _unescape_mount(field: str) -> str:
    # /proc/mounts writes space, tab, newline and backslash as octal escapes.
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), field)


def linux_mount_points(mounts_text: str) -> list[str]:
    """CIRCUITPY mount points from /proc/self/mounts text."""
    found = []
    for line in mounts_text.splitlines():
        parts = line.split()
        if len(parts) >= 2:
            point = _unescape_mount(parts[1])
            if os.path.basename(point.rstrip("/")).startswith(LABEL):
                found.append(point)
    return found


def mount_command_points(output: str) -> list[str]:
    """CIRCUITPY mount points from `mount` output ('dev on /point type ...' or '(...)')."""
    found = []
    for line in output.splitlines():
        match = re.match(r".+? on (.+?) (?:type |\()", line)
        if match and os.path.basename(match.group(1).rstrip("/")).startswith(LABEL):
            found.append(match.group(1))
    return found


def _windows_drives() -> list[str]:  # pragma: no cover - needs Windows
    import ctypes

    kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
    found = []
    old_mode = kernel32.SetErrorMode(1)  # no "insert a disk" pop-ups for empty card readers
    try:
        for letter in "DEFGHIJKLMNOPQRSTUVWXYZ":
            root = letter + ":\\"
            if not os.path.exists(root):
                continue
            name = ctypes.create_unicode_buffer(261)
            if kernel32.GetVolumeInformationW(ctypes.c_wchar_p(root), name, 261, None, None, None, None, 0):
                if name.value.startswith(LABEL):
                    found.append(root)
    finally:
        kernel32.SetErrorMode(old_mode)
    return found


def candidate_drives() -> list[str]:
    """Mount points that look like CircuitPython drives on this computer."""
    if sys.platform.startswith("win"):
        return _windows_drives()
    if sys.platform == "darwin":
        volumes = Path("/Volumes")
        return sorted(str(p) for p in volumes.glob(LABEL + "*")) if volumes.is_dir() else []
    try:
        return linux_mount_points(Path("/proc/self/mounts").read_text(encoding="utf-8", errors="replace"))
    except OSError:
        pass
    for command in ("mount", "/sbin/mount"):
        try:
            out = subprocess.run([command], capture_output=True, text=True, timeout=10).stdout
        except (OSError, subprocess.SubprocessError):
            continue
        return mount_command_points(out)
    return []


def find_drive(explicit: str | None = None, candidates: list[str] | None = None) -> Path:
    """The CIRCUITPY drive: `explicit` if given, else the one mounted drive holding boot_out.txt."""
    if explicit:
        path = Path(explicit)
        if not path.is_dir():
            raise PostureError("--drive %s is not a directory" % explicit)
        if not (path / "boot_out.txt").is_file():
            raise PostureError(
                "%s has no boot_out.txt: not a CIRCUITPY drive, or CircuitPython has not "
                "started on it yet (press reset once and wait for the drive to reappear)" % explicit)
        return path
    if candidates is None:
        candidates = candidate_drives()
    drives = [c for c in candidates if os.path.isfile(os.path.join(c, "boot_out.txt"))]
    if not drives:
        raise PostureError(
            "no CIRCUITPY drive found: plug the board in with a data (not charge-only) USB cable, "
            "wait for the drive to appear, or name it with --drive PATH")
    if len(drives) > 1:
        raise PostureError("several CIRCUITPY drives are mounted (%s); choose one with --drive PATH"
                           % ", ".join(drives))
    return Path(drives[0])
