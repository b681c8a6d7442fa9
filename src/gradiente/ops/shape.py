"""Shape and indexing primitives. Their VJPs move the gradient back to where each
element came from; repeated reads of one element (take, repeat, tile, fancy indexing)
accumulate."""
import math

import numpy as np

from gradiente.autodiff.tensor import Tensor
from gradiente.ops.primitive import primitive


def _scatter_back(g, x_shape, mapping):
    """Gradient of ``out = x.flat[mapping]`` for any index map: sum g into x's positions."""
    flat = np.bincount(mapping.ravel(), weights=g.ravel().astype(np.float64), minlength=int(np.prod(x_shape)))
    return flat.reshape(x_shape).astype(g.dtype)


def _positions(shape):
    return np.arange(int(np.prod(shape)), dtype=np.intp).reshape(shape)


def _check_newshape(newshape):
    dims = (newshape,) if isinstance(newshape, (int, np.integer)) else tuple(newshape)
    for d in dims:
        if not isinstance(d, (int, np.integer)) or isinstance(d, bool) or d < -1:
            raise ValueError(
                f"reshape: each dimension of `newshape` must be a non-negative integer or -1 "
                f"(one dimension inferred), received newshape={dims}."
            )
    if dims.count(-1) > 1:
        raise ValueError(f"reshape: `newshape` can have at most one unknown dimension (-1), received newshape={dims}.")


@primitive
def reshape(x, newshape):
    _check_newshape(newshape)
    try:
        return x.reshape(newshape) if type(x) is np.ndarray else np.reshape(x, newshape)
    except ValueError:
        raise ValueError(
            f"cannot reshape a tensor of shape {np.shape(x)} ({np.size(x)} elements) into {tuple(newshape)}"
        ) from None


@reshape.defvjp
def _(g, ans, needs, x, newshape):
    return g.reshape(x.shape), None


@primitive
def transpose(x, axes=None):
    return np.transpose(x, axes)


@transpose.defvjp
def _(g, ans, needs, x, axes=None):
    return (np.transpose(g, None if axes is None else np.argsort(axes)),)


@primitive
def expand_dims(x, axis):
    return np.expand_dims(x, axis)


@expand_dims.defvjp
def _(g, ans, needs, x, axis):
    return g.reshape(x.shape), None


@primitive
def squeeze(x, axis=None):
    return np.squeeze(x, axis=axis)


@squeeze.defvjp
def _(g, ans, needs, x, axis=None):
    return (g.reshape(x.shape),)


@primitive
def broadcast_to(x, shape):
    return np.broadcast_to(x, shape)


@broadcast_to.defvjp
def _(g, ans, needs, x, shape):
    return g, None  # the engine's unbroadcast sums it back to x's shape


@primitive(promote="common")
def _concatenate(*xs, axis=0):
    return np.concatenate(xs, axis=axis)


@_concatenate.defvjp
def _(g, ans, needs, *xs, axis=0):
    bounds = np.cumsum([np.shape(x)[axis] for x in xs])[:-1]
    return tuple(np.split(g, bounds, axis=axis))


def concatenate(xs, axis=0):
    """Join tensors along an existing axis. ``xs``: a list of tensors."""
    return _concatenate(*xs, axis=axis)


@primitive(promote="common")
def _stack(*xs, axis=0):
    return np.stack(xs, axis=axis)


@_stack.defvjp
def _(g, ans, needs, *xs, axis=0):
    return tuple(np.moveaxis(g, axis, 0))


def stack(xs, axis=0):
    """Join tensors along a new axis."""
    return _stack(*xs, axis=axis)


def split(x, indices_or_sections, axis=0):
    """Split into a list of tensors (equal sections, or at the given indices)."""
    n = np.shape(x)[axis]
    if isinstance(indices_or_sections, (int, np.integer)):
        sections = int(indices_or_sections)
        if sections <= 0 or n % sections:
            raise ValueError(
                f"split: an axis of length {n} cannot be split into {indices_or_sections} equal sections."
            )
        step = n // sections
        bounds = [i * step for i in range(sections + 1)]  # step 0 for an empty axis
    else:
        bounds = [0] + [int(i) for i in indices_or_sections] + [n]
    ndim = np.ndim(x)
    pieces = []
    for start, stop in zip(bounds[:-1], bounds[1:]):
        key = [slice(None)] * ndim
        key[axis] = slice(start, stop)
        pieces.append(getitem(x, tuple(key)))
    return pieces


def _is_basic(key):
    """True for keys made only of ints, slices, None and Ellipsis (views, no duplicates)."""
    parts = key if isinstance(key, tuple) else (key,)
    return all(isinstance(k, (int, np.integer, slice)) or k is None or k is Ellipsis for k in parts)


@primitive
def _getitem(x, key):
    return x[key]


@_getitem.defvjp
def _(g, ans, needs, x, key):
    if isinstance(key, np.ndarray) and key.dtype.kind in "iu" and x.ndim:
        return take.vjp(g, ans, needs, x, key, axis=0)  # x[ids], a gather of rows
    out = np.zeros_like(x)
    if _is_basic(key):
        out[key] = g
    else:
        np.add.at(out, key, g)
    return out, None


def _unwrap_key(key):
    if isinstance(key, Tensor):
        return key.data
    if isinstance(key, tuple):
        return tuple(k.data if isinstance(k, Tensor) else k for k in key)
    if isinstance(key, list):
        return np.asarray([k.data if isinstance(k, Tensor) else k for k in key])
    return key


def getitem(x, key):
    """``x[key]`` with slices, integers, integer arrays or boolean masks; differentiable."""
    return _getitem(x, _unwrap_key(key))


@primitive
def take(x, indices, axis=None):
    return np.take(x, indices, axis=axis)


@take.defvjp
def _(g, ans, needs, x, indices, axis=None):
    # Repeated indices must add up: a scatter-add. NumPy's add.at is several times faster on
    # a flat array with flat positions than with a row index into a 2-D one (an Embedding's
    # gradient: 4.5x), so the slices along ``axis`` are flattened first.
    idx = np.asarray(indices)
    if axis is None:
        out = np.zeros(x.size, dtype=x.dtype)
        np.add.at(out, np.where(idx < 0, idx + x.size, idx).ravel(), g.ravel())
        return out.reshape(x.shape), None
    axis = axis % x.ndim
    n = x.shape[axis]
    rest = x.shape[:axis] + x.shape[axis + 1:]
    width = math.prod(rest)
    # g is (x.shape[:axis], idx.shape, x.shape[axis+1:]): bring the index axes to the front.
    g_rows = np.moveaxis(g, list(range(axis, axis + idx.ndim)), list(range(idx.ndim))).reshape(idx.size, width)
    rows = np.where(idx < 0, idx + n, idx).reshape(-1, 1)
    out = np.zeros(n * width, dtype=x.dtype)
    np.add.at(out, (rows * width + np.arange(width)).ravel(), g_rows.ravel())
    return np.moveaxis(out.reshape((n,) + rest), 0, axis), None


@primitive
def take_along_axis(x, indices, axis):
    return np.take_along_axis(x, indices, axis=axis)


@take_along_axis.defvjp
def _(g, ans, needs, x, indices, axis):
    mapping = np.take_along_axis(_positions(x.shape), indices, axis=axis)
    return _scatter_back(g, x.shape, mapping), None


_PAD_MODES = ("constant", "edge", "linear_ramp", "maximum", "mean", "median", "minimum",
              "reflect", "symmetric", "wrap", "empty")


@primitive(name="pad")
def _pad(x, pad_width, mode="constant", constant_values=0):
    if mode == "constant":
        return np.pad(x, pad_width, mode="constant", constant_values=constant_values)
    return np.pad(x, pad_width, mode=mode)


def pad(x, pad_width, mode="constant", constant_values=None):
    """Pad ``x``; ``pad_width`` is one (before, after) pair per axis (or one for all).

    ``constant_values`` (default 0) fills ``mode="constant"`` padding; any other mode
    ("reflect", "symmetric", "edge", ...) copies elements and refuses it, as Keras does.
    """
    if mode not in _PAD_MODES:
        raise ValueError(f"pad: `mode` must be one of {_PAD_MODES}, received mode={mode!r}.")
    if constant_values is not None and mode != "constant":
        raise ValueError(
            "pad: Argument `constant_values` can only be provided when `mode == 'constant'`. "
            f"Received: mode={mode!r}, constant_values={constant_values!r}"
        )
    if isinstance(pad_width, Tensor):
        pad_width = pad_width.data
    fill = 0 if constant_values is None else getattr(constant_values, "data", constant_values)
    if mode == "constant":
        return _pad(x, pad_width, mode=mode, constant_values=fill)
    return _pad(x, pad_width, mode=mode)


@_pad.defvjp
def _(g, ans, needs, x, pad_width, mode="constant", constant_values=0):
    if mode == "constant":
        widths = np.broadcast_to(np.asarray(pad_width), (x.ndim, 2))
        key = tuple(slice(int(lo), int(lo) + n) for (lo, _), n in zip(widths, x.shape))
        return g[key], None
    # reflect / symmetric / edge / wrap copy elements: pad the positions the same way.
    return _scatter_back(g, x.shape, np.pad(_positions(x.shape), pad_width, mode=mode)), None


@primitive
def tile(x, repeats):
    return np.tile(x, repeats)


@tile.defvjp
def _(g, ans, needs, x, repeats):
    reps = (repeats,) if np.isscalar(repeats) else tuple(repeats)
    ndim = max(len(reps), x.ndim)
    reps = (1,) * (ndim - len(reps)) + reps
    shape = (1,) * (ndim - x.ndim) + x.shape
    interleaved = [n for pair in zip(reps, shape) for n in pair]
    summed = g.reshape(interleaved).sum(axis=tuple(range(0, 2 * ndim, 2)))
    return summed.reshape(x.shape), None


@primitive
def repeat(x, repeats, axis=None):
    return np.repeat(x, repeats, axis=axis)


@repeat.defvjp
def _(g, ans, needs, x, repeats, axis=None):
    mapping = np.repeat(_positions(x.shape), repeats, axis=axis)
    return _scatter_back(g, x.shape, mapping), None


@primitive
def flip(x, axis=None):
    return np.flip(x, axis=axis)


@flip.defvjp
def _(g, ans, needs, x, axis=None):
    return (np.flip(g, axis=axis),)


@primitive
def moveaxis(x, source, destination):
    return np.moveaxis(x, source, destination)


@moveaxis.defvjp
def _(g, ans, needs, x, source, destination):
    return np.moveaxis(g, destination, source), None, None


@primitive
def cast(x, dtype):
    return np.asarray(x).astype(dtype)


cast.sets_dtype = True


@cast.defvjp
def _(g, ans, needs, x, dtype):
    if np.asarray(x).dtype.kind not in "fc":
        return None, None
    return g.astype(np.asarray(x).dtype), None


def zeros_like(x, dtype=None):
    return Tensor(np.zeros_like(x.data if isinstance(x, Tensor) else x, dtype=dtype))


def ones_like(x, dtype=None):
    return Tensor(np.ones_like(x.data if isinstance(x, Tensor) else x, dtype=dtype))


def full_like(x, fill_value, dtype=None):
    return Tensor(np.full_like(x.data if isinstance(x, Tensor) else x, fill_value, dtype=dtype))


def shape(x):
    return tuple(np.shape(x.data if isinstance(x, Tensor) else x))


def ndim(x):
    return len(shape(x))


def size(x):
    return int(np.prod(shape(x)))
