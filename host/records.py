"""The host's named view of the clip's binary records (the layout is firmware/record.py's).

firmware.record.decode returns plain tuples, as the board needs (no classes per record on a
100 KB heap). On the laptop every reader goes through `decode` here instead, so code reads
`rec.seq` and `rec.fields.kind` rather than `parsed[1][1]`. The values are the same objects
in the same order: a Record, a Minute and an Event are tuples too.
"""

from __future__ import annotations

from typing import NamedTuple, Union

from firmware import record


class Minute(NamedTuple):
    """A MINUTE record's summary: seconds of the minute in each state, flexion, alerts."""

    t_ms: int
    worn_s: int
    upright_s: int
    slouch_s: int
    moving_s: int
    lying_s: int
    mean_flex_d10: int
    peak_flex_d10: int
    alerts: int


class Event(NamedTuple):
    """An EVENT record: kind is a firmware.events name (a and b mean what that kind says)."""

    t_ms: int
    kind: str
    a: int
    b: int


class Record(NamedTuple):
    """One decoded record. fields: a Minute, an Event, or a TIME record's unix seconds."""

    type: int       # firmware.record.T_MINUTE, T_EVENT or T_TIME
    seq: int
    boot: int
    t_ms: int
    fields: Union[Minute, Event, int]


def decode(raw: bytes) -> Record:
    """firmware.record.decode with names. ValueError on a damaged record, as there."""
    rtype, seq, boot, t_ms, fields = record.decode(raw)
    if rtype == record.T_MINUTE:
        return Record(rtype, seq, boot, t_ms, Minute(*fields))
    if rtype == record.T_EVENT:
        return Record(rtype, seq, boot, t_ms, Event(*fields))
    return Record(rtype, seq, boot, t_ms, int(fields))


def seq_of(raw: bytes) -> int:
    """The seq of one good record (sorting records read off a drive)."""
    return record.decode(raw)[1]
