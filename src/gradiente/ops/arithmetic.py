"""Elementwise primitives: arithmetic, powers, logs, comparisons. Forward beside VJP.

Gradients at points where the maths has none follow the usual conventions:
abs'(0) = 0, maximum/minimum send a tie's gradient to the first argument,
sign and the comparison ops are piecewise constant (sign's VJP is zeros, not an error).
"""
import math as _math

import numpy as np

from gradiente.ops.primitive import primitive


# --- binary arithmetic ---------------------------------------------------------------
@primitive(promote="common")
def add(x, y):
    return np.add(x, y)


@add.defvjp
def _(g, ans, needs, x, y):
    return g, g


@primitive(promote="common")
def subtract(x, y):
    return np.subtract(x, y)


@subtract.defvjp
def _(g, ans, needs, x, y):
    return g, (-g if needs[1] else None)


@primitive(promote="common")
def multiply(x, y):
    return np.multiply(x, y)


@multiply.defvjp
def _(g, ans, needs, x, y):
    return (g * y if needs[0] else None), (g * x if needs[1] else None)


@primitive(promote="float")
def divide(x, y):
    return np.true_divide(x, y)


@divide.defvjp
def _(g, ans, needs, x, y):
    return (g / y if needs[0] else None), (-g * ans / y if needs[1] else None)


true_divide = divide


@primitive(promote="common")
def power(x, y):
    return np.power(x, y)


@power.defvjp
def _(g, ans, needs, x, y):
    gx = gy = None
    if needs[0]:
        gx = g * y * np.power(x, y - 1)  # y - 1 stays a Python number if y is one
    if needs[1]:
        # d(x**y)/dy = x**y log x; taken as 0 where x <= 0 (no real logarithm there).
        # astype: a Python-number base would otherwise become a float64 0-d array here.
        log_x = np.log(np.where(np.greater(x, 0), x, 1)).astype(ans.dtype, copy=False)
        gy = g * ans * log_x
    return gx, gy


@primitive(promote="common")
def maximum(x, y):
    return np.maximum(x, y)


@maximum.defvjp
def _(g, ans, needs, x, y):
    first = np.greater_equal(x, y)
    return g * first, g * ~first


@primitive(promote="common")
def minimum(x, y):
    return np.minimum(x, y)


@minimum.defvjp
def _(g, ans, needs, x, y):
    first = np.less_equal(x, y)
    return g * first, g * ~first


@primitive(promote="common")
def mod(x, y):
    return np.mod(x, y)


@mod.defvjp
def _(g, ans, needs, x, y):
    return g, (-g * np.floor_divide(x, y) if needs[1] else None)


@primitive(promote="common")
def floor_divide(x, y):
    """Integer-valued division; piecewise constant, so it has no gradient."""
    return np.floor_divide(x, y)


# --- unary ---------------------------------------------------------------------------
@primitive
def negative(x):
    return np.negative(x)


@negative.defvjp
def _(g, ans, needs, x):
    return (-g,)


@primitive
def square(x):
    return np.square(x)


@square.defvjp
def _(g, ans, needs, x):
    return (2 * g * x,)


@primitive(promote="float")
def sqrt(x):
    return np.sqrt(x)


@sqrt.defvjp
def _(g, ans, needs, x):
    return (g / (2 * ans),)


@primitive(promote="float")
def exp(x):
    return np.exp(x)


@exp.defvjp
def _(g, ans, needs, x):
    return (g * ans,)


@primitive(promote="float")
def expm1(x):
    return np.expm1(x)


@expm1.defvjp
def _(g, ans, needs, x):
    return (g * (ans + 1),)


@primitive(promote="float")
def log(x):
    return np.log(x)


@log.defvjp
def _(g, ans, needs, x):
    return (g / x,)


@primitive(promote="float")
def log1p(x):
    return np.log1p(x)


@log1p.defvjp
def _(g, ans, needs, x):
    return (g / (1 + x),)


@primitive
def abs(x):  # noqa: A001 - the Keras name
    return np.abs(x)


@abs.defvjp
def _(g, ans, needs, x):
    return (g * np.sign(x),)


absolute = abs


@primitive
def sign(x):
    """-1, 0 or 1. Its derivative is 0 wherever it exists, so its VJP returns zeros."""
    return np.sign(x)


@sign.defvjp
def _(g, ans, needs, x):
    return (np.zeros_like(g),)


@primitive(promote="float")
def heaviside(x1, x2=1.0):
    """Step function: 0 for x1 < 0, 1 for x1 > 0, ``x2`` at 0. Derivative 0 almost everywhere."""
    return np.heaviside(x1, x2)


@heaviside.defvjp
def _(g, ans, needs, x1, x2=1.0):
    return np.zeros_like(g), None


@primitive
def clip(x, x_min, x_max):
    return np.clip(x, x_min, x_max)


@clip.defvjp
def _(g, ans, needs, x, x_min, x_max):
    inside = np.logical_and(np.greater_equal(x, x_min), np.less_equal(x, x_max))
    return g * inside, None, None


@primitive(promote="float")
def sin(x):
    return np.sin(x)


@sin.defvjp
def _(g, ans, needs, x):
    return (g * np.cos(x),)


@primitive(promote="float")
def cos(x):
    return np.cos(x)


@cos.defvjp
def _(g, ans, needs, x):
    return (-g * np.sin(x),)


@primitive(promote="float")
def reciprocal(x):
    return np.reciprocal(x)


@reciprocal.defvjp
def _(g, ans, needs, x):
    return (-g * ans * ans,)


# erf: NumPy has none. float64 (used by gradient checks) gets the exact libm value;
# float32/16 get a Chebyshev-fitted erfc whose relative error (< 1.2e-7) is below float32's
# resolution, at the cost of one exp instead of a Python call per element.
_exact_erf = np.frompyfunc(_math.erf, 1, 1)
_ERFC_COEFFS = (-1.26551223, 1.00002368, 0.37409196, 0.09678418, -0.18628806,
                0.27886807, -1.13520398, 1.48851587, -0.82215223, 0.17087277)


def erf_array(x):
    """erf on a NumPy array, at the precision of its dtype."""
    x = np.asarray(x)
    if x.dtype == np.float64:
        return np.asarray(_exact_erf(x), dtype=np.float64)  # frompyfunc gives a float for 0-d
    dtype = x.dtype if x.dtype.kind == "f" else np.dtype(np.float32)
    z = np.abs(x).astype(np.float64)
    t = 1.0 / (1.0 + 0.5 * z)
    poly = _ERFC_COEFFS[-1]
    for c in _ERFC_COEFFS[-2::-1]:
        poly = poly * t + c
    erfc = t * np.exp(-z * z + poly)
    return (np.sign(x) * (1.0 - erfc)).astype(dtype)


@primitive(promote="float")
def erf(x):
    return erf_array(x)


@erf.defvjp
def _(g, ans, needs, x):
    return (g * (2.0 / _math.sqrt(_math.pi)) * np.exp(-np.square(x)),)


# --- piecewise-constant and logical ops: no gradient ---------------------------------
@primitive
def floor(x):
    return np.floor(x)


@primitive
def ceil(x):
    return np.ceil(x)


@primitive
def round(x, decimals=0):  # noqa: A001 - the Keras name
    return np.round(x, decimals)


@primitive
def equal(x, y):
    return np.equal(x, y)


@primitive
def not_equal(x, y):
    return np.not_equal(x, y)


@primitive
def less(x, y):
    return np.less(x, y)


@primitive
def less_equal(x, y):
    return np.less_equal(x, y)


@primitive
def greater(x, y):
    return np.greater(x, y)


@primitive
def greater_equal(x, y):
    return np.greater_equal(x, y)


@primitive
def logical_and(x, y):
    return np.logical_and(x, y)


@primitive
def logical_or(x, y):
    return np.logical_or(x, y)


@primitive
def logical_not(x):
    return np.logical_not(x)


@primitive
def isnan(x):
    return np.isnan(x)


@primitive
def isfinite(x):
    return np.isfinite(x)


@primitive(promote="common", operands=slice(1, 3), name="where")
def _where(condition, x1, x2):
    return np.where(condition, x1, x2)


def where(condition, x1=None, x2=None):
    """``x1`` where ``condition`` holds, else ``x2`` (broadcast together). With only the
    condition, the int32 indices of its true elements, one tensor per axis."""
    if x1 is None and x2 is None:
        from gradiente.ops.sorting import nonzero

        return nonzero(condition)
    if x1 is None or x2 is None:
        raise ValueError("where: `x1` and `x2` must both be given, or both be None (to get the "
                         "indices where `condition` is true).")
    return _where(condition, x1, x2)


@_where.defvjp
def _(g, ans, needs, condition, x1, x2):
    condition = np.asarray(condition, dtype=bool)
    return (None,
            np.where(condition, g, 0) if needs[1] else None,
            np.where(condition, 0, g) if needs[2] else None)
