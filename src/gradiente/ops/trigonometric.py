"""Trigonometric and hyperbolic primitives beyond sin/cos (which live in ops.arithmetic), and
the angle helpers. Forward beside VJP.

All compute in floating point: integer and boolean inputs go to floatx, as Keras does.
Derivatives are written with the forward's output where that is cheaper (tan' = 1 + tan²).
"""
import numpy as np

from gradiente.ops.primitive import primitive


def _unary(name, forward, derivative, doc):
    """Register an elementwise float primitive whose VJP is ``g * derivative(x, ans)``."""

    def fwd(x):
        return forward(x)

    fwd.__name__ = fwd.__qualname__ = name
    fwd.__doc__ = doc
    op = primitive(fwd, name=name, promote="float")

    @op.defvjp
    def _(g, ans, needs, x):
        return (g * derivative(x, ans),)

    return op


tan = _unary("tan", np.tan, lambda x, y: 1 + y * y, "Tangent, elementwise.")
arcsin = _unary("arcsin", np.arcsin, lambda x, y: 1 / np.sqrt(1 - x * x),
                "Inverse sine, in [-pi/2, pi/2]; NaN outside [-1, 1].")
arccos = _unary("arccos", np.arccos, lambda x, y: -1 / np.sqrt(1 - x * x),
                "Inverse cosine, in [0, pi]; NaN outside [-1, 1].")
arctan = _unary("arctan", np.arctan, lambda x, y: 1 / (1 + x * x), "Inverse tangent, in (-pi/2, pi/2).")
sinh = _unary("sinh", np.sinh, lambda x, y: np.cosh(x), "Hyperbolic sine.")
cosh = _unary("cosh", np.cosh, lambda x, y: np.sinh(x), "Hyperbolic cosine.")
arcsinh = _unary("arcsinh", np.arcsinh, lambda x, y: 1 / np.sqrt(x * x + 1), "Inverse hyperbolic sine.")
arccosh = _unary("arccosh", np.arccosh, lambda x, y: 1 / np.sqrt(x * x - 1),
                 "Inverse hyperbolic cosine; NaN below 1.")
arctanh = _unary("arctanh", np.arctanh, lambda x, y: 1 / (1 - x * x),
                 "Inverse hyperbolic tangent; infinite at +-1, NaN beyond.")
deg2rad = _unary("deg2rad", np.deg2rad, lambda x, y: np.full_like(x, np.pi / 180), "Degrees to radians.")
rad2deg = _unary("rad2deg", np.rad2deg, lambda x, y: np.full_like(x, 180 / np.pi), "Radians to degrees.")


def _sinc_derivative(x, y):
    # d/dx sin(pi x)/(pi x) = (cos(pi x) - sinc(x)) / x, and 0 at x = 0 (sinc is even).
    safe = np.where(x == 0, 1, x)
    return np.where(x == 0, 0, (np.cos(np.pi * x) - y) / safe)


sinc = _unary("sinc", np.sinc, _sinc_derivative, "Normalized sinc: sin(pi x) / (pi x), 1 at 0.")


@primitive(promote="float")
def arctan2(x1, x2):
    """Angle of the point (x2, x1) in (-pi, pi], elementwise with broadcasting."""
    return np.arctan2(x1, x2)


@arctan2.defvjp
def _(g, ans, needs, x1, x2):
    r2 = x1 * x1 + x2 * x2
    return (g * x2 / r2 if needs[0] else None), (-g * x1 / r2 if needs[1] else None)


@primitive(promote="float")
def hypot(x1, x2):
    """sqrt(x1² + x2²) without intermediate overflow."""
    return np.hypot(x1, x2)


@hypot.defvjp
def _(g, ans, needs, x1, x2):
    safe = np.where(ans == 0, 1, ans)  # at the origin the gradient is taken as 0
    return (g * x1 / safe if needs[0] else None), (g * x2 / safe if needs[1] else None)
