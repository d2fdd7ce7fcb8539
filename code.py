"""CircuitPython entry point: hand the board's modules to the posture monitor.

All behaviour lives in firmware/; this file only wires real hardware to it.
"""

import os
import time

import board
import microcontroller
import supervisor
import usb_cdc

try:
    from firmware import resets, wiring
except Exception as exc:  # a firmware set of two deploys, or one cut short: no restart loop
    print("posture: the firmware on the drive cannot start (%s: %s): it is incomplete or of two "
          "versions. Run `posture deploy` again; the clip restarts by itself when it is done."
          % (type(exc).__name__, exc))
    while True:  # restarting would only fail the same way; a deploy reloads code.py
        time.sleep(3600)

try:
    wiring.main(board, supervisor, time, os.getenv, microcontroller=microcontroller, open_fn=open,
                os_module=os, usb_cdc=usb_cdc)
except Exception as exc:  # a bug or a MemoryError must not leave the clip silent: restart
    resets.crashed(microcontroller, exc, time.sleep)
