"""Pull a clip's new records into the database: resumable, idempotent, ACK only after commit.

    HELLO -> TIME <now> -> (SYNC <from> <chunk> -> R... END -> commit -> ACK <last>)* -> done

`from` is the database's high-water mark + 1, so an interrupted sync resumes
where the last commit ended; INSERT OR IGNORE makes a repeated record harmless.
A corrupt line ends the chunk early (what came before it is kept) and the
chunk is asked for again from the last good record. The protocol itself (the
lines, their checks) is host/client.py's; this module is the sync's order of
steps and what goes into the database.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from host.client import Clip
from host.db import VOLATILE_SEQ, Database
from host.errors import PostureError
from host.transport import CorruptReply, Refused, Transport

CHUNK = 1000
MAX_RETRIES = 5


class LogWasReset(PostureError):
    """The clip numbers its records below what the database holds: its log was reset."""


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


def sync(link: Transport | Clip, db: Database, now: Callable[[], float] = time.time,
         chunk: int = CHUNK, progress: Callable[[int, int], None] | None = None) -> SyncResult:
    clip = link if isinstance(link, Clip) else Clip(link)
    h = clip.hello()
    clashes_before = len(db.clashes)
    result = SyncResult(h.device_id, h.fw_version, boot=h.boot)
    db.note_device(h.device_id, h.fw_version, now())
    anchor = clip.set_time(now)
    result.clock_set = True
    db.store(h.device_id, [], None, anchors=[anchor])
    from_seq = db.acked(h.device_id) + 1
    if h.next < from_seq:
        raise LogWasReset(
            "the clip %s numbers its records up to %d but this database already holds up to %d: "
            "its log was reset; sync it into a new database" % (h.device_id, h.next - 1,
                                                                 from_seq - 1))
    total = max(0, h.next - max(from_seq, h.first)) if h.next < VOLATILE_SEQ else 0
    done = 0
    retries = 0
    if progress:
        progress(0, total)
    while True:
        got = clip.sync(from_seq, chunk)
        recs = got.records
        if recs:
            last = recs[-1].rec.seq
            normal = [r.rec.seq for r in recs if r.rec.seq < VOLATILE_SEQ]
            m, e, boots = db.store(h.device_id, [r.raw for r in recs],
                                   max(normal) if normal else None)
            result.new_minutes += m
            result.new_events += e
            result.records += len(recs)
            result.boots |= boots
            clip.ack(last)  # only now: the records are committed
            result.acked = last
            from_seq = last + 1
            done += len(recs)
            if progress:
                progress(done, max(total, done))
        if not got.whole:
            retries += 1
            if retries > MAX_RETRIES:
                raise CorruptReply("too many corrupt lines from the clip on %s; what arrived is "
                                   "saved, run the sync again" % clip.port)
            continue
        if not recs:
            break
    db.finish_sync(h.device_id, now())
    result.warnings = db.clashes[clashes_before:]
    return result


def erase_synced(clip: Clip, acked: int, db: Database | None = None) -> int:
    """ERASE what the clip has acknowledged; returns the seq erased to (-1: nothing yet).

    After the erase the database is the only copy of those records, so a whole copy of it
    is kept first (name.bak next to it).
    """
    if acked < 0:
        return -1
    if db is not None:
        db.backup()
    return clip.erase(acked)


UNSUPPORTED = ("the clip's firmware does not support the training plan yet; run `posture deploy` "
               "(the synced records are safe)")


def apply_plan(clip: Clip, db: Database, device_id: str, now: float,
               tz: Any = None) -> dict[str, Any]:
    """After a good sync: work out the training plan from the database and SET it on the clip
    (the SET `posture config` uses), then record what was applied.

    Never fails the sync: the records are already committed. A clip whose firmware does not
    know POSTURE_TRAIN_MIN answers ERR (unknown setting): the result says to run deploy. A
    refusal or a dropped link is reported the same way, and the next sync tries again.
    """
    from host import plan as pl
    from host.goals import read_goal
    from host.summary import local_date

    try:
        goal = read_goal(db.conn)
        now_plan = pl.current(db.conn, device_id, tz)
        days = pl.measured_days(db.conn, local_date(now, tz), tz, goal)
        try:
            delay = int(clip.get(pl.DELAY_KEY))
        except (ValueError, Refused):
            delay = None
        nxt = pl.next_plan(days, None if now_plan is None else now_plan["train_min"], delay, goal,
                           None if now_plan is None else now_plan["based_on"])
    except sqlite3.Error as exc:
        return {"status": "not applied", "message": "training plan not applied: %s" % exc}
    except PostureError as exc:
        return {"status": "not applied", "message": "training plan not applied (%s); the next "
                "sync tries again" % exc}
    sent = [(pl.TRAIN_KEY, nxt["train_min"])]
    if nxt["delay_s"] is not None:
        sent.append((pl.DELAY_KEY, nxt["delay_s"]))
    for i, (key, value) in enumerate(sent):
        try:
            clip.set(key, value)
        except Refused as exc:
            if i == 0 and "unknown setting" in str(exc):
                return {"status": "unsupported", "message": UNSUPPORTED, "plan": nxt}
            return {"status": "refused", "plan": nxt,
                    "message": "the clip refused the training plan's %s %s (%s); the synced "
                               "records are safe" % (key, value, str(exc).split(": ", 1)[-1])}
        except PostureError as exc:
            return {"status": "not applied", "plan": nxt,
                    "message": "training plan not applied (%s); the synced records are safe and "
                               "the next sync tries again" % exc}
    db.note_plan(device_id, now, nxt["based_on"], nxt["train_min"], nxt["delay_s"], nxt["reason"])
    return {"status": "applied", "plan": nxt,
            "message": "training plan: %d min a day (%s %d)%s. %s" % (
                nxt["train_min"], pl.TRAIN_KEY, nxt["train_min"],
                "" if nxt["delay_s"] is None else ", alert after %d s" % nxt["delay_s"],
                nxt["reason"])}
