"""Fake CircuitPython modules, one role per module; installed by host.sim.circuitpython."""
