"""Tests and comparisons that give booleans (no gradients): isclose, allclose, isin,
isinf, isneginf, isposinf, signbit, isreal, logical_xor."""
import numpy as np

from gradiente.ops.primitive import primitive


@primitive(promote="common")
def isclose(x1, x2, rtol=1e-5, atol=1e-8, equal_nan=False):
    """|x1 - x2| <= atol + rtol * |x2|, elementwise (NaNs equal with ``equal_nan``)."""
    return np.isclose(x1, x2, rtol=rtol, atol=atol, equal_nan=equal_nan)


def allclose(x1, x2, rtol=1e-5, atol=1e-8, equal_nan=False):
    """Whether ``isclose`` holds everywhere (a boolean 0-d tensor)."""
    from gradiente.ops.reduction import all as _all

    return _all(isclose(x1, x2, rtol=rtol, atol=atol, equal_nan=equal_nan))


@primitive
def isin(x1, x2, assume_unique=False, invert=False):
    """Whether each element of ``x1`` occurs in ``x2`` (the opposite with ``invert``)."""
    return np.isin(x1, x2, assume_unique=assume_unique, invert=invert)


@primitive
def isinf(x):
    return np.isinf(x)


@primitive
def isneginf(x):
    return np.isneginf(x) if np.asarray(x).dtype.kind in "fc" else np.zeros(np.shape(x), bool)


@primitive
def isposinf(x):
    return np.isposinf(x) if np.asarray(x).dtype.kind in "fc" else np.zeros(np.shape(x), bool)


@primitive
def signbit(x):
    """True where the sign bit is set (negative numbers and -0.0)."""
    x = np.asarray(x)
    return np.signbit(x) if x.dtype != bool else np.zeros(x.shape, bool)


@primitive
def isreal(x):
    """True where the imaginary part is zero (everywhere, for real dtypes)."""
    return np.isreal(x)


@primitive
def logical_xor(x1, x2):
    return np.logical_xor(x1, x2)
