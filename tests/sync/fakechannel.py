"""The usb_cdc.data stand-in for these tests lives in host/sim/stubs.py (shared with tests/faults)."""

from host.sim.stubs import DataChannel as FakeChannel

__all__ = ["FakeChannel"]
