"""The binary record format of the posture log (shared by the clip and the laptop).

Every record, little-endian:
    seq u24 | boot u16 | tt u32 (type << 29 | t_ms, ticks wrap at 2**29) | payload | check u16
(24-bit seqs last 25 years at 900 records a day; 0x800000 and up are the
"volatile" seqs of a boot that could not write its flash, see firmware/log.py.)
check = low 16 bits of the CRC-32 of everything before it. The type fixes the
length, so there is no separate length byte:
    1 MINUTE (19 bytes): u32 worn|upright<<6|slouch<<12|moving<<18|lying<<24 (seconds, 6 bits each),
                         u32 mean_flex_d10 & 0xFFF | (peak_flex_d10 & 0xFFF) << 12 | alerts << 24
                         (flexion as 12-bit two's complement, clamped to +-204.7 deg; alerts to 255)
    2 EVENT  (20 bytes): u8 kind code (firmware.events, index+1), i32 a, i32 b
    3 TIME   (15 bytes): u32 unix seconds the host gave for this boot's t_ms (a TIME anchor)
    4 EVENT  (18 bytes): u8 kind code, i32 a, i16 b     } the smallest form that holds a and b
    5 EVENT  (16 bytes): u8 kind code, i16 a, i16 b     } exactly is used; decode says T_EVENT
"""

import struct

from micropython import const

from firmware import events
from firmware.crc import crc16

T_MINUTE = const(1)
T_EVENT = const(2)
T_TIME = const(3)
_T_EVENT_AB16 = const(4)
_T_EVENT_A16 = const(5)
SIZES = (0, 19, 20, 15, 18, 16)
_MIN_SIZE = const(15)
MAX_SIZE = const(20)
_SEQ_MASK = const(0xFFFFFF)
HEAD = "<HBHI"  # seq low 16, seq high 8, boot, type << 29 | t_ms
TICKS_MASK = const((1 << 29) - 1)
_RESYNC_SPAN = const(4096)  # after a damaged record, the next one must follow within this many seqs

_I32_MIN = -(1 << 31)
_I32_MAX = (1 << 31) - 1


def _c(v, lo, hi):
    v = int(v)
    return lo if v < lo else (hi if v > hi else v)


def _seal(body):
    return body + struct.pack("<H", crc16(body))


def encode_minute(seq, boot, summary):
    t_ms, worn, up, slouch, moving, lying, mean, peak, alerts = summary
    a = (_c(worn, 0, 63) | _c(up, 0, 63) << 6 | _c(slouch, 0, 63) << 12
         | _c(moving, 0, 63) << 18 | _c(lying, 0, 63) << 24)
    b = ((_c(mean, -2047, 2047) & 0xFFF) | (_c(peak, -2047, 2047) & 0xFFF) << 12
         | _c(alerts, 0, 255) << 24)
    return _seal(struct.pack("<HBHIII", seq & 0xFFFF, (seq >> 16) & 0xFF, boot,
                             (T_MINUTE << 29) | (t_ms & TICKS_MASK), a, b))


def encode_event(seq, boot, event):
    t_ms, kind, a, b = event
    code = events.KIND_CODE.get(kind, 0)
    a = _c(a, _I32_MIN, _I32_MAX)
    b = _c(b, _I32_MIN, _I32_MAX)
    t_ms &= TICKS_MASK
    if -32768 <= b <= 32767:
        if -32768 <= a <= 32767:
            return _seal(struct.pack("<HBHIBhh", seq & 0xFFFF, (seq >> 16) & 0xFF, boot,
                                     (_T_EVENT_A16 << 29) | t_ms, code, a, b))
        return _seal(struct.pack("<HBHIBih", seq & 0xFFFF, (seq >> 16) & 0xFF, boot,
                                 (_T_EVENT_AB16 << 29) | t_ms, code, a, b))
    return _seal(struct.pack("<HBHIBii", seq & 0xFFFF, (seq >> 16) & 0xFF, boot, (T_EVENT << 29) | t_ms, code, a, b))


def encode_time(seq, boot, t_ms, unix_s):
    return _seal(struct.pack("<HBHII", seq & 0xFFFF, (seq >> 16) & 0xFF, boot, (T_TIME << 29) | (t_ms & TICKS_MASK),
                             _c(unix_s, 0, 0xFFFFFFFF)))


def valid_at(data, pos):
    """Size of the valid record starting at data[pos], or 0 (damaged, unknown type or cut short)."""
    n = len(data)
    if pos + _MIN_SIZE > n:
        return 0
    rtype = data[pos + 8] >> 5
    if rtype < 1 or rtype > 5:
        return 0
    size = SIZES[rtype]
    if pos + size > n:
        return 0
    end = pos + size - 2
    if crc16(memoryview(data)[pos:end]) != data[end] | data[end + 1] << 8:
        return 0
    return size


def seq_at(data, pos):
    return data[pos] | data[pos + 1] << 8 | data[pos + 2] << 16


def next_record(data, pos, last_seq):
    """(start, size, seq) of the next good record at or after pos, or None.

    A good record exactly at pos is taken as it is. Past damage, a candidate
    must also continue the sequence: last_seq < seq <= last_seq + _RESYNC_SPAN
    (when last_seq < 0: be followed at once by the record with the next seq),
    so random bytes are not mistaken for a record.
    """
    n = len(data)
    size = valid_at(data, pos)
    if size:
        return pos, size, seq_at(data, pos)
    pos += 1
    while pos + _MIN_SIZE <= n:
        size = valid_at(data, pos)
        if size:
            seq = seq_at(data, pos)
            if last_seq >= 0:
                if last_seq < seq <= last_seq + _RESYNC_SPAN:
                    return pos, size, seq
            elif valid_at(data, pos + size) and seq_at(data, pos + size) == seq + 1:
                return pos, size, seq  # nothing to go by: two records in a row, not chance
        pos += 1
    return None


def decode(rec):
    """(type, seq, boot, t_ms, fields) of one valid record (bytes of exactly its size).

    fields: MINUTE -> the summary tuple (t_ms, worn_s, upright_s, slouch_s, moving_s, lying_s,
    mean_flex_d10, peak_flex_d10, alerts); EVENT -> (t_ms, kind, a, b) with kind a name from
    firmware.events ("unknown_N" for a code this version does not know); TIME -> unix seconds.
    Raises ValueError on a damaged record.
    """
    if not valid_at(rec, 0) or len(rec) != SIZES[rec[8] >> 5]:
        raise ValueError("damaged record")
    seq_lo, seq_hi, boot, tt = struct.unpack_from(HEAD, rec, 0)
    seq = seq_lo | seq_hi << 16
    rtype = tt >> 29
    t_ms = tt & TICKS_MASK
    if rtype == T_MINUTE:
        a, b = struct.unpack_from("<II", rec, 9)
        mean = b & 0xFFF
        peak = (b >> 12) & 0xFFF
        if mean & 0x800:
            mean -= 0x1000
        if peak & 0x800:
            peak -= 0x1000
        return rtype, seq, boot, t_ms, (t_ms, a & 63, (a >> 6) & 63, (a >> 12) & 63,
                                        (a >> 18) & 63, (a >> 24) & 63, mean, peak, b >> 24)
    if rtype == T_EVENT or rtype == _T_EVENT_AB16 or rtype == _T_EVENT_A16:
        fmt = "<Bii" if rtype == T_EVENT else ("<Bih" if rtype == _T_EVENT_AB16 else "<Bhh")
        code, ea, eb = struct.unpack_from(fmt, rec, 9)
        if 1 <= code <= len(events.KINDS):
            kind = events.KINDS[code - 1]
        else:
            kind = "unknown_%d" % code
        return T_EVENT, seq, boot, t_ms, (t_ms, kind, ea, eb)
    return rtype, seq, boot, t_ms, struct.unpack_from("<I", rec, 9)[0]


# ---- segment files: the log's records live in files named NNNNNNNN.bin ----
def segment_name(num):
    s = str(num)
    return "0" * (8 - len(s)) + s + ".bin"


def segment_number(name):
    """The number of a segment file's name, or -1 for any other name."""
    if len(name) == 12 and name.endswith(".bin") and name[:8].isdigit():
        return int(name[:8])
    return -1


def scan(data, last_seq):
    """Valid records in a segment's bytes as [(start, size, seq)] and the end of the last one."""
    out = []  # type: list
    pos = 0
    end = 0
    while True:
        found = next_record(data, pos, last_seq)
        if found is None:
            return out, end
        start, size, seq = found
        out.append(found)
        pos = end = start + size
        last_seq = seq
