"""``keras.ops.segment_sum`` / ``segment_max`` (and ``segment_min`` / ``segment_prod``):
reductions of ``data`` (N, ...) over the rows sharing a segment id (N,), giving
(num_segments, ...). Rows with a negative id are left out; empty segments hold the
reduction's identity (0, -inf, +inf, 1), as Keras's NumPy backend gives.

Gradients: a sum sends each segment's gradient to its rows; a max or min to the rows that
reached it, shared equally among ties (as TensorFlow does); segment_prod has none.
"""
import numpy as np

from gradiente.autodiff.tensor import Tensor, to_array
from gradiente.ops.primitive import primitive

_IDENTITY = {"sum": 0, "max": -np.inf, "min": np.inf, "prod": 1}
_UFUNC = {"sum": np.add, "max": np.maximum, "min": np.minimum, "prod": np.multiply}


def _reduce(data, ids, num_segments, how):
    fill = _IDENTITY[how]
    if data.dtype.kind != "f" and how in ("max", "min"):
        info = np.iinfo(data.dtype) if data.dtype.kind in "iu" else None
        fill = info.min if how == "max" else info.max
    out = np.full((num_segments,) + data.shape[1:], fill, dtype=data.dtype)
    valid = ids >= 0
    _UFUNC[how].at(out, ids[valid], data[valid])
    return out


@primitive(name="segment_sum")
def _segment_sum(data, ids, num_segments=0):
    return _reduce(data, ids, num_segments, "sum")


@_segment_sum.defvjp
def _(g, ans, needs, data, ids, num_segments=0):
    grad = g[np.where(ids >= 0, ids, 0)]
    grad[ids < 0] = 0
    return grad, None


def _extreme_vjp(g, ans, data, ids):
    safe = np.where(ids >= 0, ids, 0)
    hit = (data == ans[safe]) & (ids >= 0).reshape((-1,) + (1,) * (data.ndim - 1))
    ties = np.zeros(ans.shape, g.dtype)
    np.add.at(ties, safe, hit.astype(g.dtype))
    return np.where(hit, g[safe] / np.maximum(ties[safe], 1), 0).astype(g.dtype), None


@primitive(name="segment_max")
def _segment_max(data, ids, num_segments=0):
    return _reduce(data, ids, num_segments, "max")


@_segment_max.defvjp
def _(g, ans, needs, data, ids, num_segments=0):
    return _extreme_vjp(g, ans, data, ids)


@primitive(name="segment_min")
def _segment_min(data, ids, num_segments=0):
    return _reduce(data, ids, num_segments, "min")


@_segment_min.defvjp
def _(g, ans, needs, data, ids, num_segments=0):
    return _extreme_vjp(g, ans, data, ids)


@primitive(name="segment_prod")
def _segment_prod(data, ids, num_segments=0):
    return _reduce(data, ids, num_segments, "prod")


def _call(op, data, segment_ids, num_segments, sorted):
    data = data if isinstance(data, Tensor) else Tensor(to_array(data))
    ids = np.asarray(getattr(segment_ids, "data", segment_ids))
    if ids.ndim != 1:
        raise ValueError(
            f"Argument `segment_ids` should be an 1-D vector, got shape: {ids.shape}. Consider either flatten "
            "input with segment_ids.reshape((-1)) and data.reshape((-1, ) + data.shape[len(segment_ids.shape):]) "
            "or vectorize with vmap."
        )
    if ids.shape[0] != data.shape[0]:
        raise ValueError(
            f"Argument `segment_ids` and `data` should have same leading dimension. Got {ids.shape} v.s. "
            f"{tuple(data.shape)}."
        )
    if ids.dtype.kind not in "iu":
        raise TypeError(f"segment ids must be integers, received dtype {ids.dtype.name}.")
    if num_segments is None:
        num_segments = int(ids.max()) + 1 if ids.size else 0
    return op(data, ids.astype(np.intp), num_segments=int(num_segments))


def segment_sum(data, segment_ids, num_segments=None, sorted=False):
    """Sums of the rows of ``data`` per segment id: (num_segments, *data.shape[1:])."""
    return _call(_segment_sum, data, segment_ids, num_segments, sorted)


def segment_max(data, segment_ids, num_segments=None, sorted=False):
    """Maxima of the rows of ``data`` per segment id (-inf for an empty segment)."""
    return _call(_segment_max, data, segment_ids, num_segments, sorted)


def segment_min(data, segment_ids, num_segments=None, sorted=False):
    """Minima of the rows of ``data`` per segment id (+inf for an empty segment)."""
    return _call(_segment_min, data, segment_ids, num_segments, sorted)


def segment_prod(data, segment_ids, num_segments=None, sorted=False):
    """Products of the rows of ``data`` per segment id (1 for an empty segment). No gradient."""
    return _call(_segment_prod, data, segment_ids, num_segments, sorted)
