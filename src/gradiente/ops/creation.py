"""Tensors made from a shape: ``keras.ops.ones`` and ``keras.ops.zeros``.

Constants, not primitives: nothing flows back into a shape, so no tape records them.
"""
import numpy as np

from gradiente import backend
from gradiente.autodiff.tensor import Tensor


def ones(shape, dtype=None):
    """A tensor of ones; ``dtype`` defaults to ``keras.config.floatx()``."""
    return Tensor(np.ones(_shape(shape, "ones"), dtype=backend.standardize_dtype(dtype)))


def zeros(shape, dtype=None):
    """A tensor of zeros; ``dtype`` defaults to ``keras.config.floatx()``."""
    return Tensor(np.zeros(_shape(shape, "zeros"), dtype=backend.standardize_dtype(dtype)))


def _shape(shape, op_name):
    dims = (shape,) if isinstance(shape, (int, np.integer)) else shape
    try:
        dims = tuple(dims)
    except TypeError:
        raise TypeError(f"ops.{op_name}: `shape` must be an int or a tuple of ints, received {shape!r}.") from None
    if not all(isinstance(d, (int, np.integer)) and not isinstance(d, bool) for d in dims):
        raise TypeError(f"ops.{op_name}: `shape` must hold ints only, received {shape!r}.")
    if any(d < 0 for d in dims):
        raise ValueError(f"ops.{op_name}: `shape` has a negative dimension: {tuple(dims)}.")
    return tuple(int(d) for d in dims)
