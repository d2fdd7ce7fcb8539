"""Two small stand-ins for the serial link, shared by the protocol and sync tests.

- `DataChannel`: the clip's side, like usb_cdc.data: the host's bytes wait in
  `incoming`, the clip's writes land in `out` (at most `write_limit` bytes a
  write, as a busy USB endpoint takes only part of a write).
- `ScriptedSerial`: the laptop's side, like a pyserial port whose clip answers
  with a fixed byte stream and is then unplugged (reads raise OSError 5).
"""

from __future__ import annotations

from firmware.protocol import frame, unframe


class DataChannel:
    def __init__(self, write_limit: int | None = None) -> None:
        self.incoming = bytearray()
        self.out = bytearray()
        self.write_limit = write_limit

    @property
    def in_waiting(self) -> int:
        return len(self.incoming)

    def read(self, n: int) -> bytes:
        data = bytes(self.incoming[:n])
        del self.incoming[:n]
        return data

    def write(self, data: bytes) -> int:
        n = len(data) if self.write_limit is None else min(len(data), self.write_limit)
        self.out += data[:n]
        return n

    def send(self, body: str) -> None:
        """Queue one framed line from the host."""
        self.incoming += frame(body)

    def lines(self) -> list[str | None]:
        """Bodies of every complete line written so far (None for a corrupt one); clears them."""
        text = bytes(self.out)
        cut = text.rfind(b"\n") + 1
        del self.out[:cut]
        return [unframe(line) for line in text[:cut].split(b"\n")[:-1]]


class ScriptedSerial:
    def __init__(self, data: bytes) -> None:
        self.data = bytearray(data)
        self.timeout = 1.0
        self.written = bytearray()

    @property
    def in_waiting(self) -> int:
        return len(self.data)

    def read(self, n: int) -> bytes:
        if not self.data:
            raise OSError(5, "device unplugged")
        out = bytes(self.data[:n])
        del self.data[:n]
        return out

    def write(self, data: bytes) -> int:
        self.written += data
        return len(data)

    def flush(self) -> None:
        pass

    def reset_input_buffer(self) -> None:
        pass

    def close(self) -> None:
        pass
