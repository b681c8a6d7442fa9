"""Primitives with several results (eigh's values and vectors, qr's q and r, svd's u, s
and v) return them packed in one array, flattened per batch entry and joined on the last
axis; ``unpack`` then hands them out through differentiable slices and reshapes. The tape
and the replayed training step keep their one-output-per-record form, and a VJP receives
each result's gradient from ``split`` (zeros for a result nobody used)."""
import math

import numpy as np

from gradiente.ops.shape import getitem, reshape


def pack(arrays, batch):
    """Arrays of shapes (*batch, ...) -> one array (*batch, total size)."""
    return np.concatenate([np.reshape(a, tuple(batch) + (-1,)) for a in arrays], axis=-1)


def _bounds(shapes):
    start = 0
    for shape in shapes:
        size = math.prod(shape)
        yield start, start + size, shape
        start += size


def split(packed, shapes):
    """The arrays ``pack`` joined, given each one's shape without the batch axes."""
    batch = packed.shape[:-1]
    return [packed[..., lo:hi].reshape(batch + tuple(shape)) for lo, hi, shape in _bounds(shapes)]


def unpack(packed, shapes):
    """``split`` on a Tensor, through recorded ops so gradients reach the packed result."""
    batch = tuple(packed.shape[:-1])
    return tuple(reshape(getitem(packed, (Ellipsis, slice(lo, hi))), batch + tuple(shape))
                 for lo, hi, shape in _bounds(shapes))
