"""CRC-32 (IEEE, as zip and binascii compute it) and the 16-bit check used by the log and protocol.

binascii.crc32 exists on CPython, MicroPython and CircuitPython builds with
binascii; a plain-Python fallback keeps the module working where it does not.
`crc16(data)` is the low 16 bits of the CRC-32: the same code everywhere and
fast where binascii is native.
"""


def crc32_py(data, value=0):
    """Plain-Python CRC-32 (the same numbers as binascii.crc32)."""
    crc = value ^ 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            if crc & 1:
                crc = (crc >> 1) ^ 0xEDB88320
            else:
                crc >>= 1
    return crc ^ 0xFFFFFFFF


try:
    from binascii import crc32 as _native

    def crc32(data, value=0):
        """CRC-32 of bytes-like `data`, continuing from `value`; a non-negative int."""
        return _native(data, value) & 0xFFFFFFFF

    def crc16(data):
        """The 16-bit check: low half of the CRC-32."""
        # straight from binascii: a CRC-32 above 2**30 is a long int on the board, and the
        # 32-bit mask would allocate a second one (the log and SYNC check every record)
        return _native(data) & 0xFFFF
except ImportError:  # pragma: no cover - builds without binascii.crc32
    crc32 = crc32_py

    def crc16(data):
        """The 16-bit check: low half of the CRC-32."""
        return crc32_py(data) & 0xFFFF
