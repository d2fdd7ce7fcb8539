"""CircuitPython entry point: hand the board's modules to the posture monitor.

All behaviour lives in firmware/; this file only wires real hardware to it.
"""

import os
import time

import board
import microcontroller
import supervisor
import usb_cdc

from firmware import resets, wiring

try:
    wiring.main(board, supervisor, time, os.getenv, microcontroller=microcontroller, open_fn=open,
                os_module=os, usb_cdc=usb_cdc)
except Exception as exc:  # a bug or a MemoryError must not leave the clip silent: restart
    resets.crashed(microcontroller, exc, time.sleep)
