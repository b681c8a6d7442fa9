"""``keras.ops.linalg.norm``: vector and matrix norms, as NumPy's ``linalg.norm`` defines
them, built from differentiable ops (the nuclear and spectral norms from the singular
values), so every norm but ord=0 (a count) has a gradient."""
import math

import numpy as np

from gradiente.ops.decompositions import singular_values
from gradiente.ops.arithmetic import abs as absolute, not_equal, power, sqrt, square
from gradiente.ops.matrix_checks import float_tensor
from gradiente.ops.reduction import max as reduce_max, min as reduce_min, sum as reduce_sum
from gradiente.ops.shape import cast, expand_dims, moveaxis, reshape

_MATRIX_ORDS = (None, "fro", "nuc", math.inf, -math.inf, 1, -1, 2, -2)


def _axes(axis, ndim):
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    for a in axes:
        if not -ndim <= a < ndim:
            raise ValueError(f"norm: axis {a} is out of bounds for an input of rank {ndim}.")
    axes = tuple(int(a) % ndim for a in axes)
    if len(set(axes)) != len(axes):
        raise ValueError(f"norm: duplicate axes given: axis={axis}.")
    return axes


def _vector(x, ord, axis):
    if isinstance(ord, str):
        raise ValueError(f"norm: invalid `ord` argument for vector norm. Received: ord={ord}")
    if ord is None or ord == 2:
        return sqrt(reduce_sum(square(x), axis=axis, keepdims=True))
    if ord == math.inf:
        return reduce_max(absolute(x), axis=axis, keepdims=True)
    if ord == -math.inf:
        return reduce_min(absolute(x), axis=axis, keepdims=True)
    if ord == 0:
        return cast(reduce_sum(cast(not_equal(x, 0), x.dtype), axis=axis, keepdims=True), x.dtype)
    if ord == 1:
        return reduce_sum(absolute(x), axis=axis, keepdims=True)
    total = reduce_sum(power(absolute(x), float(ord)), axis=axis, keepdims=True)
    return power(total, 1.0 / float(ord))


def _matrix(x, ord, rows, cols):
    if ord not in _MATRIX_ORDS:
        raise ValueError(f"norm: invalid `ord` argument for matrix norm. Received: ord={ord}")
    if ord in (None, "fro"):
        return sqrt(reduce_sum(square(x), axis=(rows, cols), keepdims=True))
    if ord in ("nuc", 2, -2):
        s = singular_values(moveaxis(x, (rows, cols), (-2, -1)))
        s = {"nuc": reduce_sum, 2: reduce_max, -2: reduce_min}[ord](s, axis=-1)
        return expand_dims(expand_dims(s, min(rows, cols)), max(rows, cols))
    # 1 / -1: the largest / smallest column sum of |x|; inf / -inf: the same over rows.
    summed, over = (rows, cols) if ord in (1, -1) else (cols, rows)
    sums = reduce_sum(absolute(x), axis=summed, keepdims=True)
    return (reduce_max if ord > 0 else reduce_min)(sums, axis=over, keepdims=True)


def norm(x, ord=None, axis=None, keepdims=False):
    """The norm of ``x`` along ``axis``: a vector norm for one axis, a matrix norm for two
    (None: every axis; the 2-norm of the flattened input when ``ord`` is None). Integer
    inputs give float32, as in Keras."""
    x = float_tensor(x, int_dtype="float32")
    if isinstance(ord, str) and ord not in ("fro", "nuc"):
        raise ValueError(f"norm: invalid `ord` argument. Expected one of {{'fro', 'nuc'}} when using string. Received: ord={ord}")
    ndim = x.ndim
    if axis is None and ord is None:
        out = sqrt(reduce_sum(square(x)))
        return reshape(out, (1,) * ndim) if keepdims else out
    axes = tuple(range(ndim)) if axis is None else _axes(axis, ndim)
    if len(axes) == 1:
        out = _vector(x, ord, axes[0])
    elif len(axes) == 2:
        out = _matrix(x, ord, *axes)
    else:
        raise ValueError(f"norm: improper number of axes to take a norm over: {len(axes)} (input of rank {ndim}); give one or two.")
    if not keepdims:
        out = reshape(out, tuple(n for i, n in enumerate(x.shape) if i not in axes))
    return out
