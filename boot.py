"""Runs once after a hard reset, before USB starts.

- Makes the flash writable for the firmware (and read-only for the laptop),
  unless the board's button is held during the first second after reset
  (holding it while pressing reset would start the bootloader on some boards):
  then the laptop can edit files as usual.
- Finishes a `posture deploy` that was cut short after it had staged every file
  (firmware/integrity.py), so the next start runs the new firmware, not a mix.
- Adds a second USB serial channel for data (sync, live view, settings).
Any failure leaves the board in CircuitPython's defaults; the firmware copes
with a read-only drive by keeping its records in RAM.
"""

import time

import board
import storage
import usb_cdc

from firmware import boards

_held = False
try:
    _name = boards.defaults(getattr(board, "board_id", ""))["button_pin"]
    if _name:
        import digitalio

        _button = digitalio.DigitalInOut(getattr(board, _name))
        _button.direction = digitalio.Direction.INPUT
        _button.pull = digitalio.Pull.UP
        try:
            _until = time.monotonic() + 1.0
            while not _held and time.monotonic() < _until:
                _held = not _button.value
                time.sleep(0.02)
        finally:
            _button.deinit()
except Exception as exc:  # a board without the pin: behave as not held
    print("boot.py: button check skipped:", exc)

try:
    if not _held:
        storage.remount("/", readonly=False)
        try:  # a deploy cut short after its files were staged: finish it (firmware/integrity.py)
            import os

            from firmware import integrity

            integrity.finish_swap(os, open)
        except Exception as exc:  # an old or damaged firmware/: code.py reports the set
            print("boot.py: deploy check skipped:", exc)
finally:
    try:
        usb_cdc.enable(console=True, data=True)
    except Exception as exc:
        print("boot.py: no data channel:", exc)
