"""A usb_cdc.data stand-in: bytes in, bytes out, and a limit on how much one write takes."""

from __future__ import annotations

from firmware.protocol import frame, unframe


class FakeChannel:
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
        self.incoming += frame(body)

    def lines(self) -> list[str | None]:
        """Bodies of every complete line written so far (None for a corrupt one); clears them."""
        text = bytes(self.out)
        cut = text.rfind(b"\n") + 1
        del self.out[:cut]
        return [unframe(line) for line in text[:cut].split(b"\n")[:-1]]
