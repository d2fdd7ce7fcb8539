"""Fixtures shared by every test tier. Keep this file small."""

import os

import pytest
from hypothesis import settings

# Property tests: no per-example deadline (a shared machine stalls now and then). Under CI
# the examples are derandomized, so a red run can be reproduced exactly; locally each run
# explores new inputs.
settings.register_profile("local", deadline=None, print_blob=True)
settings.register_profile("ci", deadline=None, print_blob=True, derandomize=True)
settings.load_profile("ci" if os.environ.get("CI") else "local")


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
