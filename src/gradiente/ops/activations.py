"""Keras 3's newer activation primitives: the shrink and hard/sparse variants, celu, glu,
squareplus, threshold and sparsemax (``ops/neural.py`` keeps the classic ones).

Each keeps its input's float dtype: constants enter as Python numbers or arrays cast to
``x.dtype``, so a float32 activation never computes in float64. Where a piecewise function
has a kink, the derivative there is that of the flat piece, as relu'(0) = 0.
"""
import numpy as np

from gradiente.ops.neural import _sigmoid_array
from gradiente.ops.primitive import primitive


def _scalar(value, like):
    return np.asarray(value, dtype=like.dtype if like.dtype.kind == "f" else None)


@primitive
def celu(x, alpha=1.0):
    """max(x, 0) + alpha·(exp(min(x, 0) / alpha) − 1): elu with a slope of 1 at 0 for any alpha."""
    a = _scalar(alpha, x)
    return np.maximum(x, 0) + a * np.expm1(np.minimum(x, 0) / a)


@celu.defvjp
def _(g, ans, needs, x, alpha=1.0):
    # Below 0, d/dx = exp(x / alpha) = ans / alpha + 1.
    return (np.where(x > 0, g, g * (ans / _scalar(alpha, x) + 1)),)


def _halves(x, axis):
    if not -x.ndim <= axis < x.ndim:
        raise ValueError(f"axis {axis} is out of bounds for an input of rank {x.ndim} (shape {x.shape}).")
    if x.shape[axis] % 2:
        raise ValueError(f"axis size must be divisible by 2. Received: x.shape={x.shape} with axis={axis}")
    return np.split(x, 2, axis=axis)


@primitive
def glu(x, axis=-1):
    """a · sigmoid(b), where x splits into halves a and b along ``axis``. (..., 2n, ...) -> (..., n, ...)."""
    a, b = _halves(x, axis)
    return a * _sigmoid_array(b)


@glu.defvjp
def _(g, ans, needs, x, axis=-1):
    a, b = _halves(x, axis)
    s = _sigmoid_array(b)
    return (np.concatenate([g * s, g * a * s * (1 - s)], axis=axis),)


@primitive
def hard_shrink(x, threshold=0.5):
    """x where |x| > threshold, else 0."""
    return np.where(np.abs(x) > threshold, x, _scalar(0, x))


@hard_shrink.defvjp
def _(g, ans, needs, x, threshold=0.5):
    return (g * (np.abs(x) > threshold),)


@primitive
def soft_shrink(x, threshold=0.5):
    """x − threshold above threshold, x + threshold below −threshold, else 0."""
    t = _scalar(threshold, x)
    return np.where(x > t, x - t, np.where(x < -t, x + t, _scalar(0, x)))


@soft_shrink.defvjp
def _(g, ans, needs, x, threshold=0.5):
    return (g * (np.abs(x) > threshold),)


@primitive
def hard_tanh(x):
    """x clipped to [−1, 1]."""
    return np.clip(x, _scalar(-1, x), _scalar(1, x))


@hard_tanh.defvjp
def _(g, ans, needs, x):
    return (g * (np.abs(x) < 1),)


@primitive
def tanh_shrink(x):
    """x − tanh(x)."""
    return x - np.tanh(x)


@tanh_shrink.defvjp
def _(g, ans, needs, x):
    t = x - ans  # tanh(x), recovered from the output
    return (g * t * t,)


@primitive
def sparse_plus(x):
    """0 for x <= −1, (x + 1)² / 4 for −1 < x < 1, x for x >= 1: a softplus with a flat piece."""
    return np.where(x <= -1, _scalar(0, x), np.where(x < 1, (x + 1) ** 2 / 4, x))


@sparse_plus.defvjp
def _(g, ans, needs, x):
    return (g * np.clip((x + 1) / 2, 0, 1),)


@primitive
def sparse_sigmoid(x):
    """0 for x <= −1, (x + 1) / 2 for −1 < x < 1, 1 for x >= 1."""
    return np.clip((x + 1) / 2, _scalar(0, x), _scalar(1, x))


@sparse_sigmoid.defvjp
def _(g, ans, needs, x):
    return (g * (np.abs(x) < 1) * 0.5,)


@primitive
def squareplus(x, b=4):
    """(x + sqrt(x² + b)) / 2, a smooth relu; ``b`` >= 0 sets the curvature at 0."""
    return (x + np.sqrt(x * x + _scalar(b, x))) / 2


@squareplus.defvjp
def _(g, ans, needs, x, b=4):
    return (g * 0.5 * (1 + x / np.sqrt(x * x + _scalar(b, x))),)


@primitive(name="threshold")
def _threshold(x, threshold, default_value):
    return np.where(x > threshold, x, _scalar(default_value, x))


@_threshold.defvjp
def _(g, ans, needs, x, threshold, default_value):
    return (g * (x > threshold),)


def threshold(x, threshold, default_value):
    """x where x > threshold, else ``default_value`` (both required, as in Keras)."""
    return _threshold(x, threshold=threshold, default_value=default_value)


@primitive
def sparsemax(x, axis=-1):
    """The Euclidean projection of x onto the probability simplex along ``axis``:
    max(x − τ, 0) with τ chosen so each slice sums to 1 (Martins & Astudillo, 2016).
    Unlike softmax, small entries become exactly 0."""
    if not -x.ndim <= axis < x.ndim:
        raise ValueError(f"axis {axis} is out of bounds for an input of rank {x.ndim} (shape {x.shape}).")
    z = -np.sort(-x, axis=axis)
    cumsum = np.cumsum(z, axis=axis)
    shape = [1] * x.ndim
    shape[axis] = -1
    k = np.arange(1, x.shape[axis] + 1, dtype=x.dtype).reshape(shape)
    support = z * k > cumsum - 1  # the largest k entries with z_k > (sum of them − 1) / k
    size = np.sum(support, axis=axis, keepdims=True)
    # The support is a prefix of the sorted entries: τ uses the cumulative sum at its end.
    top = np.take_along_axis(cumsum, size - 1, axis=axis)
    tau = (top - 1) / size.astype(x.dtype)
    return np.maximum(x - tau, _scalar(0, x))


@sparsemax.defvjp
def _(g, ans, needs, x, axis=-1):
    # Jacobian diag(s) − s·sᵀ / |s| over the support s: centre g on it, zero elsewhere.
    s = (ans > 0).astype(g.dtype)
    mean = np.sum(g * s, axis=axis, keepdims=True) / np.sum(s, axis=axis, keepdims=True)
    return (s * (g - mean),)
