"""Wiring the durable log and the data-channel protocol into the Monitor (for firmware/wiring.py).

    store = open_storage(os, open)                       # /log on the flash
    overrides = Overrides(store)                         # before settings are loaded:
    settings = load(overrides.getenv(os.getenv), warn)   # SET values win over settings.toml
    detector = PostureDetector(settings)
    log, proto = start(store, usb_cdc, detector, settings, overrides, device_id, fw, say)
    Monitor(..., log=log, pollers=[proto] if proto else [])

Nothing here may stop the clip from alerting: a log that cannot be opened is
reported and replaced by None; no data channel means no protocol.

The protocol handler (firmware/protocol.py, about 7 KB of RAM once loaded from .py, with
the LIVE gauge's callback) is imported only when a host first sends something on the data
channel: boot.py enables that channel on every start, but a clip worn on its cell
never hears from a host. The protocol only ever answers, so the host sees no difference.
"""

from firmware.log import LEAN, Log
from firmware.overrides import Overrides
from firmware.storage import Storage

LOG_DIR = "/log"


def open_storage(os_module, open_fn, directory=LOG_DIR):
    return Storage(directory, os_module, open_fn)


def device_id(microcontroller):
    try:
        uid = microcontroller.cpu.uid
        return "".join("%02X" % b for b in uid)[:32] or "unknown"
    except (AttributeError, TypeError):
        return "unknown"


def start(storage, usb_cdc, detector, settings, overrides, dev_id, fw_version, say, urandom=None,
          health=None, check_set=None, modes=None):
    """(log or None, protocol or None)."""
    try:
        log = Log(storage, urandom=urandom, skip_kinds=LEAN)
    except Exception as exc:  # a damaged filesystem must not stop the alerts
        say("posture: no log (%s); the clip still alerts" % exc)
        return None, None
    if log.readonly:
        if log.ram_errno == 28:
            say("posture: the drive is full; records are kept in RAM for sync (free some space)")
        else:
            say("posture: the drive is read-only (held by the computer?); records are kept in RAM for sync")
    data = getattr(usb_cdc, "data", None) if usb_cdc is not None else None
    if data is None:
        return log, None
    try:
        data.timeout = 0
        data.write_timeout = 0
    except (AttributeError, ValueError):
        pass

    def make():
        from firmware.protocol import Protocol, live_from_detector

        def on_set(_key, _value):
            detector.apply_settings(settings)
            if modes is not None:   # POSTURE_MODE / POSTURE_TRAIN_MIN apply at once (firmware/modes.py)
                modes.update()

        proto = Protocol(data, log, dev_id, fw_version, settings=settings, overrides=overrides,
                         calibrate=detector.request_calibration,
                         live=live_from_detector(detector, health), on_set=on_set, health=health)
        # (key, value) -> None or why the value would disable the clip (firmware/integrity.py)
        proto.check_set = check_set  # type: ignore[attr-defined]
        return proto

    return log, OnDemand(data, make)


class OnDemand:
    """The data channel's poller: builds the protocol handler (make()) when the host first
    sends a byte, then polls it like the Monitor polls any poller. `protocol` is None until then."""

    def __init__(self, channel, make):
        self._channel = channel
        self._make = make
        self.protocol = None

    def poll(self, now_ms):
        proto = self.protocol
        if proto is None:
            try:
                if not self._channel.in_waiting:
                    return
            except (OSError, AttributeError):  # as Protocol.poll: an unreadable channel is idle
                return
            proto = self.protocol = self._make()
            self._make = None
        proto.poll(now_ms)


def overrides_for(storage):
    try:
        return Overrides(storage)
    except Exception:  # an unreadable file: no overrides
        return None
