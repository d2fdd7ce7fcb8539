"""Reading log segments copied off the CIRCUITPY drive (log/00000012.bin ...).

Records are found with the firmware's own parser: damaged bytes are skipped,
a torn tail is ignored, and every record that is returned passed its check.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from firmware import record
from firmware.record import scan
from host.errors import PostureError

MAX_FILE = 64 * 1024 * 1024  # nothing the clip writes comes near this


@dataclass
class LogFile:
    records: list[bytes] = field(default_factory=list)
    files: int = 0
    damaged_bytes: int = 0


def segment_files(path: Path) -> list[Path]:
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix == ".bin" and p.stem.isdigit())
        if not files:
            raise PostureError("%s holds no log segments (files like 00000001.bin)" % path)
        return files
    if not path.exists():
        raise PostureError("%s does not exist" % path)
    return [path]


def read_records(data: bytes) -> tuple[list[bytes], int]:
    """Good records of one segment and how many bytes were not part of one."""
    good, _end = scan(data, -1)
    return ([bytes(data[start:start + size]) for start, size, _seq in good],
            len(data) - sum(size for _start, size, _seq in good))


def read_log(paths: list[Path]) -> LogFile:
    result = LogFile()
    for p in paths:
        for f in segment_files(p):
            try:
                if f.stat().st_size > MAX_FILE:
                    raise PostureError("%s is too big to be a clip log" % f)
                data = f.read_bytes()
            except OSError as exc:
                raise PostureError("cannot read %s: %s" % (f, exc)) from None
            recs, damaged = read_records(data)
            if not recs and data:
                raise PostureError("%s is not a posture log (no valid record in it)" % f)
            result.records += recs
            result.damaged_bytes += damaged
            result.files += 1
    result.records.sort(key=lambda r: record.decode(r)[1])
    return result
