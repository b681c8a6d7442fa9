"""Exponentials, logarithms, roots and the error-function family beyond ops.arithmetic's
exp/log/sqrt/erf. Forward beside VJP; integer and boolean inputs compute in floatx."""
import math as _math

import numpy as np

from gradiente.ops.arithmetic import erf_array
from gradiente.ops.primitive import primitive
from gradiente.ops.trigonometric import _unary

_LN2 = _math.log(2.0)
_LN10 = _math.log(10.0)
_TWO_OVER_SQRT_PI = 2.0 / _math.sqrt(_math.pi)

exp2 = _unary("exp2", np.exp2, lambda x, y: y * _LN2, "2 ** x, elementwise.")
log2 = _unary("log2", np.log2, lambda x, y: 1 / (x * _LN2), "Base-2 logarithm.")
log10 = _unary("log10", np.log10, lambda x, y: 1 / (x * _LN10), "Base-10 logarithm.")
cbrt = _unary("cbrt", np.cbrt, lambda x, y: 1 / (3 * y * y), "Cube root (real, also of negatives).")
rsqrt = _unary("rsqrt", lambda x: 1 / np.sqrt(x), lambda x, y: -0.5 * y * y * y, "1 / sqrt(x).")
erfc = _unary("erfc", lambda x: 1 - erf_array(x),
              lambda x, y: -_TWO_OVER_SQRT_PI * np.exp(-x * x), "Complementary error function, 1 - erf(x).")


def _erfinv_array(y):
    """Inverse of erf on (-1, 1): Giles's single-precision approximation ("Approximating
    the erfinv function", 2010), then Newton steps on erf in float64; +-inf at +-1."""
    y64 = np.asarray(y, dtype=np.float64)
    w = -np.log(np.clip((1.0 - y64) * (1.0 + y64), 1e-300, None))
    small = w < 5.0
    ws = np.where(small, w - 2.5, np.sqrt(np.maximum(w, 5.0)) - 3.0)
    central = (2.81022636e-08, 3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087,
               -0.00125372503, -0.00417768164, 0.246640727, 1.50140941)
    tail = (-0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773,
            -0.0076224613, 0.00943887047, 1.00167406, 2.83297682)
    p_small, p_tail = central[0], tail[0]
    for a, b in zip(central[1:], tail[1:]):
        p_small = p_small * ws + a
        p_tail = p_tail * ws + b
    x = np.where(small, p_small, p_tail) * y64
    inside = np.abs(y64) < 1
    for _ in range(2):
        step = (erf_array(x) - y64) / (_TWO_OVER_SQRT_PI * np.exp(-x * x))
        x = np.where(inside, x - step, x)
    x = np.where(np.abs(y64) == 1, np.copysign(np.inf, y64), x)
    return np.where(np.abs(y64) > 1, np.nan, x)


erfinv = _unary("erfinv", lambda y: _erfinv_array(y).astype(y.dtype),
                lambda y, x: (_math.sqrt(_math.pi) / 2) * np.exp(x * x),
                "Inverse error function: erfinv(erf(x)) = x on (-1, 1).")


@primitive(promote="float")
def logaddexp(x1, x2):
    """log(exp(x1) + exp(x2)), computed without overflow."""
    return np.logaddexp(x1, x2)


@logaddexp.defvjp
def _(g, ans, needs, x1, x2):
    return (g * np.exp(x1 - ans) if needs[0] else None), (g * np.exp(x2 - ans) if needs[1] else None)


@primitive(promote="float")
def logaddexp2(x1, x2):
    """log2(2**x1 + 2**x2), computed without overflow."""
    return np.logaddexp2(x1, x2)


@logaddexp2.defvjp
def _(g, ans, needs, x1, x2):
    return (g * np.exp2(x1 - ans) if needs[0] else None), (g * np.exp2(x2 - ans) if needs[1] else None)


@primitive(promote="float", operands=slice(0, 1))
def i0(x):
    """Modified Bessel function of the first kind, order 0 (no gradient: NumPy has no i1)."""
    return np.i0(x).astype(x.dtype, copy=False)


@primitive
def ldexp(x1, x2):
    """x1 * 2**x2 with an integer exponent ``x2``; differentiable in ``x1``."""
    x2 = np.asarray(x2)
    if x2.dtype.kind not in "iub":
        raise TypeError(f"ldexp: the exponent must be an integer tensor, received dtype {x2.dtype}.")
    x1 = np.asarray(x1)
    from gradiente.dtypes import result_type

    dtype = np.dtype(result_type(x1.dtype, x2.dtype, float))
    return np.ldexp(x1.astype(dtype, copy=False), x2)


@ldexp.defvjp
def _(g, ans, needs, x1, x2):
    return np.ldexp(g, x2), None
