"""The rest of NumPy's elementwise arithmetic: trunc, fabs, fmod, fmax, fmin, nextafter,
divide_no_nan, nan_to_num, copy, and the complex parts (real, imag, conj, angle).
Forward beside VJP where there is a gradient."""
import numpy as np

from gradiente.ops.primitive import primitive


@primitive
def trunc(x):
    """Rounded towards zero; integers and booleans come back unchanged."""
    x = np.asarray(x)
    return x.copy() if x.dtype.kind in "biu" else np.trunc(x)


@primitive(promote="float")
def fabs(x):
    """|x| as a float."""
    return np.fabs(x)


@fabs.defvjp
def _(g, ans, needs, x):
    return (g * np.sign(x),)


@primitive(promote="common")
def fmod(x1, x2):
    """Remainder of x1 / x2 with the sign of x1 (C's fmod; ``mod`` takes the divisor's sign)."""
    if np.asarray(x1).dtype == bool:
        x1, x2 = np.asarray(x1, np.int32), np.asarray(x2, np.int32)
    return np.fmod(x1, x2)


@fmod.defvjp
def _(g, ans, needs, x1, x2):
    return g, (-g * np.trunc(x1 / x2) if needs[1] else None)


@primitive(promote="common")
def fmax(x1, x2):
    """Elementwise maximum that ignores NaN (NaN only where both are NaN)."""
    return np.fmax(x1, x2)


@fmax.defvjp
def _(g, ans, needs, x1, x2):
    first = np.logical_or(np.greater_equal(x1, x2), np.isnan(x2))
    return g * first, g * ~first


@primitive(promote="common")
def fmin(x1, x2):
    """Elementwise minimum that ignores NaN (NaN only where both are NaN)."""
    return np.fmin(x1, x2)


@fmin.defvjp
def _(g, ans, needs, x1, x2):
    first = np.logical_or(np.less_equal(x1, x2), np.isnan(x2))
    return g * first, g * ~first


@primitive(promote="float")
def nextafter(x1, x2):
    """The next representable float after x1 in the direction of x2."""
    return np.nextafter(x1, x2)


@primitive(promote="float")
def divide_no_nan(x1, x2):
    """x1 / x2, and 0 wherever x2 is 0."""
    zero = np.equal(x2, 0)
    return np.where(zero, np.zeros((), np.result_type(x1, x2)), np.divide(x1, np.where(zero, 1, x2)))


@divide_no_nan.defvjp
def _(g, ans, needs, x1, x2):
    zero = np.equal(x2, 0)
    safe = np.where(zero, 1, x2)
    gx1 = np.where(zero, 0, g / safe) if needs[0] else None
    gx2 = np.where(zero, 0, -g * ans / safe) if needs[1] else None
    return gx1, gx2


@primitive
def nan_to_num(x, nan=0.0, posinf=None, neginf=None):
    """NaN replaced by ``nan``, infinities by ``posinf``/``neginf`` (default: the dtype's
    largest finite values)."""
    return np.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)


@nan_to_num.defvjp
def _(g, ans, needs, x, nan=0.0, posinf=None, neginf=None):
    return (np.where(np.isfinite(x), g, 0),)


@primitive
def copy(x):
    """A new tensor with ``x``'s value."""
    return np.array(x, copy=True)


@copy.defvjp
def _(g, ans, needs, x):
    return (g,)


@primitive
def real(x):
    return np.real(x).copy()


@primitive
def imag(x):
    x = np.asarray(x)
    return np.imag(x).copy() if x.dtype.kind == "c" else np.zeros_like(x)


@primitive
def conjugate(x):
    return np.conjugate(x)


conj = conjugate


@primitive(promote="float")
def angle(x):
    """The complex argument; 0 or pi for real numbers."""
    return np.angle(x).astype(x.real.dtype if np.iscomplexobj(x) else x.dtype, copy=False)
