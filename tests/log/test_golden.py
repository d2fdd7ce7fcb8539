"""Pinned formats (issue 15): bytes written by this version, checked byte for byte, so a change
to the record layout, the event codes, the state file or the line framing fails here, and an
old clip's log stays readable by a new host.

The hex strings were produced once by the code they pin and are never regenerated: a
deliberate format change needs a new record type or a new file, not new golden bytes."""

from __future__ import annotations

from firmware import events, record
from firmware.protocol import frame, unframe
from helpers import open_log, read_all
from memfs import MemFS

# (hex of the record, what decode gives back)
GOLDEN = {
    "minute": ("452301070040e201207cca1402858f1c03cdc3",
               (record.T_MINUTE, 0x012345, 7, 123456, (123456, 60, 41, 12, 5, 2, -123, 456, 3))),
    "event a,b in 16 bits (type 5)": ("7011010700400d03a005fb00fdff3f9f",
                                      (record.T_EVENT, 70000, 7, 200000, (200000, "slouch_start", 251, -3))),
    "event a in 32 bits (type 4)": ("7111010700340f038008c8af0000fa0096c3",
                                    (record.T_EVENT, 70001, 7, 200500, (200500, "slouch_end", 45000, 250))),
    "event a,b in 32 bits (type 2)": ("7211010700281103400b05000000000010007126",
                                      (record.T_EVENT, 70002, 7, 201000, (201000, "sensor_error", 5, 1 << 20))),
    "time": ("7311010700101503600078e768ea01", (record.T_TIME, 70003, 7, 202000, 1760000000)),
}


def test_each_record_type_encodes_to_its_pinned_bytes() -> None:
    made = {
        "minute": record.encode_minute(0x012345, 7, (123456, 60, 41, 12, 5, 2, -123, 456, 3)),
        "event a,b in 16 bits (type 5)": record.encode_event(70000, 7, (200000, events.SLOUCH_START, 251, -3)),
        "event a in 32 bits (type 4)": record.encode_event(70001, 7, (200500, events.SLOUCH_END, 45000, 250)),
        "event a,b in 32 bits (type 2)": record.encode_event(70002, 7, (201000, events.SENSOR_ERROR, 5, 1 << 20)),
        "time": record.encode_time(70003, 7, 202000, 1760000000),
    }
    assert {k: v.hex() for k, v in made.items()} == {k: v[0] for k, v in GOLDEN.items()}


def test_pinned_records_decode_to_the_same_fields() -> None:
    for name, (hexed, fields) in GOLDEN.items():
        assert record.decode(bytes.fromhex(hexed)) == fields, name


def test_event_codes_in_pinned_records_keep_their_meaning() -> None:
    # the kind code is byte 9; a renumbered event would read as another kind in old logs
    assert [bytes.fromhex(GOLDEN[k][0])[9] for k in GOLDEN if k.startswith("event")] == [5, 8, 11]
    assert (events.KIND_CODE[events.SLOUCH_START], events.KIND_CODE[events.SLOUCH_END],
            events.KIND_CODE[events.SENSOR_ERROR]) == (5, 8, 11)


def test_a_log_written_by_this_version_is_read_back_by_a_new_one() -> None:
    """Segment and both state copies pinned: a new firmware opens an old log, numbers on."""
    fs = MemFS()
    fs.dirs.add("/log")
    fs.files["/log/00000001.bin"] = bytearray.fromhex("0000000100e80300203c0f000000000000a4b7")
    # generation 1, boot 1, acked+1 0, floor 0, dropped 0; then generation 2 with acked 0
    fs.files["/log/state1.bin"] = bytearray.fromhex("010000000100000000000000000000000000da98")
    fs.files["/log/state0.bin"] = bytearray.fromhex("020000000100010000000000000000000000d709")
    log = open_log(fs)
    assert (log.boot, log.acked, log.next_seq) == (2, 0, 1)
    assert read_all(log, 0) == [(record.T_MINUTE, 0, 1, 1000, (1000, 60, 60, 0, 0, 0, 0, 0, 0))]


def test_this_version_writes_the_pinned_segment_and_state_files() -> None:
    fs = MemFS()
    log = open_log(fs)
    log.minute((1000, 60, 60, 0, 0, 0, 0, 0, 0))
    log.flush()
    log.ack(0)
    assert {n: bytes(v).hex() for n, v in fs.files.items()} == {
        "/log/00000001.bin": "0000000100e80300203c0f000000000000a4b7",
        "/log/state0.bin": "020000000100010000000000000000000000d709",
        "/log/state1.bin": "010000000100000000000000000000000000da98",
    }


def test_protocol_lines_are_pinned() -> None:
    assert frame("HELLO") == b"HELLO*6436\n"
    assert frame("TIME boot=7 ms=202000 seq=70003") == b"TIME boot=7 ms=202000 seq=70003*3384\n"
    line = b"R 452301070040e201207cca1402858f1c03cdc3*CC0E\n"
    assert frame("R " + GOLDEN["minute"][0]) == line
    assert unframe(line[:-1]) == "R " + GOLDEN["minute"][0]
    assert unframe(b"R 452301070040e201207cca1402858f1c03cdc3*CC0F") is None   # one bit off: refused
