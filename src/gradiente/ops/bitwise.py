"""Bitwise and integer-arithmetic ops (bool and integer tensors): no gradients.

Two operands are first promoted to their common Keras dtype (``int8 & int16`` is int16,
``uint8 & 1`` stays uint8), so the result dtype is Keras's, not NumPy's.
"""
import numpy as np

from gradiente.ops.primitive import primitive


def _integral(op_name, *arrays):
    for a in arrays:
        kind = np.asarray(a).dtype.kind
        if kind not in "biu":
            raise TypeError(f"{op_name}: expects boolean or integer tensors, received dtype {np.asarray(a).dtype}.")


@primitive(promote="common")
def bitwise_and(x, y):
    _integral("bitwise_and", x, y)
    return np.bitwise_and(x, y)


@primitive(promote="common")
def bitwise_or(x, y):
    _integral("bitwise_or", x, y)
    return np.bitwise_or(x, y)


@primitive(promote="common")
def bitwise_xor(x, y):
    _integral("bitwise_xor", x, y)
    return np.bitwise_xor(x, y)


@primitive
def bitwise_invert(x):
    """~x: every bit flipped (logical not for booleans)."""
    _integral("bitwise_invert", x)
    return np.invert(x)


bitwise_not = bitwise_invert


@primitive(promote="common")
def bitwise_left_shift(x, y):
    """x shifted left by y bits."""
    _integral("bitwise_left_shift", x, y)
    return np.left_shift(x, y)


@primitive(promote="common")
def bitwise_right_shift(x, y):
    """x shifted right by y bits (arithmetic shift for signed integers)."""
    _integral("bitwise_right_shift", x, y)
    return np.right_shift(x, y)


left_shift = bitwise_left_shift
right_shift = bitwise_right_shift


@primitive(promote="common")
def gcd(x1, x2):
    """Greatest common divisor, elementwise (integers)."""
    _integral("gcd", x1, x2)
    return np.gcd(x1, x2)


@primitive(promote="common")
def lcm(x1, x2):
    """Least common multiple, elementwise (integers)."""
    _integral("lcm", x1, x2)
    return np.lcm(x1, x2)
