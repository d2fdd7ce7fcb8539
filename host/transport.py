"""The serial link to a clip's data channel: framed lines with an explicit timeout on every read.

Everything that comes back is untrusted: lines are bounded in length, must
carry a good CRC (firmware.protocol.unframe) and are parsed by the caller
with bounds. Every failure becomes a PostureError naming the port.
"""

from __future__ import annotations

import time
from typing import Any

from firmware.protocol import frame, unframe
from host.errors import PostureError

MAX_REPLY = 512        # bytes of one line from the clip
DEFAULT_TIMEOUT = 3.0  # seconds to wait for a reply line
READ_SLICE = 0.05      # seconds one serial read may block; set once, deadlines are kept here


BUSY_HINT = ("; if another program (a serial monitor, an editor's console, another posture) has "
             "the port open, close it and try again")


def _open_error(port: str, exc: BaseException) -> str:
    """Why the port could not be opened, in the user's terms."""
    import errno

    text = str(exc)
    code = getattr(exc, "errno", None)
    if "exclusively lock" in text or code in (errno.EBUSY, errno.EAGAIN, errno.EWOULDBLOCK):
        return ("the port %s is in use by another program (a serial monitor, an editor's console, "
                "another posture command): close it and try again" % port)
    if code == errno.EACCES or "Permission denied" in text:
        return ("no permission to open %s: on Linux add yourself to the dialout group (then log "
                "in again)" % port)
    if code == errno.ENOENT or "No such file" in text:
        return "cannot open %s: no such port (is the clip plugged in? `posture devices` lists clips)" % port
    return "cannot open %s: %s" % (port, exc)


class LinkError(PostureError):
    """The clip did not answer in time, or went away."""


class CorruptReply(PostureError):
    """A line from the clip failed its CRC or was too long."""


class Refused(PostureError):
    """The clip answered ERR."""


class Transport:
    def __init__(self, port: str, timeout: float = DEFAULT_TIMEOUT, serial_obj: Any = None) -> None:
        """Open the port; nothing is sent to the clip until the first command."""
        self.port = port
        self.timeout = timeout
        self.buf = bytearray()
        self.skip_to_newline = False
        self.started = False
        if serial_obj is not None:
            self.ser = serial_obj
        else:
            import serial  # type: ignore[import-untyped]

            try:
                # exclusive: a second program (another posture, a serial monitor that locks the
                # port) is refused at once instead of both reading half of every reply
                self.ser = serial.Serial(port, 115200, timeout=READ_SLICE, write_timeout=timeout,
                                         exclusive=True)
            except (serial.SerialException, OSError, ValueError) as exc:
                raise LinkError(_open_error(port, exc)) from None
        try:
            if serial_obj is not None:
                self.ser.timeout = READ_SLICE
            self.ser.reset_input_buffer()
        except Exception as exc:
            raise LinkError("cannot use %s: %s" % (port, exc)) from None

    def _start(self) -> None:
        """Before the first command: end any half line left on the clip by an earlier session."""
        if self.started:
            return
        self.started = True
        try:
            self.ser.write(b"\n")
        except Exception as exc:
            raise LinkError("cannot use %s: %s" % (self.port, exc)) from None

    def close(self) -> None:
        try:
            self.ser.close()
        except Exception:
            pass

    def __enter__(self) -> "Transport":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def send(self, body: str) -> None:
        self._start()
        try:
            self.ser.write(frame(body))
            self.ser.flush()
        except Exception as exc:
            raise LinkError("the clip on %s went away (%s)" % (self.port, exc)) from None

    def _line(self, timeout: float) -> bytes:
        """One raw line with its '\n' (reads in blocks: pyserial's read_until goes byte by byte)."""
        deadline = time.monotonic() + timeout
        while True:
            i = self.buf.find(b"\n")
            if i >= 0:
                line = bytes(self.buf[:i + 1])
                del self.buf[:i + 1]
                if len(line) > MAX_REPLY:
                    raise CorruptReply("a reply from %s was longer than %d bytes" % (self.port, MAX_REPLY))
                return line
            if len(self.buf) > MAX_REPLY:
                self.buf.clear()
                self.skip_to_newline = True
            left = deadline - time.monotonic()
            if left <= 0:
                raise LinkError("no reply from the clip on %s within %.1f s%s" % (self.port, timeout, BUSY_HINT))
            try:
                chunk = self.ser.read(max(1, min(self.ser.in_waiting, 1 << 16)))
            except Exception as exc:
                raise LinkError("the clip on %s went away (%s)" % (self.port, exc)) from None
            if chunk:
                if self.skip_to_newline:
                    j = chunk.find(b"\n")
                    if j < 0:
                        continue
                    chunk = chunk[j + 1:]
                    self.skip_to_newline = False
                    self.buf += chunk
                    raise CorruptReply("a reply from %s was longer than %d bytes" % (self.port, MAX_REPLY))
                self.buf += chunk

    def read_body(self, timeout: float | None = None) -> str:
        """The next line's body. LinkError on timeout or unplug, CorruptReply on a bad line."""
        line = self._line(self.timeout if timeout is None else timeout)
        body = unframe(line[:-1])
        if body is None:
            raise CorruptReply("a corrupt reply from %s (bad CRC)" % self.port)
        return body

    def request(self, body: str, reply: str, timeout: float | None = None,
                skip_corrupt: bool = True) -> str:
        """Send a command; return the first line starting with `reply` (ERR raises Refused).

        Lines of an earlier session (records, live lines) are skipped, for at most `timeout`.
        """
        self.send(body)
        limit = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + limit
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise LinkError("no %s reply from the clip on %s within %.1f s%s"
                                % (reply, self.port, limit, BUSY_HINT))
            try:
                line = self.read_body(left)
            except CorruptReply:
                if skip_corrupt:
                    continue
                raise
            if line.startswith("ERR "):
                raise Refused("the clip refused %s: %s" % (body.split()[0], line[4:]))
            if line == reply or line.startswith(reply + " "):
                return line


def fields(line: str) -> dict[str, str]:
    """key=value words of a reply line, bounded."""
    out: dict[str, str] = {}
    for word in line.split()[1:40]:
        if "=" in word:
            k, v = word.split("=", 1)
            out[k[:20]] = v[:64]
    return out


def int_field(values: dict[str, str], key: str, low: int = -1, high: int = 0xFFFFFFFF) -> int:
    try:
        value = int(values[key])
    except (KeyError, ValueError):
        raise CorruptReply("the clip's reply lacks a valid %s" % key) from None
    if not low <= value <= high:
        raise CorruptReply("the clip's %s=%d is out of range" % (key, value))
    return value
