"""The simulated device: fake CircuitPython modules (circuitpython.py, fakes/), the LSM6DS
register emulator (lsm6ds_emulator.py), the device runner (device.py) and the synthetic
wearer (wearer.py)."""
