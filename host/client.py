"""The host's one client of the clip's line protocol (docs/protocol.md), over a Transport.

Every command that talks to a clip goes through `Clip`: it writes the request lines, reads
the replies and checks them (bounded, ranges, the right reply), so the SYNC reply loop, the
GET/SET quoting and the HELLO check exist once. It speaks in the protocol's terms only
(records, seqs, settings): what a command prints and how it exits stay in host/commands/.

Versions: HELLO's `proto=` is the protocol the clip's firmware speaks; this tool speaks
PROTO, the version of the firmware it deploys (firmware/protocol.py). `hello()` refuses a
clip that speaks another version and says which side to update.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, NamedTuple

from firmware import protocol, record
from host import records
from host.db import DEVICE_ID
from host.errors import PostureError
from host.transport import CorruptReply, Transport, fields, int_field

# The protocol version of the firmware this tool deploys; a clip running that firmware says
# the same in HELLO. (The board keeps it as a module-private const(), which costs no RAM.)
PROTO = protocol._PROTO_VERSION
EXTRA_LINES = 200  # lines beyond a chunk's records (stale or live lines) before giving up
EMPTY = "-"        # how an empty setting value travels (a line's words cannot be empty)


class ProtocolMismatch(PostureError):
    """The clip speaks another protocol version than this tool."""


@dataclass
class Hello:
    device_id: str
    fw_version: str
    boot: int
    first: int
    next: int
    acked: int
    proto: int = PROTO


class Anchor(NamedTuple):
    """A TIME reply: the clip's record `seq` of boot `boot` was at ticks `t_ms` at unix `wall`."""

    seq: int
    boot: int
    t_ms: int
    wall: float


class Received(NamedTuple):
    """One record of a SYNC reply: its bytes as sent and their decoded form."""

    raw: bytes
    rec: records.Record


class Chunk(NamedTuple):
    """One SYNC reply: its good records in seq order, and whether it arrived whole (END seen,
    its count agrees, no corrupt or out-of-order line). A chunk that is not whole keeps the
    records before the first bad line; the rest is asked for again."""

    records: list[Received]
    whole: bool


def parse_record(line: str) -> tuple[bytes, records.Record] | None:
    """(raw, decoded) of one `R <hex>` line, or None when it is not exactly one good record."""
    if not line.startswith("R ") or len(line) > 2 + 2 * record.MAX_SIZE:
        return None
    try:
        raw = bytes.fromhex(line[2:])
        return raw, records.decode(raw)
    except ValueError:
        return None


def to_wire(value: object) -> str:
    """A setting value as one word: the empty value is EMPTY (firmware/protocol.py reads it back)."""
    text = str(value)
    return EMPTY if text == "" else text


def from_wire(word: str) -> str:
    return "" if word == EMPTY else word


def version_problem(clip_proto: int, port: str) -> str | None:
    """Why this tool cannot talk to a clip speaking `clip_proto`, saying which side to update."""
    if clip_proto < PROTO:
        return ("the clip on %s runs older firmware (protocol %d; this posture speaks %d): run "
                "`posture deploy` to update it" % (port, clip_proto, PROTO))
    if clip_proto > PROTO:
        return ("the clip on %s runs newer firmware (protocol %d) than this posture knows (%d): "
                "update the posture tool on this computer (pip install --upgrade posture-clip)"
                % (port, clip_proto, PROTO))
    return None


class Clip:
    """A clip on the other end of `link`. Methods map one to one onto protocol commands."""

    def __init__(self, link: Transport) -> None:
        self.link = link

    @property
    def port(self) -> str:
        return self.link.port

    @property
    def timeout(self) -> float:
        return self.link.timeout

    def hello(self) -> Hello:
        """HELLO: who the clip is and where its log stands. Refuses another protocol version."""
        f = fields(self.link.request("HELLO", "HELLO"))
        device_id = f.get("id", "")
        if not DEVICE_ID.fullmatch(device_id):
            raise CorruptReply("the clip sent an unusable device id %r" % device_id[:40])
        h = Hello(device_id, f.get("fw", "?")[:32], int_field(f, "boot", 0, 0xFFFF),
                  int_field(f, "first", 0), int_field(f, "next", 0), int_field(f, "acked", -1),
                  int_field(f, "proto", 0, 0xFFFF))
        problem = version_problem(h.proto, self.port)
        if problem:
            raise ProtocolMismatch(problem)
        return h

    def set_time(self, now: Callable[[], float]) -> Anchor:
        """TIME: the anchor for the current boot, its wall the midpoint of the round trip."""
        t0 = now()
        f = fields(self.link.request("TIME %d" % int(t0), "TIME"))
        t1 = now()
        return Anchor(int_field(f, "seq", 0), int_field(f, "boot", 0, 0xFFFF),
                      int_field(f, "ms", 0, record.TICKS_MASK), (t0 + t1) / 2)

    def sync(self, from_seq: int, count: int) -> Chunk:
        """SYNC: up to `count` records from `from_seq` on (see Chunk for a damaged reply)."""
        link = self.link
        link.send("SYNC %d %d" % (from_seq, count))
        recs: list[Received] = []
        last = from_seq - 1
        damaged = False
        lines = 0
        while True:
            lines += 1
            if lines > count + EXTRA_LINES:  # a clip that never ends its reply must not hold us forever
                raise CorruptReply("the clip on %s sent more than the %d records asked for without "
                                   "END; what arrived before is saved, run the sync again"
                                   % (link.port, count))
            try:
                line = link.read_body()
            except CorruptReply:
                damaged = True
                continue
            if line.startswith("R ") and not damaged:
                parsed = parse_record(line)
                if parsed is None or parsed[1].seq <= last or len(recs) >= count:
                    damaged = True
                    continue
                last = parsed[1].seq
                recs.append(Received(*parsed))
            elif line.startswith("END "):
                words = line.split()
                try:
                    sent = int(words[1])
                except (IndexError, ValueError):
                    sent = -1
                return Chunk(recs, not damaged and sent == len(recs))
            elif line.startswith("ERR "):
                raise PostureError("the clip refused SYNC: %s" % line[4:])

    def ack(self, seq: int) -> None:
        """ACK: the host holds every record up to seq (send it only after the commit)."""
        self.link.request("ACK %d" % seq, "OK ACK")

    def erase(self, upto: int) -> int:
        """ERASE: free the clip's flash of acknowledged records; the seq erased to (-1: none)."""
        reply = self.link.request("ERASE %d" % upto, "OK ERASE").split()
        try:
            return int(reply[2])
        except (IndexError, ValueError):
            raise CorruptReply("the clip's reply to ERASE was malformed") from None

    def get(self, key: str) -> str:
        """GET: one setting's value as the clip holds it ('' for an empty value)."""
        words = self.link.request("GET " + key, "GET").split(" ", 2)
        if len(words) != 3 or words[1] != key or len(words[2]) > 40:
            raise CorruptReply("the clip's reply to GET %s was malformed" % key)
        return from_wire(words[2])

    def set(self, key: str, value: object) -> str:
        """SET: validated and kept by the clip; Refused (with its reason) when it will not."""
        return self.link.request("SET %s %s" % (key, to_wire(value)), "SET")

    def calibrate(self) -> int:
        """CALIBRATE: starts a calibration; its outcome event has this seq or a later one."""
        return int_field(fields(self.link.request("CALIBRATE", "OK CALIBRATE")), "next", 0)

    def live(self, on: bool) -> None:
        """LIVE on|off, waiting for the clip's OK."""
        self.link.request("LIVE on" if on else "LIVE off", "OK LIVE")

    def stop_live(self) -> None:
        """LIVE off without waiting: on the way out, whatever state the link is in."""
        try:
            self.link.send("LIVE off")
        except PostureError:
            pass

    def read_line(self, timeout: float | None = None) -> str:
        """The next line the clip sends (a LIVE line, while LIVE is on)."""
        return self.link.read_body(timeout)
