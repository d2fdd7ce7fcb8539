"""Fixtures shared by every test tier. Keep this file small."""

import pytest


@pytest.fixture
def sim_device():
    """Make simulated devices (host.sim.device.SimDevice: the real boot.py/code.py on the
    simulated board); each one made is closed after the test."""
    from host.sim.device import SimDevice

    made = []

    def make(motion, **kwargs):
        device = SimDevice(motion, **kwargs)
        made.append(device)
        return device

    yield make
    for device in made:
        device.close()
