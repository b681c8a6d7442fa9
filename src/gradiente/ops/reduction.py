"""Reductions: sum, mean, max, min, logsumexp, cumsum, cumprod (differentiable);
argmax/argmin/argsort, all/any (not).

Result dtypes are Keras's: sums and products of bool/int8/int16 accumulate in int32 (uint8
and uint16 in uint32) and other integers keep their dtype, where NumPy widens to int64;
means and variances of integers are float32; indices are int32.

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


_SMALL_INTS = {"bool": "int32", "int8": "int32", "int16": "int32", "uint8": "uint32", "uint16": "uint32"}


def accumulator_dtype(dtype):
    """Keras's dtype for a sum or product of ``dtype`` values."""
    dtype = np.dtype(dtype)
    return np.dtype(_SMALL_INTS.get(dtype.name, dtype))


def _float_of(x):
    """Keras's dtype for a mean of ``x``: its own if float, else floatx."""
    from gradiente.dtypes import result_type

    x = np.asarray(x)
    return x.dtype if x.dtype.kind == "f" else np.dtype(result_type(x.dtype, "float32"))


@primitive(name="sum")
def sum(x, axis=None, keepdims=False):  # noqa: A001 - the Keras name
    dtype = None if np.asarray(x).dtype.kind in "fc" else accumulator_dtype(np.asarray(x).dtype)
    return np.sum(x, axis=_tuple(axis), keepdims=keepdims, dtype=dtype)


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
    return np.mean(x, axis=_tuple(axis), keepdims=keepdims).astype(_float_of(x), copy=False)


@mean.defvjp
def _(g, ans, needs, x, axis=None, keepdims=False):
    if axis is None:  # a loss's mean over the batch: one fill, no broadcasting machinery
        return (np.full(x.shape, g / x.size, dtype=x.dtype),)
    return (np.broadcast_to(_expand(g, x, axis, keepdims) / _count(x, axis), x.shape),)


def _extremum_vjp(g, ans, needs, x, axis=None, keepdims=False, initial=None):
    # Ties share the gradient equally, so the result is a valid subgradient. Where
    # ``initial`` won, no element is hit and none gets a gradient.
    hit = x == _expand(ans, x, axis, keepdims)
    ties = np.maximum(np.sum(hit, axis=_tuple(axis), keepdims=True, dtype=g.dtype), 1)
    return (hit * (_expand(g, x, axis, keepdims) / ties),)


@primitive(name="max")
def max(x, axis=None, keepdims=False, initial=None):  # noqa: A001 - the Keras name
    """Largest element over ``axis``; ``initial`` also takes part (and makes an empty
    input valid)."""
    if initial is None:
        return np.max(x, axis=_tuple(axis), keepdims=keepdims)
    return np.max(x, axis=_tuple(axis), keepdims=keepdims, initial=initial)


@primitive(name="min")
def min(x, axis=None, keepdims=False, initial=None):  # noqa: A001 - the Keras name
    """Smallest element over ``axis``; ``initial`` also takes part."""
    if initial is None:
        return np.min(x, axis=_tuple(axis), keepdims=keepdims)
    return np.min(x, axis=_tuple(axis), keepdims=keepdims, initial=initial)


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


def _cumulative_dtype(x, dtype):
    from gradiente.dtypes import result_type

    dtype = np.dtype(result_type(dtype if dtype is not None else np.asarray(x).dtype))
    return np.dtype("int32") if dtype == bool else dtype


@primitive
def cumsum(x, axis=None, dtype=None):
    """Running sum over ``axis`` (over the flattened input when None), in ``dtype``."""
    return np.cumsum(x, axis=axis, dtype=_cumulative_dtype(x, dtype))


@cumsum.defvjp
def _(g, ans, needs, x, axis=None, dtype=None):
    if axis is None:
        return (np.flip(np.cumsum(np.flip(g.ravel()))).reshape(np.shape(x)),)
    return (np.flip(np.cumsum(np.flip(g, axis), axis=axis), axis),)


@primitive
def cumprod(x, axis=None, dtype=None):
    """Running product over ``axis`` (over the flattened input when None), in ``dtype``."""
    return np.cumprod(x, axis=axis, dtype=_cumulative_dtype(x, dtype))


@cumprod.defvjp
def _(g, ans, needs, x, axis=None, dtype=None):
    # d out_j / d x_i = prod_{k<=j, k!=i} x_k: the product of everything up to j with x_i
    # left out, built from exclusive prefix products and ratios of the suffix without
    # dividing by x (zeros allowed). O(n^2) along the axis, fine for the lengths cumprod sees.
    flat = axis is None
    xs = np.ravel(x) if flat else np.moveaxis(x, axis, -1)
    gs = np.ravel(g) if flat else np.moveaxis(g, axis, -1)
    n = xs.shape[-1]
    grad = np.zeros_like(xs)
    for i in range(n):
        left = np.prod(xs[..., :i], axis=-1, keepdims=True)
        right = np.cumprod(xs[..., i + 1:], axis=-1)
        partial = np.concatenate([left, left * right], axis=-1)
        grad[..., i] = np.sum(gs[..., i:] * partial, axis=-1)
    return (grad.reshape(np.shape(x)) if flat else np.moveaxis(grad, -1, axis),)


@primitive
def prod(x, axis=None, keepdims=False, dtype=None):
    if dtype is None and np.asarray(x).dtype.kind not in "fc":
        dtype = accumulator_dtype(np.asarray(x).dtype)
    return np.prod(x, axis=_tuple(axis), keepdims=keepdims, dtype=dtype)


@prod.defvjp
def _(g, ans, needs, x, axis=None, keepdims=False, dtype=None):
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
    return np.argmax(x, axis=axis, keepdims=keepdims).astype(np.int32)


@primitive
def argmin(x, axis=None, keepdims=False):
    return np.argmin(x, axis=axis, keepdims=keepdims).astype(np.int32)


@primitive
def argsort(x, axis=-1):
    return np.argsort(x, axis=axis, kind="stable").astype(np.int32)


@primitive(name="all")
def all(x, axis=None, keepdims=False):  # noqa: A001 - the Keras name
    return np.all(x, axis=_tuple(axis), keepdims=keepdims)


@primitive(name="any")
def any(x, axis=None, keepdims=False):  # noqa: A001 - the Keras name
    return np.any(x, axis=_tuple(axis), keepdims=keepdims)


def _tuple(axis):
    return tuple(axis) if isinstance(axis, list) else axis


# Composites: no gradient code of their own.
def var(x, axis=None, keepdims=False):
    """Population variance (divides by N, as Keras does); integers give float32."""
    from gradiente.ops.arithmetic import square, subtract
    from gradiente.ops.shape import cast

    if np.asarray(getattr(x, "data", x)).dtype.kind not in "fc":
        x = cast(x, _float_of(getattr(x, "data", x)))
    centred = subtract(x, mean(x, axis=axis, keepdims=True))
    return mean(square(centred), axis=axis, keepdims=keepdims)


def std(x, axis=None, keepdims=False):
    from gradiente.ops.arithmetic import sqrt

    return sqrt(var(x, axis=axis, keepdims=keepdims))
