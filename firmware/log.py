"""The clip's durable log: append-only segment files of binary records (firmware/record.py).

The Monitor calls log.event(event), log.minute(summary) and, when it wants a
batch on the flash now, log.flush(). Records wait in RAM and go out in one
append per batch (after `flush_minutes` summaries, at `buffer_max` bytes, or
after a `flush_kinds` event); a power cut loses at most that batch, and the
torn tail is cut off at the next start. Files (segments NNNNNNNN.bin, two
state copies, nothing named from outside), space management (acknowledged
segments go first; unacknowledged ones last, counted and logged as
LOG_DROPPED) and the read-only RAM mode with "volatile" boot and seq numbers
are described in docs/protocol.md.
"""

import struct

from micropython import const

from firmware import events, record as rec
from firmware.storage import EROFS, errno_of

VOLATILE_SEQ = const(0x800000)
# Event kinds the board may leave out of the flash log (Log(skip_kinds=LEAN)): activity
# changes come many times an hour and the minute summaries already carry the activity split.
LEAN = (events.ACTIVITY,)
# Events written to the flash at once (rare, and worth keeping through a power cut).
FLUSH_AT_ONCE = (events.BOOT, events.CALIBRATED, events.CALIBRATION_FAILED)
_STATE = "<IHIII"  # generation, boot, acked + 1, seq floor, dropped
_NONE = const(-1)


def _last_good(data, last_seq):
    """(start, size, seq) of the last valid record in a segment's bytes (or None) and the end of
    it: a walk, not a list of every record (a full 8 KB segment holds about 430)."""
    found = None
    end = pos = 0
    while True:
        nxt = rec.next_record(data, pos, last_seq)
        if nxt is None:
            return found, end
        found = nxt
        pos = end = nxt[0] + nxt[1]
        last_seq = nxt[2]


class Log:
    def __init__(self, storage, segment_max=8192, max_segments=120, flush_minutes=10,
                 buffer_max=1024, ram_max=8192, reserve=2048, urandom=None,
                 skip_kinds=(), flush_kinds=FLUSH_AT_ONCE):
        self.storage = storage
        self.skip_kinds = skip_kinds
        self.flush_kinds = flush_kinds
        self.segment_max = segment_max
        self.max_segments = max_segments
        self.flush_minutes = flush_minutes
        self.buffer_max = buffer_max
        self.ram_max = ram_max
        self.reserve = reserve
        self.buf = bytearray()
        self.ram = bytearray()  # RAM mode: records that could not be written
        self.minutes_buffered = 0
        self.segments = []  # [[num, first_seq, size]] oldest first
        self.readonly = False
        self.ram_errno = 0  # why the log went to RAM at start-up (30 read-only, 28 full)
        self.write_errors = 0
        self.dropped = 0
        self.acked = _NONE
        self.floor = 0
        self.gen = 0
        self.truncated = 0  # bytes cut off torn tails at start-up
        self.anchor = None  # (seq, t_ms, unix_s) of this boot's last TIME record (firmware/sleep.py)
        self.last_t = 0
        self._flushing = False
        self.boot = 0
        self.next_seq = 0
        self.seg_counter = 0
        self._open(urandom)

    # ---- start-up -------------------------------------------------------
    def _open(self, urandom):
        st = self.storage
        last_boot = 0
        last_seq = _NONE
        try:
            st.ensure_dir()
        except OSError:
            pass
        self._load_state()
        nums = []
        for name in st.listdir():
            num = rec.segment_number(name)
            if num >= 0:
                nums.append(num)
            elif name.endswith(".tmp"):
                self._recover_tmp(name, nums)
        nums.sort()
        if nums:
            self.seg_counter = nums[-1]
        for num in nums:
            data = st.read(rec.segment_name(num), 0, rec.MAX_SIZE * 4)
            found = rec.next_record(data, 0, last_seq)
            if found is None:  # no good record near the start: look at it all
                data = st.read(rec.segment_name(num))
                found = rec.next_record(data, 0, last_seq)
            if found is None:
                self._remove_quietly(rec.segment_name(num))
                continue
            self.segments.append([num, found[2], st.size(rec.segment_name(num))])
            last_seq = found[2]
        if self.segments:
            newest = self.segments[-1]
            data = st.read(rec.segment_name(newest[0]))
            last, end = _last_good(data, newest[1] - 1)
            if last is not None:
                start, _size, last_seq = last
                last_boot = data[start + 3] | data[start + 4] << 8
            if end < len(data):
                self.truncated += len(data) - end
                self._truncate(newest, data, end)
        self.boot = (max(self.boot, last_boot) + 1) & 0x7FFF
        self.next_seq = max(last_seq + 1, self.floor, self.acked + 1)
        try:
            self._save_state()
        except OSError as exc:  # read-only (30), full (28), no usable directory: RAM mode, keep going
            self.ram_errno = errno_of(exc)
            self._go_readonly(urandom)

    def _go_readonly(self, urandom):
        self.readonly = True
        r = urandom(2) if urandom else b"\x00\x00"
        r = (r[0] | r[1] << 8) & 0x7FFF
        self.boot = 0x8000 | r
        self.next_seq = VOLATILE_SEQ | (r & 0x7FF) << 12

    def _go_volatile(self):
        """The drive turned read-only during this boot (the laptop took it): the records not on
        the flash get volatile seqs, as a boot read-only from the start numbers its own. Their
        flash-range seqs could not be kept from reuse (nothing can be saved now), and a host
        that took them from RAM would find the same numbers on other records after a restart.
        The range comes from this boot's number, which was saved at start and is never reused."""
        self.readonly = True
        seq = VOLATILE_SEQ | (self.boot & 0x7FF) << 12
        data = self.buf
        pos = 0
        while pos < len(data):
            end = pos + rec.SIZES[data[pos + 8] >> 5] - 2
            data[pos] = seq & 0xFF
            data[pos + 1] = (seq >> 8) & 0xFF
            data[pos + 2] = seq >> 16
            check = rec.crc16(memoryview(data)[pos:end])
            data[end] = check & 0xFF
            data[end + 1] = check >> 8
            seq += 1
            pos = end + 2
        self.next_seq = seq

    def _recover_tmp(self, name, nums):
        """A truncation was cut short: the .tmp copy is good once the original is gone."""
        base = name[:-4]
        if rec.segment_number(base) < 0:
            return
        if self.storage.exists(base):
            self._remove_quietly(name)
        else:
            try:
                self.storage.rename(name, base)
                nums.append(rec.segment_number(base))
            except OSError:
                pass

    def _truncate(self, seg, data, end):
        """Cut a torn tail: copy the good prefix aside, then replace the segment."""
        name = rec.segment_name(seg[0])
        try:
            if end == 0:
                self.storage.remove(name)
                self.segments.pop()
                return
            self.storage.write(name + ".tmp", memoryview(data)[:end])
            self.storage.remove(name)
            self.storage.rename(name + ".tmp", name)
            seg[2] = end
        except OSError:
            # read-only or full: leave it; records are found past damage anyway
            # and new batches go to a fresh segment.
            seg[2] = self.segment_max

    def _remove_quietly(self, name):
        try:
            self.storage.remove(name)
        except OSError:
            pass

    def _load_state(self):
        best = None
        for name in ("state0.bin", "state1.bin"):
            try:
                data = self.storage.read(name)
            except OSError:
                continue
            if len(data) == 20 and rec.crc16(data[:18]) == data[18] | data[19] << 8:
                fields = struct.unpack_from(_STATE, data, 0)
                if best is None or fields[0] > best[0]:
                    best = fields
        if best is not None:
            self.gen, self.boot, acked1, self.floor, self.dropped = best
            self.acked = acked1 - 1

    def _save_state(self):
        if self.readonly:
            return
        self.gen += 1
        body = struct.pack(_STATE, self.gen, self.boot & 0xFFFF, self.acked + 1, self.floor,
                           self.dropped)
        self.storage.write("state%d.bin" % (self.gen & 1), body + struct.pack("<H", rec.crc16(body)))

    # ---- appending -------------------------------------------------------
    def event(self, event):
        if event[1] in self.skip_kinds:
            return
        self.last_t = event[0]
        self._add(rec.encode_event(self.next_seq, self.boot, event))
        if event[1] in self.flush_kinds:
            self.flush()

    def minute(self, summary):
        self.last_t = summary[0]
        self._add(rec.encode_minute(self.next_seq, self.boot, summary))
        self.minutes_buffered += 1
        if self.minutes_buffered >= self.flush_minutes:
            self.flush()

    def time_anchor(self, t_ms, unix_s):
        """Log a TIME record (the host's wall clock for this boot's t_ms); returns its seq."""
        seq = self.next_seq
        self._add(rec.encode_time(seq, self.boot, t_ms, unix_s))
        self.anchor = (seq, t_ms, unix_s)
        return seq

    def _add(self, record):
        self.buf += record
        self.next_seq += 1
        if len(self.buf) >= self.buffer_max and not self._flushing:
            self.flush()

    def flush(self):
        """Write the buffered batch in one append. True when it reached the flash."""
        if not self.buf or self._flushing:
            return not self.buf
        self._flushing = True
        try:
            return self._flush()
        finally:
            self._flushing = False

    def _flush(self):
        data = bytes(self.buf)
        if self.readonly:
            self._keep_in_ram(data)
            return False
        try:
            self._make_room(len(data))
            self._append(data)
        except OSError as exc:
            if errno_of(exc) == EROFS:
                self._go_volatile()
                self._keep_in_ram(bytes(self.buf))
                return False
            self.write_errors += 1
            self._after_failed_append()
            self._bound_buffer()
            return False
        self.buf = self.buf[len(data):]  # a LOG_DROPPED event may have joined meanwhile
        self.minutes_buffered = 0
        return True

    def _append(self, data):
        segs = self.segments
        if not segs or segs[-1][2] + len(data) > self.segment_max:
            self.seg_counter += 1
            num = self.seg_counter
            segs.append([num, rec.seq_at(data, 0), 0])
        seg = segs[-1]
        seg[2] += len(data)  # before the write: a failed one leaves no reuse of a torn tail
        self.storage.append(rec.segment_name(seg[0]), data)

    def _after_failed_append(self):
        """Keep in the buffer only what did not reach the file; start a new segment next time."""
        seg = self.segments[-1] if self.segments else None
        if seg is None:
            return
        seg[2] = self.segment_max  # never append after possibly torn bytes
        try:
            data = self.storage.read(rec.segment_name(seg[0]))
        except OSError:
            return
        found, _end = _last_good(data, seg[1] - 1)
        if found is None:
            self._remove_quietly(rec.segment_name(seg[0]))
            self.segments.pop()
            return
        last = found[2]
        pos = 0
        while pos < len(self.buf) and rec.seq_at(self.buf, pos) <= last:
            pos += rec.SIZES[self.buf[pos + 8] >> 5]
        self.buf = self.buf[pos:]

    def _bound_buffer(self):
        while len(self.buf) > self.ram_max:
            self._drop_front("buf")

    def _keep_in_ram(self, data):
        self.ram += data
        self.buf = self.buf[len(data):]
        self.minutes_buffered = 0
        while len(self.ram) > self.ram_max:
            self._drop_front("ram")

    def _drop_front(self, which):
        data = self.buf if which == "buf" else self.ram
        size = rec.SIZES[data[8] >> 5]
        if rec.seq_at(data, 0) > self.acked:
            self.dropped += 1
        rest = data[size:]
        if which == "buf":
            self.buf = rest
        else:
            self.ram = rest

    # ---- space -------------------------------------------------------------
    def _seg_last(self, i):
        if i + 1 < len(self.segments):
            return self.segments[i + 1][1] - 1
        return self._flash_last()

    def _flash_last(self):
        """Seq of the newest record in the segments (the buffer follows it)."""
        if self.buf:
            return rec.seq_at(self.buf, 0) - 1
        return self.next_seq - 1

    def _make_room(self, need):
        while len(self.segments) > 1:
            free = self.storage.free()
            full = len(self.segments) >= self.max_segments
            low = free is not None and free < need + self.reserve
            if not (full or low):
                return
            self._drop_oldest()

    def _drop_oldest(self):
        num, first, _size = self.segments[0]
        last = self._seg_last(0)
        self.storage.remove(rec.segment_name(num))
        self.segments.pop(0)
        if last > self.acked:
            lost = last - max(first, self.acked + 1) + 1
            self.dropped += lost
            self._save_state()
            self._add(rec.encode_event(self.next_seq, self.boot,
                                       (self.last_t, events.LOG_DROPPED, lost, 0)))

    # ---- the host's side -------------------------------------------------
    def first_seq(self):
        if self.segments:
            return self.segments[0][1]
        if self.ram:
            return rec.seq_at(self.ram, 0)
        if self.buf:
            return rec.seq_at(self.buf, 0)
        return self.next_seq

    def ack(self, seq):
        """The host holds everything up to seq. False when seq was never written."""
        if seq >= self.next_seq or seq < 0:
            return False
        if seq > self.acked:
            self.acked = seq
            try:
                self._save_state()
            except OSError:
                self.write_errors += 1
        return True

    def erase(self, upto):
        """Delete whole segments holding only records <= upto (<= acked). Returns the seq erased to."""
        upto = min(upto, self.acked)
        erased = _NONE
        while self.segments:
            last = self._seg_last(0)
            if last > upto:
                break
            self.storage.remove(rec.segment_name(self.segments[0][0]))
            self.segments.pop(0)
            erased = last
        if erased >= 0:
            self.floor = max(self.floor, erased + 1)
            self._save_state()
        return erased

    def status(self):
        free = None
        try:
            free = self.storage.free()
        except OSError:
            pass
        return {
            "boot": self.boot, "first": self.first_seq(), "next": self.next_seq,
            "acked": self.acked, "segments": len(self.segments),
            "bytes": sum(s[2] for s in self.segments), "buffered": len(self.buf) + len(self.ram),
            "free": -1 if free is None else free, "dropped": self.dropped,
            "ro": 1 if self.readonly else 0, "werr": self.write_errors,
        }

    def reader(self, from_seq):
        from firmware.logreader import Reader

        return Reader(self, from_seq)
