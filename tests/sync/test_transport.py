"""Transport details: the serial timeout is set once; record lines are parsed with bounds."""

from __future__ import annotations

import pytest

from firmware import record
from firmware.protocol import frame
from host.client import parse_record
from host.transport import LinkError, Transport


class CountingSerial:
    """A pyserial stand-in that counts timeout changes (each one reconfigures a real port)."""

    def __init__(self, data: bytes) -> None:
        self.data = bytearray(data)
        self._timeout = 1.0
        self.timeout_sets = 0

    @property
    def timeout(self) -> float:
        return self._timeout

    @timeout.setter
    def timeout(self, value: float) -> None:
        self.timeout_sets += 1
        self._timeout = value

    @property
    def in_waiting(self) -> int:
        return min(1, len(self.data))  # a slow clip: a byte at a time

    def read(self, n: int) -> bytes:
        out = bytes(self.data[:max(1, n)])
        del self.data[:len(out)]
        return out

    def write(self, data: bytes) -> int:
        return len(data)

    def flush(self) -> None:
        pass

    def reset_input_buffer(self) -> None:
        pass

    def close(self) -> None:
        pass


def test_the_serial_timeout_is_set_once_not_before_every_read() -> None:
    lines = b"".join(frame("L %d 1 2 seated" % i) for i in range(50))
    ser = CountingSerial(lines)
    link = Transport("fake", timeout=0.2, serial_obj=ser)
    for i in range(50):
        assert link.read_body() == "L %d 1 2 seated" % i
    assert ser.timeout_sets <= 1
    with pytest.raises(LinkError, match="within 0.2 s"):   # the deadline still holds
        link.read_body()


def test_record_lines_are_parsed_with_bounds() -> None:
    raw = record.encode_minute(7, 3, (1000, 60, 60, 0, 0, 0, 10, 20, 0))
    parsed = parse_record("R " + raw.hex())
    assert parsed is not None and parsed[0] == raw and parsed[1][1] == 7
    assert parse_record("R " + raw.hex() + "00") is None          # one byte too many
    assert parse_record("R " + raw.hex() * 30) is None             # far too long: not even decoded
    assert parse_record("R " + raw.hex()[:-2]) is None
    assert parse_record("R zz") is None and parse_record("L 1 2 3 x") is None
