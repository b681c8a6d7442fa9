"""Reductions: sum, mean, max, min, logsumexp (differentiable); argmax/argmin (not).

Each VJP puts the reduced axes back (``_expand``) and lets NumPy broadcasting spread the
gradient over them. An out-of-range axis raises NumPy's AxisError (a ValueError), which
the primitive wrapper prefixes with the op's name and the input's shape.
"""
import numpy as np

from gradiente.ops.primitive import primitive


def _axes(axis, ndim):
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, (list, tuple)):
        return tuple(sorted(a % ndim for a in axis))
    return (axis % ndim,)


def _expand(g, x, axis, keepdims):
    """Reshape a reduced gradient so it broadcasts against ``x``."""
    if keepdims or x.ndim == 0:
        return g
    shape = list(x.shape)
    for a in _axes(axis, x.ndim):
        shape[a] = 1
    return np.reshape(g, shape)


def column_sums(a):
    """Array helper, not an op: the sum of (..., F) over all but the last axis, as one
    matrix-vector product (bias gradients). NumPy's reduction down a tall (M, F) array is
    several times slower, and still slower for a batch of 32 rows."""
    a2 = a.reshape(-1, a.shape[-1])
    return np.ones(a2.shape[0], a2.dtype) @ a2


def _count(x, axis):
    if axis is None or x.ndim == 0:
        return x.size
    count = 1
    for a in _axes(axis, x.ndim):
        count *= x.shape[a]
    return count


@primitive(name="sum")
def sum(x, axis=None, keepdims=False):  # noqa: A001 - the Keras name
    return np.sum(x, axis=_tuple(axis), keepdims=keepdims)


@sum.defvjp
def _(g, ans, needs, x, axis=None, keepdims=False):
    return (np.broadcast_to(_expand(g, x, axis, keepdims), x.shape),)


@primitive
def mean(x, axis=None, keepdims=False):
    x = np.asarray(x)
    if x.dtype.kind == "f" and x.dtype.itemsize >= 4 and x.size:
        # np.mean's Python wrapper costs more than a loss's whole mean; for float32/64 the
        # ufunc's own reduce (same pairwise summation) divided by the count is the same.
        return np.add.reduce(x, axis=_tuple(axis), keepdims=keepdims) / _count(x, axis)
    return np.mean(x, axis=_tuple(axis), keepdims=keepdims)


@mean.defvjp
def _(g, ans, needs, x, axis=None, keepdims=False):
    if axis is None:  # a loss's mean over the batch: one fill, no broadcasting machinery
        return (np.full(x.shape, g / x.size, dtype=x.dtype),)
    return (np.broadcast_to(_expand(g, x, axis, keepdims) / _count(x, axis), x.shape),)


def _extremum_vjp(g, ans, needs, x, axis=None, keepdims=False):
    # Ties share the gradient equally, so the result is a valid subgradient.
    hit = x == _expand(ans, x, axis, keepdims)
    ties = np.sum(hit, axis=_tuple(axis), keepdims=True, dtype=g.dtype)
    return (hit * (_expand(g, x, axis, keepdims) / ties),)


@primitive(name="max")
def max(x, axis=None, keepdims=False):  # noqa: A001 - the Keras name
    return np.max(x, axis=_tuple(axis), keepdims=keepdims)


@primitive(name="min")
def min(x, axis=None, keepdims=False):  # noqa: A001 - the Keras name
    return np.min(x, axis=_tuple(axis), keepdims=keepdims)


max.defvjp(_extremum_vjp)
min.defvjp(_extremum_vjp)
amax = max
amin = min


@primitive
def logsumexp(x, axis=None, keepdims=False):
    """log(sum(exp(x))) computed after subtracting the maximum, so it never overflows."""
    peak = np.max(x, axis=_tuple(axis), keepdims=True)
    peak = np.where(np.isfinite(peak), peak, 0)
    out = np.log(np.sum(np.exp(x - peak), axis=_tuple(axis), keepdims=True)) + peak
    return out if keepdims else np.squeeze(out, axis=_axes(axis, np.ndim(x)))


@logsumexp.defvjp
def _(g, ans, needs, x, axis=None, keepdims=False):
    return (_expand(g, x, axis, keepdims) * np.exp(x - _expand(ans, x, axis, keepdims)),)


@primitive
def cumsum(x, axis=None):
    return np.cumsum(x, axis=axis)


@cumsum.defvjp
def _(g, ans, needs, x, axis=None):
    if axis is None:
        return (np.flip(np.cumsum(np.flip(g.ravel()))).reshape(np.shape(x)),)
    return (np.flip(np.cumsum(np.flip(g, axis), axis=axis), axis),)


@primitive
def prod(x, axis=None, keepdims=False):
    return np.prod(x, axis=_tuple(axis), keepdims=keepdims)


@prod.defvjp
def _(g, ans, needs, x, axis=None, keepdims=False):
    # Product of all the *other* elements, computed without dividing (zeros are allowed).
    axes = _axes(axis, x.ndim)
    moved = np.moveaxis(x, axes, range(len(axes)))
    flat = moved.reshape((-1,) + moved.shape[len(axes):])
    before = np.concatenate([np.ones_like(flat[:1]), np.cumprod(flat[:-1], axis=0)])
    after = np.flip(np.concatenate([np.ones_like(flat[:1]), np.cumprod(np.flip(flat, 0)[:-1], axis=0)]), 0)
    others = np.moveaxis((before * after).reshape(moved.shape), range(len(axes)), axes)
    return (others * _expand(g, x, axis, keepdims),)


@primitive
def argmax(x, axis=None, keepdims=False):
    return np.argmax(x, axis=axis, keepdims=keepdims)


@primitive
def argmin(x, axis=None, keepdims=False):
    return np.argmin(x, axis=axis, keepdims=keepdims)


@primitive
def argsort(x, axis=-1):
    return np.argsort(x, axis=axis, kind="stable")


def _tuple(axis):
    return tuple(axis) if isinstance(axis, list) else axis


# Composites: no gradient code of their own.
def var(x, axis=None, keepdims=False):
    """Population variance (divides by N, as Keras does)."""
    from gradiente.ops.math import square, subtract

    centred = subtract(x, mean(x, axis=axis, keepdims=True))
    return mean(square(centred), axis=axis, keepdims=keepdims)


def std(x, axis=None, keepdims=False):
    from gradiente.ops.math import sqrt

    return sqrt(var(x, axis=axis, keepdims=keepdims))
