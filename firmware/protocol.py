"""The line protocol on the data channel (usb_cdc.data); see docs/protocol.md.

Every line, both ways: printable ASCII body, '*', four hex digits of
firmware.crc.crc16(body), '\\n'. The clip never blocks: `poll(now_ms)` reads
what is waiting, answers complete lines, streams a few SYNC records or a LIVE
line, and writes only what the channel takes. Commands are looked up in a
fixed table (no eval, no exec, no file names from the wire); an unknown,
oversized (> MAX_LINE bytes) or corrupt line gets an ERR reply and changes
nothing.
"""

from binascii import hexlify

from micropython import const

from firmware import events as ev, record as rec, settings as settings_mod
from firmware.crc import crc16
from firmware.ticks import ticks_add, ticks_diff

MAX_LINE = const(128)       # bytes of an incoming line, '\n' included
_TX_MAX = const(4096)        # unsent output beyond this: nobody is reading, stop streaming
_STALL_MS = const(10000)     # output that has not moved for this long: the host is gone
_SYNC_MAX = const(5000)      # records per SYNC request at most
_PROTO_VERSION = const(1)


def frame(body):
    """bytes of one line: body*XXXX\\n (body: str of printable ASCII without '*')."""
    return ("%s*%04X\n" % (body, crc16(body.encode()))).encode()


def unframe(line):
    """The body of one received line (bytes, without '\\n'), or None when it is corrupt."""
    if line.endswith(b"\r"):
        line = line[:-1]
    star = line.rfind(b"*")
    if star < 0 or len(line) - star != 5:
        return None
    body = line[:star]
    try:
        want = int(line[star + 1:].decode(), 16)
    except (ValueError, UnicodeError):
        return None
    if crc16(body) != want:
        return None
    for b in body:
        if b < 32 or b > 126:
            return None
    return body.decode()


def _uint(text, high):
    """A decimal integer 0..high, or None."""
    if not text or len(text) > 10 or not text.isdigit():
        return None
    value = int(text)
    return value if value <= high else None


def _spec_row(key):
    for row in settings_mod.SPEC:
        if row[0] == key:
            return row
    return None


def settle(log):
    """Make every seq the log has handed out safe from reuse by a restart. True when it is.

    The rule (docs/protocol.md): every seq the host can see is safe before it goes out. The
    waiting batch goes to the flash, or when it cannot (drive full, I/O error) the seq floor
    is saved past it, so a restart numbers on from there. A read-only drive can save
    nothing: its records carry volatile seqs (firmware/log.py)."""
    if log.readonly or log.flush() or log.floor >= log.next_seq:
        return True
    floor = log.floor
    log.floor = log.next_seq
    try:
        log._save_state()
        return True
    except OSError:
        log.floor = floor
        log.write_errors += 1
        return False


def time_anchor(log, t_ms, unix_s):
    """TIME: log the record and make it safe; its seq (the one the host is told)."""
    settle(log)   # what waits goes first, so the TIME record is not among records renumbered below
    seq = log.time_anchor(t_ms, unix_s)
    settle(log)
    # A drive turned read-only just now renumbers what is in RAM (Log._go_volatile): report
    # the record under its new seq. Found by type and ticks among the RAM records.
    t = t_ms & rec.TICKS_MASK
    for data in (log.ram, log.buf):
        pos = 0
        while pos < len(data):
            if data[pos + 8] >> 5 == rec.T_TIME and (
                    data[pos + 5] | data[pos + 6] << 8 | data[pos + 7] << 16 | (data[pos + 8] & 31) << 24) == t:
                seq = rec.seq_at(data, pos)
            pos += rec.SIZES[data[pos + 8] >> 5]
    return seq


def live_from_detector(detector, health=None):
    """The LIVE callback: (flexion d10, side lean d10, state) from the detector, or None.

    When `health` (firmware.health.Health) names a problem, that is the state: a clip
    that cannot sense must not show a reassuring "seated"."""
    def live():
        problem = health.problem() if health is not None else None
        if problem is not None:
            if detector.frame is None:
                return None, None, problem
            return int(detector.flexion * 10), int(detector.lean * 10), problem
        if detector.calibrating:
            if detector.frame is None:
                return None, None, "calibrating"
            return int(detector.flexion * 10), int(detector.lean * 10), "calibrating"
        if not detector.calibrated:
            return None
        if detector.in_slouch:
            state = "slouch"
        else:
            act = detector.activity.current
            state = ev.ACTIVITY_NAMES[act] if 0 <= act < len(ev.ACTIVITY_NAMES) else "unknown"
        return int(detector.flexion * 10), int(detector.lean * 10), state
    return live


class Protocol:
    """Answers the host on `channel` from `log` and the settings.

    hooks (all optional): calibrate() starts a calibration; live() returns
    (flex_d10, side_d10, state_name) or None; on_set(key, value) applies a
    changed setting at once; overrides is a firmware.overrides.Overrides that
    persists SET values; settings the firmware.settings.Settings in use;
    health a firmware.health.Health whose words end every STATUS reply.
    """

    def __init__(self, channel, log, device_id="unknown", fw_version="0", settings=None,
                 overrides=None, calibrate=None, live=None, on_set=None, lines_per_poll=16,
                 live_period_ms=250, health=None):
        self.ch = channel
        self.log = log
        self.device_id = device_id
        self.fw_version = fw_version
        self.settings = settings
        self.overrides = overrides
        self.calibrate = calibrate
        self.live = live
        self.on_set = on_set
        self.health = health    # a firmware.health.Health: its words end every STATUS line
        self.lines_per_poll = lines_per_poll
        self.live_period_ms = live_period_ms
        self.rx = b""
        self.discarding = False
        self.tx = bytearray()   # one buffer, reused: lines go on its end, sent bytes come off its front
        self.tx_moved = 0
        self.reader = None
        self.parked = None      # the reader of the last SYNC: the next one usually goes on from it
        self.sync_left = 0
        self.sync_count = 0
        self.live_on = False
        self.live_next = 0
        self.now = 0
        self.errors = 0
        self.commands = {
            "HELLO": self._hello, "STATUS": self._status, "SYNC": self._sync, "ACK": self._ack,
            "TIME": self._time, "CALIBRATE": self._calibrate, "GET": self._get, "SET": self._set,
            "ERASE": self._erase, "LIVE": self._live,
        }

    # ---- the loop's entry point -----------------------------------------
    def poll(self, now_ms):
        self.now = now_ms
        try:
            waiting = self.ch.in_waiting
        except (OSError, AttributeError):
            waiting = 0
        if waiting:
            try:
                data = self.ch.read(min(waiting, 256))
            except OSError:  # the USB link went away mid-read: never stop the loop for it
                data = b""
            if data:
                self._receive(data)
        if self.reader is not None and len(self.tx) < 1024:
            self._stream()
        if self.live_on and ticks_diff(now_ms, self.live_next) >= 0:
            self.live_next = ticks_add(now_ms, self.live_period_ms)
            self._send_live(now_ms)
        if self.tx:
            self._drain()

    def _receive(self, data):
        rx = self.rx + data
        while True:
            i = rx.find(b"\n")
            if i < 0:
                if len(rx) >= MAX_LINE:
                    self.discarding = True
                    rx = b""
                break
            line = rx[:i]
            rx = rx[i + 1:]
            if self.discarding or i + 1 > MAX_LINE:
                self.discarding = False
                self._err("long", "line longer than %d bytes" % MAX_LINE)
                continue
            self._line(line)
        self.rx = rx

    def _line(self, line):
        if not line.strip():
            return
        body = unframe(line)
        if body is None:
            self._err("crc", "corrupt line")
            return
        words = body.split()
        handler = self.commands.get(words[0]) if words else None
        if handler is None:
            self._err("unknown", "unknown command")
            return
        handler(words[1:])

    # ---- output ------------------------------------------------------------
    def _send(self, body):
        if not self.tx:
            self.tx_moved = self.now
        self.tx += frame(body)

    def _send_record(self, record):
        """`R <hex>` framed straight into tx: the check is computed over the bytes in place."""
        if not self.tx:
            self.tx_moved = self.now
        tx = self.tx
        start = len(tx)
        tx += b"R "
        tx += hexlify(record)
        tx += b"*%04X\n" % crc16(memoryview(tx)[start:])

    def _err(self, code, text):
        self.errors += 1
        self._send("ERR " + code + " " + text)

    def _drain(self):
        try:
            n = self.ch.write(self.tx)
        except OSError:
            n = 0
        if n is None:
            n = len(self.tx)
        if n:
            self.tx[0:n] = b""   # in place: the buffer keeps its room for the next lines
            self.tx_moved = self.now
        if len(self.tx) > _TX_MAX or ticks_diff(self.now, self.tx_moved) > _STALL_MS:
            # nobody reads (the host went away mid-stream): stop producing, free the buffers
            self.tx = bytearray()
            self.reader = None
            self.live_on = False

    def _stream(self):
        reader = self.reader
        if reader is None:
            return
        for _ in range(self.lines_per_poll):
            record = reader.next() if self.sync_left > 0 else None
            if record is None:
                self._send("END %d %d" % (self.sync_count, reader.last + 1))
                self.reader = None
                self.parked = reader
                return
            self._send_record(record)
            self.sync_left -= 1
            self.sync_count += 1

    def _send_live(self, now_ms):
        value = None
        if self.live is not None:
            try:
                value = self.live()
            except Exception:  # the gauge must never break the loop
                value = None
        tail = "" if self.health is None else " " + self.health.clip()   # mode, snooze, battery
        if value is None:
            self._send("L %d - - none%s" % (now_ms, tail))
        elif value[0] is None:
            self._send("L %d - - %s%s" % (now_ms, value[2], tail))
        else:
            self._send("L %d %d %d %s%s" % (now_ms, value[0], value[1], value[2], tail))

    # ---- commands ----------------------------------------------------------
    def _hello(self, args):
        # A newer host may name its protocol (`HELLO proto=2`): it gets the same reply, and the
        # reply's proto= tells that host whether it can talk to this clip. Nothing else is taken.
        if args and (len(args) > 1 or args[0][:6] != "proto=" or not args[0][6:].isdigit()):
            return self._err("args", "HELLO [proto=<n>]")
        self.reader = self.parked = None  # a new session: whatever an earlier host started stops
        self.live_on = False
        log = self.log
        settle(log)   # next= names seqs: none of them may come back after a power cut
        self._send("HELLO id=%s fw=%s proto=%d boot=%d first=%d next=%d acked=%d" % (
            self.device_id, self.fw_version, _PROTO_VERSION, log.boot, log.first_seq(),
            log.next_seq, log.acked))

    def _status(self, args):
        if args:
            return self._err("args", "STATUS takes no arguments")
        settle(self.log)   # next= (see HELLO)
        st = self.log.status()
        parts = ["STATUS"]
        for key in ("boot", "first", "next", "acked", "segments", "bytes", "buffered", "free",
                    "dropped", "ro", "werr"):
            parts.append("%s=%d" % (key, st[key]))
        parts.append("sync=%d live=%d errs=%d" % (self.reader is not None, self.live_on, self.errors))
        if self.health is not None:
            parts.append(self.health.words())
        self._send(" ".join(parts))

    def _sync(self, args):
        if len(args) not in (1, 2):
            return self._err("args", "SYNC <from_seq> [max]")
        start = _uint(args[0], 0xFFFFFFFF)
        count = _uint(args[1], _SYNC_MAX) if len(args) == 2 else _SYNC_MAX
        if start is None or not count:
            return self._err("args", "SYNC <from_seq> [max 1..%d]" % _SYNC_MAX)
        # What the host may take must be on the flash first: a seq sent from RAM and then lost
        # in a power cut would be handed out again, and the host already holds it.
        self.log.flush()
        reader = self.parked
        self.parked = None
        if reader is not None and reader.last + 1 == start:
            reader.again()   # the host goes on where the last END left it: no search from the start
        else:
            from firmware.logreader import Reader

            reader = Reader(self.log, start)
        self.reader = reader
        self.sync_left = count
        self.sync_count = 0

    def _ack(self, args):
        seq = _uint(args[0], 0xFFFFFFFF) if len(args) == 1 else None
        if seq is None:
            return self._err("args", "ACK <seq>")
        if not self.log.ack(seq):
            return self._err("range", "seq %d was never written" % seq)
        self._send("OK ACK %d" % self.log.acked)

    def _time(self, args):
        unix = _uint(args[0], 0xFFFFFFFF) if len(args) == 1 else None
        if unix is None or unix < 1000000000:
            return self._err("args", "TIME <unix_seconds>")
        seq = time_anchor(self.log, self.now, unix)   # on the flash before its seq goes out
        self._send("TIME boot=%d ms=%d seq=%d" % (self.log.boot, self.now, seq))

    def _calibrate(self, args):
        if args:
            return self._err("args", "CALIBRATE takes no arguments")
        if self.calibrate is None:
            return self._err("state", "calibration is not available")
        settle(self.log)
        first = self.log.next_seq  # the outcome event will have this seq or a later one
        self.calibrate()
        self._send("OK CALIBRATE next=%d" % first)

    def _value(self, key):
        if self.settings is not None:
            return self.settings.get(key)
        if self.overrides is not None and self.overrides.get(key) is not None:
            return self.overrides.get(key)
        return _spec_row(key)[3]

    def _get(self, args):
        if len(args) != 1:
            return self._err("args", "GET <key>")
        if _spec_row(args[0]) is None:
            return self._err("key", "unknown setting")
        value = self._value(args[0])
        self._send("GET %s %s" % (args[0], "-" if value == "" else value))

    def _set(self, args):
        if len(args) != 2:
            return self._err("args", "SET <key> <value>")
        key, raw = args
        if raw == "-":  # the empty word
            raw = ""
        ok, value = settings_mod.validate(key, raw)
        if not ok:
            return self._err("value", value)
        check = getattr(self, "check_set", None)  # set by datalink: a value that would disable the clip
        problem = check(key, value) if check is not None else None
        if problem:
            return self._err("value", "%s = %s refused: %s" % (key, raw or "-", problem))
        if self.overrides is not None:
            try:
                self.overrides.set(key, value)
            except OSError:
                return self._err("fs", "cannot save the setting")
        if self.settings is not None:
            setattr(self.settings, _spec_row(key)[1], value)
        if self.on_set is not None:
            self.on_set(key, value)
        self._send("SET %s %s" % (key, "-" if value == "" else value))

    def _erase(self, args):
        upto = _uint(args[0], 0xFFFFFFFF) if len(args) == 1 else None
        if upto is None:
            return self._err("args", "ERASE <upto_seq>")
        if upto > self.log.acked:
            return self._err("range", "only acknowledged records can be erased (acked %d)"
                             % self.log.acked)
        try:
            erased = self.log.erase(upto)
        except OSError:
            return self._err("fs", "cannot erase")
        self._send("OK ERASE %d" % erased)

    def _live(self, args):
        if len(args) != 1 or args[0] not in ("on", "off"):
            return self._err("args", "LIVE on|off")
        self.live_on = args[0] == "on"
        self.live_next = self.now
        self._send("OK LIVE " + args[0])
