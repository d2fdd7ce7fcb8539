"""CircuitPython's 30-bit floats, emulated on CPython.

Most CircuitPython ports compute in single precision (float32) and store a float
in one tagged 32-bit word (MICROPY_OBJ_REPR_C), which drops the two lowest
mantissa bits: 1 sign bit, 8 exponent bits, 21 stored mantissa bits (22 with the
implicit one). `r30(x)` rounds to float32 and then truncates those two bits, as
mp_obj_new_float does there. `F30` is a float whose every arithmetic result goes
through r30, so intermediate results are rounded too; `math30` is a math module
whose results (and constants) are rounded the same way.
"""

from __future__ import annotations

import math
import struct
import types
from typing import Any

_F = struct.Struct("<f")
_I = struct.Struct("<I")


def r30(x: float) -> float:
    """x as a CircuitPython float (float32, low two mantissa bits cleared)."""
    x = float(x)
    try:
        packed = _F.pack(x)
    except OverflowError:
        return math.copysign(math.inf, x)
    return float(_F.unpack(_I.pack(_I.unpack(packed)[0] & 0xFFFFFFFC))[0])


class F30(float):
    __slots__ = ()

    def __new__(cls, x: Any = 0.0) -> "F30":
        return float.__new__(cls, r30(x))

    def __repr__(self) -> str:
        return "F30(%r)" % float(self)


def _binary(name: str) -> None:
    base = getattr(float, name)

    def op(self: float, other: Any) -> Any:
        result = base(self, other)
        if result is NotImplemented:
            return result
        if isinstance(result, tuple):  # divmod
            return tuple(F30(r) for r in result)
        return F30(result)

    op.__name__ = name
    setattr(F30, name, op)


for _op in ("add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "divmod"):
    _binary("__%s__" % _op)
    _binary("__r%s__" % _op)
for _op in ("__neg__", "__pos__", "__abs__"):
    setattr(F30, _op, (lambda base: lambda self: F30(base(self)))(getattr(float, _op)))


def _wrap_math(fn: Any) -> Any:
    def call(*args: Any) -> Any:
        result = fn(*[F30(a) if isinstance(a, float) else a for a in args])
        return F30(result) if isinstance(result, float) else result

    call.__name__ = fn.__name__
    return call


def math30() -> types.SimpleNamespace:
    """A stand-in for the math module computing in 30-bit floats."""
    ns = types.SimpleNamespace()
    for name in dir(math):
        if name.startswith("_"):
            continue
        value = getattr(math, name)
        if callable(value):
            setattr(ns, name, _wrap_math(value))
        elif isinstance(value, float):
            setattr(ns, name, F30(value))
        else:
            setattr(ns, name, value)
    return ns


def round_state(obj: Any, seen: set[int] | None = None) -> int:
    """Round every plain float held by obj's attributes (and in their tuples and lists,
    and in nested objects) to F30 in place; returns how many were not F30 already."""
    if seen is None:
        seen = set()
    if id(obj) in seen or not hasattr(obj, "__dict__"):
        return 0
    seen.add(id(obj))
    changed = 0
    for key, value in list(vars(obj).items()):
        new, n = _round_value(value, seen)
        changed += n
        if n:
            setattr(obj, key, new)
    return changed


def _round_value(value: Any, seen: set[int]) -> tuple[Any, int]:
    if type(value) is float:
        return F30(value), 1
    if isinstance(value, tuple):
        items = [_round_value(v, seen) for v in value]
        n = sum(c for _v, c in items)
        return (tuple(v for v, _c in items) if n else value), n
    if isinstance(value, list):
        n = 0
        for i, v in enumerate(value):
            new, c = _round_value(v, seen)
            if c:
                value[i] = new
                n += c
        return value, 0 if not n else n
    if hasattr(value, "__dict__") and type(value).__module__.startswith("firmware"):
        return value, round_state(value, seen)
    return value, 0
