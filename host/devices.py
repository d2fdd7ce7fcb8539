"""Finding connected clips: CircuitPython boards' data channels (adafruit-board-toolkit)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

from host.errors import PostureError

NO_CLIP = ("no clip connected: plug it in with a data USB cable (its data channel is enabled by "
           "boot.py), or name the port with --port")


@dataclass(frozen=True)
class Port:
    device: str        # e.g. /dev/ttyACM1, COM5
    description: str
    serial_number: str
    interface: str

    def as_dict(self) -> dict[str, str]:
        return {"port": self.device, "description": self.description,
                "serial_number": self.serial_number, "interface": self.interface}


def _toolkit_ports() -> Sequence[object]:
    from adafruit_board_toolkit import circuitpython_serial

    return circuitpython_serial.data_comports()


def data_ports(lister: Callable[[], Sequence[object]] = _toolkit_ports) -> list[Port]:
    """The CircuitPython data channels attached now (the clip's sync port), sorted by device."""
    try:
        found = lister()
    except Exception as exc:  # a platform without port listing
        raise PostureError("cannot list serial ports: %s" % exc) from None
    ports = [Port(str(getattr(p, "device", "")), str(getattr(p, "description", "") or ""),
                  str(getattr(p, "serial_number", "") or ""), str(getattr(p, "interface", "") or ""))
             for p in found]
    return sorted(ports, key=lambda p: p.device)


def pick_port(port: str | None, lister: Callable[[], Sequence[object]] = _toolkit_ports) -> str:
    """--port if given; else the one connected clip; a clear error for none or several."""
    if port:
        return port
    ports = data_ports(lister)
    if not ports:
        raise PostureError(NO_CLIP)
    if len(ports) > 1:
        raise PostureError("%d clips connected (%s): choose one with --port"
                           % (len(ports), ", ".join(p.device for p in ports)))
    return ports[0].device
