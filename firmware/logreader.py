"""Reading the log for SYNC (imported at the first SYNC).

The Reader serves records with seq >= from_seq, oldest first, one at a time, through one
512-byte window it reuses: from the flash segments (read a window at a time, never a
whole 8 KB segment), then the RAM records settle() made safe. It finds its place by
seq, so a batch flushed or a segment grown while the host reads is picked up, and a
record moved from RAM to the flash meanwhile is not sent twice. Damaged bytes are
skipped (firmware.record.next_record). RAM records go out only below the line
firmware.protocol.settle() drew (never a seq a restart could hand out again).
"""

from micropython import const

from firmware import record as rec

_WIN = const(512)     # bytes of the window; a record is at most rec.MAX_SIZE (20)


class Reader:
    """Records with seq >= from_seq, oldest first, a few at a time (for SYNC)."""

    def __init__(self, log, from_seq):
        self.log = log
        self.last = from_seq - 1
        self.win = bytearray(_WIN)
        self.n = 0          # bytes in the window
        self.pos = 0        # next byte to look at
        self.whole = True   # the window ends at the end of its source (nothing cut off)
        self.num = -1       # flash segment read last, and the offset to read it on from
        self.off = 0
        self.in_ram = False  # the window holds RAM records
        self.limit = -1     # RAM records below this seq may go out; -1 until settle() ran

    def again(self):
        """Go on for a new SYNC from last + 1: RAM records are looked up and made safe again."""
        self.limit = -1
        if self.in_ram:
            self.n = 0

    def next(self):
        """The next record as bytes, or None when there is nothing more."""
        while True:
            if self.n:
                view = memoryview(self.win)[:self.n]
                # Records already sent (seq <= last) are stepped over by their size, unchecked: a
                # SYNC that starts inside a segment must not check each of its hundreds of records.
                # (Damaged bytes are left to next_record, which checks and resynchronises.)
                pos = self.pos
                while pos + 9 <= self.n:
                    size = rec.SIZES[view[pos + 8] >> 5] if view[pos + 8] >> 5 <= 5 else 0
                    if not size or pos + size > self.n or rec.seq_at(view, pos) > self.last:
                        break
                    pos += size
                self.pos = pos
                found = rec.next_record(view, self.pos, self.last)
                if found is not None and (self.whole or found[0] + rec.MAX_SIZE <= self.n):
                    start, size, seq = found
                    self.pos = start + size
                    if seq <= self.last:
                        continue
                    if self.in_ram and seq >= self.limit:   # RAM records past the safe line
                        self.n = 0
                        return None
                    self.last = seq
                    return bytes(view[start:start + size])
                if not self.whole:   # read on from the first byte that may start a cut record
                    self.off -= self.n - (found[0] if found is not None else
                                          max(self.pos, self.n - rec.MAX_SIZE + 1))
            if not self._fill():
                self.n = 0
                return None

    def _fill(self):
        """Load the window with the next bytes that may hold seq > last. False: nothing more."""
        if self._fill_flash():
            return True
        log = self.log
        if self.limit < 0:   # first time past the flash: make the RAM records safe, then look again
            from firmware.protocol import settle
            self.limit = log.next_seq if settle(log) else 0
            if self._fill_flash():
                return True
        for data in (log.ram, log.buf):
            pos = 0
            while pos < len(data):
                size = rec.SIZES[data[pos + 8] >> 5]
                if rec.seq_at(data, pos) > self.last:
                    end = pos
                    while end < len(data) and end - pos + rec.SIZES[data[end + 8] >> 5] <= _WIN:
                        end += rec.SIZES[data[end + 8] >> 5]
                    self.win[0:end - pos] = memoryview(data)[pos:end]
                    self.n, self.pos, self.whole, self.in_ram = end - pos, 0, True, True
                    return True
                pos += size
        return False

    def _fill_flash(self):
        segs = self.log.segments
        num = self.num
        for i in range(len(segs)):
            seg = segs[i]
            if seg[0] < num:
                continue
            if seg[0] != num:
                if i + 1 < len(segs) and segs[i + 1][1] <= self.last + 1:
                    continue            # every record in it is older than what is wanted
                self.off = 0
            if self.off >= seg[2]:
                continue
            try:
                n = self.log.storage.read_into(rec.segment_name(seg[0]), self.off, self.win)
            except OSError:
                n = 0
            if n <= 0:
                continue
            self.num = seg[0]
            self.n, self.pos, self.in_ram = n, 0, False
            self.whole = n < _WIN or self.off + n >= seg[2]
            self.off += n
            return True
        return False
