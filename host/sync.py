"""Pull a clip's new records into the database: resumable, idempotent, ACK only after commit.

    HELLO -> TIME <now> -> (SYNC <from> <chunk> -> R... END -> commit -> ACK <last>)* -> done

`from` is the database's high-water mark + 1, so an interrupted sync resumes
where the last commit ended; INSERT OR IGNORE makes a repeated record harmless.
A corrupt line ends the chunk early (what came before it is kept) and the
chunk is asked for again from the last good record.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable

from firmware import record
from host.db import DEVICE_ID, VOLATILE_SEQ, Database
from host.errors import PostureError
from host.transport import CorruptReply, Transport, fields, int_field

CHUNK = 1000
MAX_RETRIES = 5
EXTRA_LINES = 200  # lines beyond a chunk's records (stale or live lines) before giving up


@dataclass
class Hello:
    device_id: str
    fw_version: str
    boot: int
    first: int
    next: int
    acked: int


@dataclass
class SyncResult:
    device_id: str
    fw_version: str
    new_minutes: int = 0
    new_events: int = 0
    records: int = 0
    acked: int = -1
    boot: int = 0
    clock_set: bool = False
    boots: set[int] = field(default_factory=set)
    warnings: list[str] = field(default_factory=list)  # records that clashed with held ones

    def as_dict(self) -> dict[str, object]:
        return {"device_id": self.device_id, "fw_version": self.fw_version,
                "new_minutes": self.new_minutes, "new_events": self.new_events,
                "records": self.records, "acked": self.acked, "boot": self.boot,
                "clock_set": self.clock_set, "warnings": self.warnings}


def parse_record(line: str) -> tuple[bytes, Any] | None:
    """(raw, decoded) of one `R <hex>` line, or None when it is not exactly one good record."""
    if not line.startswith("R ") or len(line) > 2 + 2 * record.MAX_SIZE:
        return None
    try:
        raw = bytes.fromhex(line[2:])
        return raw, record.decode(raw)
    except ValueError:
        return None


def hello(link: Transport) -> Hello:
    f = fields(link.request("HELLO", "HELLO"))
    device_id = f.get("id", "")
    if not DEVICE_ID.fullmatch(device_id):
        raise CorruptReply("the clip sent an unusable device id %r" % device_id[:40])
    return Hello(device_id, f.get("fw", "?")[:32], int_field(f, "boot", 0, 0xFFFF),
                 int_field(f, "first", 0), int_field(f, "next", 0), int_field(f, "acked", -1))


def set_clock(link: Transport, now: Callable[[], float]) -> tuple[int, int, int, float]:
    """TIME: returns the anchor (seq, boot, t_ms, wall) for the current boot."""
    t0 = now()
    f = fields(link.request("TIME %d" % int(t0), "TIME"))
    t1 = now()
    return (int_field(f, "seq", 0), int_field(f, "boot", 0, 0xFFFF),
            int_field(f, "ms", 0, record.TICKS_MASK), (t0 + t1) / 2)


def _read_chunk(link: Transport, from_seq: int, chunk: int) -> tuple[list[tuple[bytes, int]], bool]:
    """(raw, seq) records of one SYNC reply and whether the chunk arrived whole (END seen, counts agree)."""
    link.send("SYNC %d %d" % (from_seq, chunk))
    recs: list[tuple[bytes, int]] = []
    last = from_seq - 1
    damaged = False
    lines = 0
    while True:
        lines += 1
        if lines > chunk + EXTRA_LINES:  # a clip that never ends its reply must not hold us forever
            raise CorruptReply("the clip on %s sent more than the %d records asked for without END; "
                               "what arrived before is saved, run the sync again" % (link.port, chunk))
        try:
            line = link.read_body()
        except CorruptReply:
            damaged = True
            continue
        if line.startswith("R ") and not damaged:
            parsed = parse_record(line)
            if parsed is None or parsed[1][1] <= last or len(recs) >= chunk:
                damaged = True
                continue
            last = parsed[1][1]
            recs.append((parsed[0], last))
        elif line.startswith("END "):
            words = line.split()
            try:
                count = int(words[1])
            except (IndexError, ValueError):
                count = -1
            return recs, not damaged and count == len(recs)
        elif line.startswith("ERR "):
            raise PostureError("the clip refused SYNC: %s" % line[4:])


def sync(link: Transport, db: Database, now: Callable[[], float] = time.time, chunk: int = CHUNK,
         progress: Callable[[int, int], None] | None = None) -> SyncResult:
    h = hello(link)
    clashes_before = len(db.clashes)
    result = SyncResult(h.device_id, h.fw_version, boot=h.boot)
    db.note_device(h.device_id, h.fw_version, now())
    anchor = set_clock(link, now)
    result.clock_set = True
    db.store(h.device_id, [], None, anchors=[anchor])
    from_seq = db.acked(h.device_id) + 1
    if h.next < from_seq:
        raise PostureError(
            "the clip %s numbers its records up to %d but this database already holds up to %d: "
            "its log was reset; sync it into a new database with --db" % (h.device_id, h.next - 1,
                                                                          from_seq - 1))
    total = max(0, h.next - max(from_seq, h.first)) if h.next < VOLATILE_SEQ else 0
    done = 0
    retries = 0
    if progress:
        progress(0, total)
    while True:
        recs, whole = _read_chunk(link, from_seq, chunk)
        if recs:
            last = recs[-1][1]
            normal = [seq for _raw, seq in recs if seq < VOLATILE_SEQ]
            m, e, boots = db.store(h.device_id, [raw for raw, _seq in recs],
                                   max(normal) if normal else None)
            result.new_minutes += m
            result.new_events += e
            result.records += len(recs)
            result.boots |= boots
            link.request("ACK %d" % last, "OK ACK")  # only now: the records are committed
            result.acked = last
            from_seq = last + 1
            done += len(recs)
            if progress:
                progress(done, max(total, done))
        if not whole:
            retries += 1
            if retries > MAX_RETRIES:
                raise CorruptReply("too many corrupt lines from the clip on %s; what arrived is "
                                   "saved, run the sync again" % link.port)
            continue
        if not recs:
            break
    db.finish_sync(h.device_id, now())
    result.warnings = db.clashes[clashes_before:]
    return result
