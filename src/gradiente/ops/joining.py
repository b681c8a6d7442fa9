"""NumPy's joining and splitting variants, as compositions of concatenate, stack, reshape
and slicing (so they are differentiable through those primitives): hstack, vstack,
dstack, column_stack, append, array_split, hsplit, vsplit, dsplit."""
import numpy as np

from gradiente.ops.shape import concatenate, expand_dims, getitem, reshape, split


def _ndim(x):
    return np.ndim(getattr(x, "data", x))


def _atleast(x, n):
    """View ``x`` with at least ``n`` axes, as NumPy's atleast_1d/2d/3d place them."""
    nd = _ndim(x)
    if nd >= n:
        return x
    shape = np.shape(getattr(x, "data", x))
    if n == 1:
        return reshape(x, (1,))
    if n == 2:
        return reshape(x, (1,) + shape if nd == 1 else (1, 1))
    return reshape(x, {0: (1, 1, 1), 1: (1,) + shape + (1,), 2: shape + (1,)}[nd])


def _sequence(xs, name):
    if not isinstance(xs, (list, tuple)) or not xs:
        raise ValueError(f"{name} expects a non-empty list of tensors, received {xs!r:.80}.")
    return xs


def hstack(xs):
    """Join along axis 1 (axis 0 for 1-D inputs)."""
    xs = [_atleast(x, 1) for x in _sequence(xs, "hstack")]
    return concatenate(xs, axis=0 if _ndim(xs[0]) == 1 else 1)


def vstack(xs):
    """Join along axis 0, with 1-D inputs taken as rows."""
    return concatenate([_atleast(x, 2) for x in _sequence(xs, "vstack")], axis=0)


def dstack(xs):
    """Join along axis 2, with inputs viewed as at least 3-D."""
    return concatenate([_atleast(x, 3) for x in _sequence(xs, "dstack")], axis=2)


def column_stack(xs):
    """Join 1-D inputs as columns of a 2-D result (others as hstack on axis 1)."""
    cols = [expand_dims(x, 1) if _ndim(x) < 2 else x for x in _sequence(xs, "column_stack")]
    cols = [reshape(c, (1, 1)) if _ndim(c) == 1 else c for c in cols]  # 0-d inputs
    return concatenate(cols, axis=1)


def append(x1, x2, axis=None):
    """``x2`` appended to ``x1`` along ``axis`` (both flattened first when None)."""
    if axis is None:
        return concatenate([reshape(x1, (-1,)), reshape(x2, (-1,))], axis=0)
    return concatenate([x1, x2], axis=axis)


def array_split(x, indices_or_sections, axis=0):
    """Split into ``indices_or_sections`` parts that may differ in length by one (the
    first ones are longer), or at the given indices."""
    if not isinstance(indices_or_sections, (int, np.integer)):
        return split(x, indices_or_sections, axis=axis)
    sections = int(indices_or_sections)
    if sections <= 0:
        raise ValueError(f"array_split: the number of sections must be positive, received {sections}.")
    n = np.shape(getattr(x, "data", x))[axis]
    size, extra = divmod(n, sections)
    bounds = np.cumsum([0] + [size + 1] * extra + [size] * (sections - extra))
    ndim = _ndim(x)
    pieces = []
    for start, stop in zip(bounds[:-1], bounds[1:]):
        key = [slice(None)] * ndim
        key[axis] = slice(int(start), int(stop))
        pieces.append(getitem(x, tuple(key)))
    return pieces


def _split_on(x, indices_or_sections, axis, name, min_ndim):
    if _ndim(x) < min_ndim:
        raise ValueError(f"{name} needs a tensor of at least {min_ndim} dimensions, received shape "
                         f"{np.shape(getattr(x, 'data', x))}.")
    return split(x, indices_or_sections, axis=axis)


def hsplit(x, indices_or_sections):
    """Split along axis 1 (axis 0 for 1-D input)."""
    return _split_on(x, indices_or_sections, 0 if _ndim(x) == 1 else 1, "hsplit", 1)


def vsplit(x, indices_or_sections):
    """Split along axis 0 (input at least 2-D)."""
    return _split_on(x, indices_or_sections, 0, "vsplit", 2)


def dsplit(x, indices_or_sections):
    """Split along axis 2 (input at least 3-D)."""
    return _split_on(x, indices_or_sections, 2, "dsplit", 3)


def unstack(x, num=None, axis=0):
    """The slices of ``x`` along ``axis``, as a list (``num``, when given, must match)."""
    n = np.shape(getattr(x, "data", x))[axis]
    if num is not None and num != n:
        raise ValueError(f"unstack: num={num} does not match the length {n} of axis {axis}.")
    ndim = _ndim(x)
    key = [slice(None)] * ndim
    out = []
    for i in range(n):
        key[axis] = i
        out.append(getitem(x, tuple(key)))
    return out
