"""CircuitPython entry point: hand the board's modules to the posture monitor.

All behaviour lives in firmware/; this file only wires real hardware to it.
"""

import os
import time

import board
import microcontroller
import supervisor

from firmware import wiring

wiring.main(board, supervisor, time, os.getenv, microcontroller=microcontroller, open_fn=open)
