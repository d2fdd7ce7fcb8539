"""Posture clip firmware: pure posture logic plus thin adapters for the board.

Everything in this package runs unchanged on CircuitPython, MicroPython and CPython.
"""

VERSION = "0.1.0"
