"""The simulated device.

- circuitpython.py: SimClock (ticks_ms wrapping at 2**29, simulated sleep, stop points,
  watchdog timers), the reset exceptions, and install(): the one place that puts the
  fake CircuitPython modules (fakes/) into sys.modules and takes them out again.
- fakes/: board, busio (I2C bus), digitalio, pwmio, supervisor, usb_cdc, microcontroller,
  watchdog, storage, alarm, time, os (getenv from settings.toml, the CIRCUITPY drive),
  and a DRV2605L emulator; SimBoard holds their shared state.
- lsm6ds_emulator.py: a register-level LSM6DS on the I2C bus, fed by a motion source
  (any object with at(t_ms) -> (ax, ay, az, gx, gy, gz)), with fault injection and a
  log of its power modes.
- device.py: SimDevice runs the repository's real boot.py and code.py on all of it.
- wearer.py and friends: synthetic wearers, the usual motion source.

Simulated code costs no simulated time: only sleeps, timeouts and the driver's own
waits move the clock.
"""
