"""Modules the clip loads only when needed, under real MicroPython: the protocol handler
when a host first talks on the data channel, the log reader when a host syncs."""

from mpyrun import run_mpy

SCRIPT = r"""
import os, sys
from firmware import datalink
from firmware.crc import crc16
from firmware.detector import PostureDetector
from firmware.settings import load

class Chan:
    def __init__(self):
        self.rx = b''
        self.out = b''
    @property
    def in_waiting(self):
        return len(self.rx)
    def read(self, n):
        d = self.rx[:n]
        self.rx = self.rx[n:]
        return d
    def write(self, d):
        self.out += d
        return len(d)

class Usb:
    pass

def line(body):
    return (body + '*%04X\n' % crc16(body.encode())).encode()

usb = Usb()
usb.data = Chan()
settings = load(lambda k: None, print)
det = PostureDetector(settings)
store = datalink.open_storage(os, open, '/lazylog')
log, proto = datalink.start(store, usb, det, settings, None, 'LAZY1', '9', print)
log.minute((1000, 60, 60, 0, 0, 0, 0, 0, 0))
for t in range(0, 4000, 40):
    proto.poll(t)
print('IDLE', 'firmware.protocol' in sys.modules, 'firmware.logreader' in sys.modules, proto.protocol is None,
      len(usb.data.out))
usb.data.rx = line('HELLO')
proto.poll(4000)
print('HELLO', 'firmware.protocol' in sys.modules, 'firmware.logreader' in sys.modules,
      usb.data.out.decode().split('*')[0])
usb.data.rx = line('SYNC 0')
for t in range(4040, 5000, 40):
    proto.poll(t)
print('SYNC', 'firmware.logreader' in sys.modules, usb.data.out.count(b'\nR '), b'\nEND 1 1*' in usb.data.out)
"""


def test_protocol_and_log_reader_load_only_when_a_host_talks():
    out = run_mpy(SCRIPT, copies=["firmware"])
    lines = {line.split()[0]: line.split(" ", 1)[1] for line in out.splitlines()
             if line[:4] in ("IDLE", "HELL", "SYNC")}
    assert lines["IDLE"] == "False False True 0"           # a silent channel: nothing loaded, nothing sent
    assert lines["HELLO"].startswith("True False HELLO id=LAZY1 fw=9 proto=1 boot=")
    assert lines["SYNC"] == "True 1 True"                  # the one minute record, then END
