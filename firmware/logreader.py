"""Reading the log for SYNC: records with seq >= from_seq, oldest first, one at a time.

Segments are read whole (segment_max bytes at most), then the RAM records
that are safe to hand out (Log.servable_ram: never a seq a restart could reuse).
A newest segment that grew while the host was reading is read again from where
the reader stopped. Damaged bytes are skipped (firmware.record.next_record).
"""

from micropython import const

from firmware import record as rec

# log.py's _NONE: on MicroPython a const() whose name starts with "_" is folded
# away and cannot be imported from another module.
_NONE = const(-1)

class Reader:
    """Records with seq >= from_seq, oldest first, a few at a time (for SYNC)."""

    def __init__(self, log, from_seq):
        self.log = log
        self.from_seq = from_seq
        self.last = from_seq - 1
        self.seg_num = _NONE
        self.data = b""
        self.pos = 0
        self.tail = None  # RAM records snapshot, once the segments are done

    def next(self):
        """The next record as bytes, or None when there is nothing more."""
        while True:
            if self.tail is None:
                found = rec.next_record(self.data, self.pos, self.last) if self.data else None
                if found is None:
                    if not self._load_segment():
                        self.tail = self.log.servable_ram()
                        self.data = self.tail
                        self.pos = 0
                    continue
            else:
                found = rec.next_record(self.data, self.pos, -1)
                if found is None:
                    return None
            start, size, seq = found
            self.pos = start + size
            if seq > self.last:
                self.last = seq
                return bytes(self.data[start:start + size])

    def _load_segment(self):
        """Move on to the next segment that may hold seq > last (or re-read a grown newest one)."""
        segs = self.log.segments
        for i in range(len(segs)):
            num = segs[i][0]
            if num < self.seg_num:
                continue
            if num == self.seg_num:
                if segs[i][2] <= len(self.data):
                    continue
            elif i + 1 < len(segs) and segs[i + 1][1] <= self.from_seq:
                continue
            try:
                data = self.log.storage.read(rec.segment_name(num))
            except OSError:
                continue
            if num == self.seg_num and len(data) <= len(self.data):
                continue
            if num != self.seg_num:
                self.pos = 0
            self.seg_num = num
            self.data = data
            return True
        return False
