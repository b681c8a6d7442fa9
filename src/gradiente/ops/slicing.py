"""Keras 3's ``slice``, ``slice_update``, ``scatter`` and ``scatter_update``: dynamic
slices and scattered writes that return new tensors (the inputs are never changed).

Gradients: a slice sends its gradient back into the sliced region; an update's gradient
is the output gradient read at the region (or indices) it wrote, and the overwritten part
of ``inputs`` gets none. scatter_update with reduction 'max', 'min' or 'mul' has no
gradient (its VJP refuses, naming the reduction).
"""
import builtins

import numpy as np

from gradiente.autodiff.tensor import Tensor, to_array
from gradiente.ops.primitive import primitive
from gradiente.ops.shape import getitem

_py_slice = builtins.slice
_REDUCTIONS = {"add": np.add, "max": np.maximum, "min": np.minimum, "mul": np.multiply}


def _tensor(x):
    return x if isinstance(x, Tensor) else Tensor(to_array(x))


def _ints(values):
    arr = np.asarray(values.data if isinstance(values, Tensor) else values)
    return tuple(int(v) for v in arr.reshape(-1))


def slice(inputs, start_indices, shape):  # noqa: A001 - the Keras name
    """``inputs[start:start + size]`` on every axis; a size of -1 takes the rest of the axis."""
    ndim = len(inputs.shape) if hasattr(inputs, "shape") else np.ndim(inputs)
    starts, sizes = _ints(start_indices), _ints(shape)
    if len(sizes) != ndim:
        raise ValueError(
            f"slice: the number of dimensions in `inputs` must match the number of dimensions in `shape`. "
            f"Received: inputs of rank {ndim}, shape={sizes}"
        )
    if len(starts) != ndim:
        raise ValueError(
            f"slice: the number of dimensions in `start_indices` must match the number of dimensions in "
            f"`inputs`. Received: start_indices={starts}, inputs of rank {ndim}"
        )
    key = tuple(_py_slice(s, None if n == -1 else s + n) for s, n in zip(starts, sizes))
    return getitem(_tensor(inputs), key)


def _region(starts, shape):
    return tuple(_py_slice(s, s + n) for s, n in zip(starts, shape))


# The result keeps ``inputs``' dtype, as an in-place write does in Keras's backends.
@primitive(name="slice_update")
def _slice_update(inputs, updates, starts=()):
    out = np.array(inputs, copy=True)
    out[_region(starts, updates.shape)] = updates.astype(out.dtype, copy=False)
    return out


@_slice_update.defvjp
def _(g, ans, needs, inputs, updates, starts=()):
    region = _region(starts, updates.shape)
    g_inputs = None
    if needs[0]:
        g_inputs = np.array(g, copy=True)
        g_inputs[region] = 0
    return g_inputs, g[region]


def slice_update(inputs, start_indices, updates):
    """A copy of ``inputs`` with the block of ``updates``' shape at ``start_indices``
    replaced by ``updates``."""
    starts = _ints(start_indices)
    in_shape, up_shape = np.shape(getattr(inputs, "data", inputs)), np.shape(getattr(updates, "data", updates))
    if len(starts) != len(in_shape) or len(up_shape) != len(in_shape):
        raise ValueError(
            f"slice_update: `start_indices` ({len(starts)} entries) and `updates` (shape {up_shape}) must "
            f"have one entry per axis of `inputs` (shape {in_shape})."
        )
    if any(s < 0 or s + n > d for s, n, d in zip(starts, up_shape, in_shape)):
        raise ValueError(
            f"slice_update: updates of shape {up_shape} at start_indices={starts} do not fit in inputs of shape {in_shape}."
        )
    return _slice_update(_tensor(inputs), _tensor(updates), starts=starts)


def _index_tuple(indices):
    idx = np.asarray(indices.data if isinstance(indices, Tensor) else indices)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"scatter: `indices` must be integers, received dtype {idx.dtype.name}.")
    idx = idx.reshape(-1, idx.shape[-1])
    return tuple(idx.T)


@primitive(name="scatter")
def _scatter(values, index=(), shape=()):
    depth = len(index)
    out = np.zeros(shape, dtype=values.dtype)
    np.add.at(out, index, values.reshape((-1,) + tuple(shape[depth:])))
    return out


@_scatter.defvjp
def _(g, ans, needs, values, index=(), shape=()):
    return (g[index].reshape(values.shape),)


def scatter(indices, values, shape):
    """A zeros tensor of ``shape`` with ``values`` added at ``indices`` (N, k): each index
    picks an element (k = rank) or a slice (k < rank); repeated indices add up."""
    index = _index_tuple(indices)
    return _scatter(_tensor(values), index=index, shape=tuple(int(d) for d in _ints(shape)))


@primitive(name="scatter_update")
def _scatter_update(inputs, updates, index=(), reduction=None):
    out = np.array(inputs, copy=True)
    updates = updates.reshape((-1,) + inputs.shape[len(index):]).astype(out.dtype, copy=False)
    if reduction is None:
        out[index] = updates
    else:
        _REDUCTIONS[reduction].at(out, index, updates)
    return out


@_scatter_update.defvjp
def _(g, ans, needs, inputs, updates, index=(), reduction=None):
    if reduction not in (None, "add"):
        raise NotImplementedError(
            f"scatter_update: no gradient for reduction={reduction!r}; only None and 'add' are differentiable."
        )
    depth = len(index)
    g_updates = g[index]
    if reduction is None:
        # The last write to a position wins: earlier duplicates get no gradient.
        flat = np.ravel_multi_index(index, inputs.shape[:depth])
        last = np.zeros(flat.shape, bool)
        _, first_from_end = np.unique(flat[::-1], return_index=True)
        last[flat.size - 1 - first_from_end] = True
        g_updates = g_updates * last.reshape((-1,) + (1,) * (g_updates.ndim - 1))
    g_inputs = None
    if needs[0]:
        g_inputs = np.array(g, copy=True)
        if reduction is None:
            g_inputs[index] = 0
    return g_inputs, g_updates.reshape(updates.shape)


def scatter_update(inputs, indices, updates, reduction=None):
    """A copy of ``inputs`` where ``indices`` (N, k) are written with ``updates``
    (N, *inputs.shape[k:]); ``reduction`` 'add', 'max', 'min' or 'mul' combines with the
    existing values (and between repeated indices) instead of the last write winning."""
    if reduction is not None:
        reduction = str(reduction).lower()
        if reduction not in _REDUCTIONS:
            raise ValueError(
                f"Invalid reduction: {reduction}. Supported values are: None, 'add', 'max', 'min', 'mul'."
            )
    return _scatter_update(_tensor(inputs), _tensor(updates), index=_index_tuple(indices), reduction=reduction)
