"""Reductions that skip NaN: nansum, nanmean, nanvar, nanstd, nanprod, nanmax, nanmin,
nancumsum, nancumprod (compositions, so differentiable; NaN positions get no gradient),
and nanargmax, nanargmin, nanmedian, nanquantile, nanpercentile (no gradient)."""
import warnings

import numpy as np

from gradiente.dtypes import result_type
from gradiente.ops import arithmetic as _m
from gradiente.ops import reduction as _r
from gradiente.ops.primitive import primitive
from gradiente.ops.statistics import as_float, float_dtype_of


def _arr(x):
    return getattr(x, "data", x)


def _has_nan(x):
    return np.asarray(_arr(x)).dtype.kind in "fc"


def _filled(x, value):
    if not _has_nan(x):
        return x
    return _m.where(_m.isnan(x), np.asarray(value, np.asarray(_arr(x)).dtype), x)


def nansum(x, axis=None, keepdims=False):
    return _r.sum(_filled(x, 0), axis=axis, keepdims=keepdims)


def nanprod(x, axis=None, keepdims=False):
    return _r.prod(_filled(x, 1), axis=axis, keepdims=keepdims)


def _count(x, axis, keepdims):
    present = np.logical_not(np.isnan(np.asarray(_arr(x))))  # x is float here
    return np.sum(present, axis=_r._tuple(axis), keepdims=keepdims).astype(float_dtype_of(x))


def nanmean(x, axis=None, keepdims=False):
    """Mean of the non-NaN elements (NaN where there are none)."""
    x = as_float(x)
    with np.errstate(invalid="ignore", divide="ignore"):
        return _m.divide(nansum(x, axis=axis, keepdims=keepdims), _count(x, axis, keepdims))


def nanvar(x, axis=None, keepdims=False):
    """Population variance of the non-NaN elements."""
    x = as_float(x)
    centred = _m.subtract(x, nanmean(x, axis=axis, keepdims=True))
    return nanmean(_m.square(centred), axis=axis, keepdims=keepdims)


def nanstd(x, axis=None, keepdims=False):
    return _m.sqrt(nanvar(x, axis=axis, keepdims=keepdims))


def _nan_extremum(reduce, fill, x, axis, keepdims):
    if not _has_nan(x):
        return reduce(x, axis=axis, keepdims=keepdims)
    out = reduce(_filled(x, fill), axis=axis, keepdims=keepdims)
    all_nan = np.all(np.isnan(_arr(x)), axis=_r._tuple(axis), keepdims=keepdims)
    return _m.where(all_nan, np.asarray(np.nan, np.asarray(_arr(x)).dtype), out) if np.any(all_nan) else out


def nanmax(x, axis=None, keepdims=False):
    """Largest non-NaN element (NaN where all are NaN)."""
    return _nan_extremum(_r.max, -np.inf, x, axis, keepdims)


def nanmin(x, axis=None, keepdims=False):
    """Smallest non-NaN element (NaN where all are NaN)."""
    return _nan_extremum(_r.min, np.inf, x, axis, keepdims)


def _cumulative_dtype(x, dtype):
    dtype = np.dtype(result_type(dtype if dtype is not None else np.asarray(_arr(x)).dtype))
    return np.dtype("int32") if dtype == bool else dtype


def nancumsum(x, axis=None, dtype=None):
    """Running sum, NaNs counted as 0."""
    return _r.cumsum(_filled(x, 0), axis=axis, dtype=_cumulative_dtype(x, dtype))


def nancumprod(x, axis=None, dtype=None):
    """Running product, NaNs counted as 1."""
    return _r.cumprod(_filled(x, 1), axis=axis, dtype=_cumulative_dtype(x, dtype))


def _nan_arg(x, axis, keepdims, largest):
    x = np.asarray(x)
    if x.dtype.kind not in "fc":
        pick = np.argmax if largest else np.argmin
        return pick(x, axis=axis, keepdims=keepdims).astype(np.int32)
    nan = np.isnan(x)
    pick = np.nanargmax if largest else np.nanargmin
    filled = np.where(nan, -np.inf if largest else np.inf, x)
    index = pick(filled, axis=axis, keepdims=keepdims).astype(np.int32)
    return np.where(np.all(nan, axis=axis, keepdims=keepdims), np.int32(-1), index)


@primitive
def nanargmax(x, axis=None, keepdims=False):
    """Index of the largest non-NaN element (int32); -1 where all are NaN."""
    return _nan_arg(x, axis, keepdims, True)


@primitive
def nanargmin(x, axis=None, keepdims=False):
    """Index of the smallest non-NaN element (int32); -1 where all are NaN."""
    return _nan_arg(x, axis, keepdims, False)


def _nan_order_stat(fn, x, *args, axis=None, keepdims=False, **kw):
    x = np.asarray(x)
    dtype = float_dtype_of(x)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN slices give NaN, quietly
        out = fn(x.astype(dtype), *args, axis=_r._tuple(axis), keepdims=keepdims, **kw)
    return np.asarray(out).astype(dtype)


@primitive
def nanmedian(x, axis=None, keepdims=False):
    """Median of the non-NaN elements (no gradient)."""
    return _nan_order_stat(np.nanmedian, x, axis=axis, keepdims=keepdims)


@primitive
def nanquantile(x, q, axis=None, method="linear", keepdims=False):
    """Quantiles of the non-NaN elements (no gradient)."""
    return _nan_order_stat(np.nanquantile, x, q, axis=axis, keepdims=keepdims, method=method)


@primitive
def nanpercentile(x, q, axis=None, method="linear", keepdims=False):
    """Percentiles of the non-NaN elements (no gradient)."""
    return _nan_order_stat(np.nanpercentile, x, q, axis=axis, keepdims=keepdims, method=method)
