"""Sorting and searching: sort (differentiable), argpartition, searchsorted, digitize,
nonzero, count_nonzero, unique. Indices come back as int32, as Keras gives them."""
import numpy as np

from gradiente.autodiff.tensor import Tensor, to_array
from gradiente.ops.primitive import primitive


@primitive
def sort(x, axis=-1):
    """``x`` sorted ascending along ``axis`` (the flattened array when None)."""
    return np.sort(x, axis=axis)


@sort.defvjp
def _(g, ans, needs, x, axis=-1):
    # Each output position came from one input position: send its gradient back there.
    if axis is None:
        order = np.argsort(x, axis=None, kind="stable")
        out = np.zeros(x.size, dtype=g.dtype)
        out[order] = g
        return (out.reshape(x.shape),)
    order = np.argsort(x, axis=axis, kind="stable")
    out = np.zeros_like(g)
    np.put_along_axis(out, order, g, axis=axis)
    return (out,)


@primitive
def argpartition(x, kth, axis=-1):
    """Indices that partition ``x`` around its ``kth`` element along ``axis``."""
    return np.argpartition(x, kth, axis=axis).astype(np.int32)


@primitive
def searchsorted(sorted_sequence, values, side="left"):
    """Where ``values`` would go in the 1-D ``sorted_sequence`` to keep it sorted."""
    if np.ndim(sorted_sequence) != 1:
        raise ValueError(
            "searchsorted only supports a 1-D sorted sequence, received shape "
            f"{np.shape(sorted_sequence)}."
        )
    if side not in ("left", "right"):
        raise ValueError(f"searchsorted: `side` must be 'left' or 'right', received {side!r}.")
    return np.searchsorted(sorted_sequence, values, side=side).astype(np.int32)


@primitive
def digitize(x, bins):
    """Index of the bin each element of ``x`` falls in (``bins`` monotonic, 1-D)."""
    return np.digitize(x, bins).astype(np.int32)


def nonzero(x):
    """A tuple of int32 index tensors, one per axis, of the non-zero elements."""
    return tuple(Tensor(i.astype(np.int32)) for i in np.nonzero(to_array(x)))


@primitive
def count_nonzero(x, axis=None):
    """Number of non-zero elements over ``axis`` (int32)."""
    axis = tuple(axis) if isinstance(axis, list) else axis
    return np.asarray(np.count_nonzero(x, axis=axis), dtype=np.int32)


def unique(x, sorted=True, return_index=False, return_inverse=False, return_counts=False,  # noqa: A002
           axis=None, size=None, fill_value=None):
    """The sorted unique elements of ``x``; optionally the first indices, the inverse map
    and the counts. ``size`` pads (with ``fill_value``, default
    0) or truncates the uniques to a fixed length, as Keras does for compiled code."""
    arr = to_array(x)
    results = np.unique(arr, return_index=return_index, return_inverse=return_inverse,
                        return_counts=return_counts, axis=axis)
    results = list(results) if isinstance(results, tuple) else [results]
    if size is not None:
        values = results[0]
        fill = 0 if fill_value is None else fill_value
        n = values.shape[0] if axis is None else values.shape[axis]
        pad_to = max(size - n, 0)
        results[0] = _fit(values, size, fill, pad_to, 0 if axis is None else axis)
        extras = 1
        if return_index:
            results[extras] = _fit(results[extras], size, 0, pad_to, 0)
            extras += 1
        if return_inverse:
            extras += 1
        if return_counts:
            results[extras] = _fit(results[extras], size, 0, pad_to, 0)
    for i in range(1, len(results)):
        results[i] = results[i].astype(np.int32)
    out = [Tensor(r) for r in results]
    return out[0] if len(out) == 1 else tuple(out)


def _fit(values, size, fill, pad_to, axis):
    if pad_to:
        widths = [(0, 0)] * values.ndim
        widths[axis] = (0, pad_to)
        return np.pad(values, widths, constant_values=fill)
    return np.take(values, np.arange(size), axis=axis)
