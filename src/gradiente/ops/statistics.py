"""Order statistics and summaries: quantile, percentile, median (differentiable through
sort), average, ptp, corrcoef (compositions), histogram and bincount.

Keras's dtypes: quantiles, medians and averages of integers or booleans are floatx.
"""
import numpy as np

from gradiente.autodiff.tensor import Tensor, to_array
from gradiente.dtypes import result_type
from gradiente.ops import arithmetic as _m
from gradiente.ops import reduction as _r
from gradiente.ops.shape import broadcast_to, cast, moveaxis, reshape, take, transpose
from gradiente.ops.primitive import primitive
from gradiente.ops.sorting import sort

_METHODS = ("linear", "lower", "higher", "midpoint", "nearest")


def _arr(x):
    return getattr(x, "data", x)


def float_dtype_of(x):
    """Keras's result dtype for a float statistic of ``x``: its float dtype, else floatx."""
    return np.dtype(result_type(np.asarray(_arr(x)).dtype, float))


def as_float(x):
    dtype = float_dtype_of(x)
    return cast(x, dtype) if np.asarray(_arr(x)).dtype != dtype else x


def _to_last_axis(x, axis):
    """``x`` with the reduced axes merged into its last one; also the kept-dims shape."""
    shape = np.shape(_arr(x))
    nd = len(shape)
    if axis is None:
        return reshape(x, (-1,)), (1,) * nd
    axes = sorted(a % nd for a in (axis if isinstance(axis, (list, tuple)) else (axis,)))
    rest = [a for a in range(nd) if a not in axes]
    moved = transpose(x, tuple(rest + axes)) if rest + axes != list(range(nd)) else x
    kept = tuple(1 if a in axes else shape[a] for a in range(nd))
    return reshape(moved, tuple(shape[a] for a in rest) + (-1,)), kept


def quantile(x, q, axis=None, method="linear", keepdims=False):
    """The ``q``-th quantiles (``q`` in [0, 1], scalar or 1-D) over ``axis``; a 1-D ``q``
    puts its axis first. ``method``: how to pick between the two nearest order statistics."""
    if method not in _METHODS:
        raise ValueError(f"quantile: `method` must be one of {_METHODS}, received {method!r}.")
    qs = np.asarray(_arr(q), dtype=np.float64)
    if qs.ndim > 1:
        raise ValueError(f"quantile: `q` must be a scalar or 1-D, received shape {qs.shape}.")
    if np.any((qs < 0) | (qs > 1)) or np.any(np.isnan(qs)):
        raise ValueError(f"quantile: `q` must be in the range [0, 1], received {qs.tolist()}.")
    x = as_float(x)
    flat, kept = _to_last_axis(x, axis)
    n = np.shape(_arr(flat))[-1]
    ordered = sort(flat, axis=-1)
    pos = qs * (n - 1)
    lo, hi = np.floor(pos).astype(np.intp), np.ceil(pos).astype(np.intp)
    frac = (pos - lo).astype(np.asarray(_arr(x)).dtype)
    if method == "lower":
        out = take(ordered, lo, axis=-1)
    elif method == "higher":
        out = take(ordered, hi, axis=-1)
    elif method == "nearest":
        out = take(ordered, np.around(pos).astype(np.intp), axis=-1)
    else:
        low, high = take(ordered, lo, axis=-1), take(ordered, hi, axis=-1)
        weight = np.full_like(frac, 0.5) if method == "midpoint" else frac
        out = _m.add(low, _m.multiply(_m.subtract(high, low), weight))
    if qs.ndim:
        out = moveaxis(out, -1, 0)
    if keepdims:
        out = reshape(out, qs.shape + kept)
    return out


def percentile(x, q, axis=None, method="linear", keepdims=False):
    """``quantile`` with ``q`` in percent (0 to 100)."""
    qs = np.asarray(_arr(q), dtype=np.float64)
    if np.any((qs < 0) | (qs > 100)):
        raise ValueError(f"percentile: `q` must be in the range [0, 100], received {qs.tolist()}.")
    return quantile(x, qs / 100, axis=axis, method=method, keepdims=keepdims)


def median(x, axis=None, keepdims=False):
    """The middle value over ``axis`` (mean of the two middle ones for an even count)."""
    return quantile(x, 0.5, axis=axis, keepdims=keepdims)


def average(x, axis=None, weights=None):
    """Weighted mean over ``axis``; ``weights`` has ``x``'s shape, or is 1-D along ``axis``."""
    if weights is None:
        return _r.mean(as_float(x), axis=axis)
    dtype = np.dtype(result_type(np.asarray(_arr(x)).dtype, np.asarray(_arr(weights)).dtype, float))
    x, w = cast(x, dtype), cast(weights, dtype)
    xs, ws = np.shape(_arr(x)), np.shape(_arr(w))
    if xs != ws:
        if axis is None or len(ws) != 1 or ws[0] != xs[axis]:
            raise ValueError(
                f"average: weights of shape {ws} must match x's shape {xs}, or be 1-D with "
                f"the length of axis {axis}."
            )
        shape = [1] * len(xs)
        shape[axis] = ws[0]
        w = reshape(w, tuple(shape))
    total = _r.sum(_m.multiply(x, w), axis=axis)
    return _m.divide(total, _r.sum(broadcast_to(w, xs), axis=axis))


def ptp(x, axis=None, keepdims=False):
    """Range (maximum - minimum) over ``axis``."""
    return _m.subtract(_r.max(x, axis=axis, keepdims=keepdims), _r.min(x, axis=axis, keepdims=keepdims))


def corrcoef(x):
    """Pearson correlation coefficients of the rows of ``x`` (variables by observations)."""
    from gradiente import ops  # linalg, looked up at call time

    x = as_float(x)
    if np.ndim(_arr(x)) == 1:
        x = reshape(x, (1, -1))
    centred = _m.subtract(x, _r.mean(x, axis=1, keepdims=True))
    cov = ops.matmul(centred, transpose(centred))
    from gradiente.ops.matrices import diagonal

    scale = _m.sqrt(diagonal(cov))
    corr = _m.divide(_m.divide(cov, reshape(scale, (-1, 1))), reshape(scale, (1, -1)))
    return _m.clip(corr, -1, 1)


def histogram(x, bins=10, range=None):  # noqa: A002 - the Keras name
    """Counts of ``x``'s values in ``bins`` equal-width bins over ``range`` (default: the
    data's min and max). Returns (counts as int32, the bins + 1 edges)."""
    arr = np.asarray(to_array(x))
    if arr.ndim != 1:
        raise ValueError(f"histogram expects a 1-D tensor, received shape {arr.shape}.")
    if isinstance(bins, bool) or not isinstance(bins, (int, np.integer)) or bins < 1:
        raise ValueError(f"histogram: `bins` must be a positive integer, received {bins!r}.")
    if range is not None and (len(range) != 2 or range[0] > range[1]):
        raise ValueError(f"histogram: `range` must be (min, max) with min <= max, received {range!r}.")
    counts, edges = np.histogram(arr, bins=int(bins), range=range)
    return Tensor(counts.astype(np.int32)), Tensor(edges.astype(float_dtype_of(arr)))


@primitive
def _bincount(x, weights=None, minlength=0):
    x = np.asarray(x)
    if x.dtype.kind not in "iu" or (x.size and x.min() < 0):
        raise ValueError("bincount: `x` must hold non-negative integers.")
    if x.ndim not in (1, 2):
        raise ValueError(f"bincount expects a 1-D or 2-D tensor, received shape {x.shape}.")
    dtype = np.dtype("int32") if weights is None else np.dtype(result_type(x.dtype, np.asarray(weights).dtype))
    length = max(int(minlength), int(x.max()) + 1 if x.size else 0)
    if x.ndim == 1:
        return np.bincount(x, weights=weights, minlength=length).astype(dtype)
    rows = [np.bincount(r, weights=None if weights is None else w, minlength=length)
            for r, w in zip(x, x if weights is None else weights)]
    return np.stack(rows).astype(dtype)


@_bincount.defvjp
def _(g, ans, needs, x, weights=None, minlength=0):
    return None, np.take_along_axis(g, np.asarray(x), axis=-1)


def bincount(x, weights=None, minlength=0, sparse=False):
    """Count of each non-negative integer in ``x`` (a row-wise count for 2-D ``x``), or
    the sum of ``weights`` per value; at least ``minlength`` bins."""
    if sparse:
        raise ValueError("bincount: sparse=True is not supported (gradiente has no sparse tensors).")
    if weights is None:
        return _bincount(x, minlength=minlength)
    return _bincount(x, weights, minlength=minlength)
