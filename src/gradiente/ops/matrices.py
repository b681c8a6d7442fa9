"""NumPy's matrix-structure and array-rearranging functions (not linear algebra, which is
ops.linalg): diagonal, diag, diagflat, trace, tril, triu, roll (primitives with VJPs) and
kron, outer, inner, vdot, cross, vander, correlate, meshgrid, diff, trapezoid, select,
swapaxes, rot90, fliplr, flipud, ravel, unravel_index (compositions)."""
import numpy as np

from gradiente.autodiff.tensor import Tensor, to_array
from gradiente.ops import arithmetic as _m
from gradiente.ops import reduction as _r
from gradiente.ops.shape import (
    _positions, _scatter_back, broadcast_to, cast, expand_dims, flip, getitem, moveaxis, pad, reshape, stack, take, transpose,
)
from gradiente.ops.primitive import primitive


def _arr(x):
    return getattr(x, "data", x)


# --- primitives ------------------------------------------------------------------------
@primitive
def diagonal(x, offset=0, axis1=0, axis2=1):
    """The diagonal ``offset`` of the (axis1, axis2) planes, as the last axis."""
    if np.ndim(x) < 2:
        raise ValueError(f"diagonal needs a tensor of at least 2 dimensions, received shape {np.shape(x)}.")
    return np.diagonal(x, offset=offset, axis1=axis1, axis2=axis2).copy()


@diagonal.defvjp
def _(g, ans, needs, x, offset=0, axis1=0, axis2=1):
    mapping = np.diagonal(_positions(x.shape), offset=offset, axis1=axis1, axis2=axis2)
    return (_scatter_back(g, x.shape, mapping),)


@primitive
def _diag_matrix(v, k=0):
    return np.diag(v, k=k)


@_diag_matrix.defvjp
def _(g, ans, needs, v, k=0):
    return (np.diagonal(g, offset=k).copy(),)


def diag(x, k=0):
    """A 1-D ``x`` placed on diagonal ``k`` of a square matrix; a 2-D ``x``'s diagonal ``k``."""
    nd = np.ndim(_arr(x))
    if nd == 1:
        return _diag_matrix(x, k=k)
    if nd == 2:
        return diagonal(x, offset=k)
    raise ValueError(f"diag expects a 1-D or 2-D tensor, received shape {np.shape(_arr(x))}.")


def diagflat(x, k=0):
    """``x`` flattened and placed on diagonal ``k``."""
    return _diag_matrix(reshape(x, (-1,)), k=k)


def trace(x, offset=0, axis1=0, axis2=1):
    """Sum along diagonal ``offset`` of the (axis1, axis2) planes."""
    return _r.sum(diagonal(x, offset=offset, axis1=axis1, axis2=axis2), axis=-1)


def _triangle(x, k, lower):
    arr = _arr(x)
    if np.ndim(arr) < 2:
        raise ValueError(f"{'tril' if lower else 'triu'} needs at least 2 dimensions, received shape {np.shape(arr)}.")
    n, m = np.shape(arr)[-2:]
    mask = np.tri(n, m, k=k, dtype=bool) if lower else ~np.tri(n, m, k=k - 1, dtype=bool)
    return _m.where(mask, x, np.zeros((), dtype=np.asarray(arr).dtype))


def tril(x, k=0):
    """``x`` with the elements above diagonal ``k`` of its last two axes set to zero."""
    return _triangle(x, k, True)


def triu(x, k=0):
    """``x`` with the elements below diagonal ``k`` of its last two axes set to zero."""
    return _triangle(x, k, False)


@primitive
def roll(x, shift, axis=None):
    """Elements shifted by ``shift`` along ``axis`` (of the flattened array when None),
    wrapping around."""
    if axis is not None and np.ndim(shift) and np.ndim(axis) and np.size(shift) != np.size(axis):
        raise ValueError(f"roll: `shift` ({shift}) and `axis` ({axis}) must have the same length.")
    return np.roll(x, shift, axis=axis)


@roll.defvjp
def _(g, ans, needs, x, shift, axis=None):
    return np.roll(g, np.negative(shift), axis=axis), None


# --- compositions ------------------------------------------------------------------------
def outer(x1, x2):
    """(n,) x (m,) -> (n, m) of products; inputs are flattened first."""
    return _m.multiply(reshape(x1, (-1, 1)), reshape(x2, (1, -1)))


def inner(x1, x2):
    """Sum of products over the last axes (a scalar times a tensor for 0-d inputs)."""
    if np.ndim(_arr(x1)) == 0 or np.ndim(_arr(x2)) == 0:
        return _m.multiply(x1, x2)
    from gradiente import ops  # linalg, looked up at call time

    return ops.tensordot(x1, x2, axes=([-1], [-1]))


def vdot(x1, x2):
    """Dot product of the two inputs flattened."""
    return _r.sum(_m.multiply(reshape(x1, (-1,)), reshape(x2, (-1,))))


def kron(x1, x2):
    """Kronecker product: blocks of ``x2`` scaled by each element of ``x1``."""
    a, b = _arr(x1), _arr(x2)
    nd = max(np.ndim(a), np.ndim(b))
    sa = (1,) * (nd - np.ndim(a)) + np.shape(a)
    sb = (1,) * (nd - np.ndim(b)) + np.shape(b)
    left = reshape(x1, tuple(d for n in sa for d in (n, 1)))
    right = reshape(x2, tuple(d for n in sb for d in (1, n)))
    return reshape(_m.multiply(left, right), tuple(p * q for p, q in zip(sa, sb)))


def cross(x1, x2, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """Cross product of (arrays of) 2- or 3-vectors; 2-vectors give the z component."""
    if axis is not None:
        axisa = axisb = axisc = axis
    a = moveaxis(x1, axisa, -1)
    b = moveaxis(x2, axisb, -1)
    na, nb = np.shape(_arr(a))[-1], np.shape(_arr(b))[-1]
    if na not in (2, 3) or nb not in (2, 3):
        raise ValueError(f"cross: both inputs must hold 2- or 3-vectors, received {na} and {nb} components.")

    def part(v, i, n):
        return getitem(v, (Ellipsis, i)) if i < n else 0

    a0, a1, a2 = (part(a, i, na) for i in range(3))
    b0, b1, b2 = (part(b, i, nb) for i in range(3))
    z = _m.subtract(_m.multiply(a0, b1), _m.multiply(a1, b0))
    if na == nb == 2:
        return z
    xs = _m.subtract(_m.multiply(a1, b2), _m.multiply(a2, b1))
    ys = _m.subtract(_m.multiply(a2, b0), _m.multiply(a0, b2))
    out = stack([broadcast_to(c, np.broadcast_shapes(*(np.shape(_arr(t)) for t in (xs, ys, z))))
                    for c in (xs, ys, z)], axis=-1)
    return moveaxis(out, -1, axisc)


def vander(x, N=None, increasing=False):
    """Columns are powers of the 1-D ``x``: x**(N-1) ... x**0 (reversed with ``increasing``)."""
    arr = _arr(x)
    if np.ndim(arr) != 1:
        raise ValueError(f"vander expects a 1-D tensor, received shape {np.shape(arr)}.")
    n = len(arr) if N is None else int(N)
    if n < 0:
        raise ValueError(f"vander: N must be non-negative, received {N}.")
    powers = np.arange(n) if increasing else np.arange(n)[::-1].copy()
    if np.asarray(arr).dtype.kind in "fc":
        return _m.power(expand_dims(x, 1), powers.astype(np.asarray(arr).dtype))
    return Tensor(np.vander(np.asarray(arr), n, increasing=increasing))


def correlate(x1, x2, mode="valid"):
    """Cross-correlation of two 1-D tensors: out[k] = sum_j x1[k + j] x2[j], NumPy's
    offsets, for ``mode`` "valid", "same" or "full"; computed in float."""
    from gradiente.dtypes import result_type

    a, v = _arr(x1), _arr(x2)
    if np.ndim(a) != 1 or np.ndim(v) != 1:
        raise ValueError(f"correlate expects two 1-D tensors, received shapes {np.shape(a)} and {np.shape(v)}.")
    if mode not in ("valid", "same", "full"):
        raise ValueError(f"correlate: `mode` must be 'valid', 'same' or 'full', received {mode!r}.")
    dtype = np.dtype(result_type(np.asarray(a).dtype, np.asarray(v).dtype, float))
    x1, x2 = cast(x1, dtype), cast(x2, dtype)
    n, m = len(a), len(v)
    padded = pad(x1, ((m - 1, m - 1),))
    windows = take(padded, np.arange(n + m - 1)[:, None] + np.arange(m)[None, :], axis=0)
    full = _r.sum(_m.multiply(windows, x2), axis=1)
    if mode == "full":
        return full
    if mode == "same":  # NumPy centres the longer input's length on the full result
        length, start = max(n, m), (m - 1) // 2 if m <= n else n // 2
    else:
        length, start = max(n, m) - min(n, m) + 1, min(n, m) - 1
    return getitem(full, slice(start, start + length))


def meshgrid(*x, indexing="xy"):
    """Coordinate grids from 1-D vectors: "xy" (Cartesian, first two axes swapped) or "ij"."""
    if indexing not in ("xy", "ij"):
        raise ValueError(f"meshgrid: `indexing` must be 'xy' or 'ij', received {indexing!r}.")
    n = len(x)
    sizes = [np.size(_arr(v)) for v in x]
    if indexing == "xy" and n >= 2:
        sizes[0], sizes[1] = sizes[1], sizes[0]
    grids = []
    for i, v in enumerate(x):
        where_axis = i
        if indexing == "xy" and n >= 2 and i < 2:
            where_axis = 1 - i
        shape = [1] * n
        shape[where_axis] = -1
        grids.append(broadcast_to(reshape(v, tuple(shape)), tuple(sizes)))
    return grids


def diff(a, n=1, axis=-1):
    """The ``n``-th discrete difference along ``axis``: a[i+1] - a[i], repeated."""
    if n < 0:
        raise ValueError(f"diff: the order `n` must be non-negative, received {n}.")
    nd = np.ndim(_arr(a))
    if nd == 0:
        raise ValueError("diff needs a tensor of at least 1 dimension, received a 0-d tensor.")
    head = [slice(None)] * nd
    tail = [slice(None)] * nd
    head[axis], tail[axis] = slice(1, None), slice(None, -1)
    out = a if isinstance(a, Tensor) else Tensor(to_array(a))
    for _ in range(n):
        out = _m.subtract(getitem(out, tuple(head)), getitem(out, tuple(tail)))
    return out


def trapezoid(y, x=None, dx=1.0, axis=-1):
    """Integral of ``y`` along ``axis`` by the trapezoidal rule (sample points ``x`` or a
    uniform spacing ``dx``)."""
    nd = np.ndim(_arr(y))
    lo = [slice(None)] * nd
    hi = [slice(None)] * nd
    lo[axis], hi[axis] = slice(None, -1), slice(1, None)
    if np.asarray(_arr(y)).dtype.kind not in "fc":
        from gradiente.dtypes import result_type

        y = cast(y, result_type(np.asarray(_arr(y)).dtype, float))
    mid = _m.multiply(_m.add(getitem(y, tuple(lo)), getitem(y, tuple(hi))), 0.5)
    step = dx if x is None else diff(x, axis=axis if np.ndim(_arr(x)) > 1 else -1)
    if x is not None and np.ndim(_arr(x)) == 1 and nd > 1:
        shape = [1] * nd
        shape[axis] = -1
        step = reshape(step, tuple(shape))
    return _r.sum(_m.multiply(mid, step), axis=axis)


def select(condlist, choicelist, default=0):
    """Elementwise, the choice of the first true condition, else ``default``."""
    if not isinstance(condlist, (list, tuple)) or not isinstance(choicelist, (list, tuple)):
        raise ValueError("select: `condlist` and `choicelist` must be lists.")
    if len(condlist) != len(choicelist):
        raise ValueError(f"select: condlist has {len(condlist)} entries, choicelist {len(choicelist)}; they must match.")
    if not condlist:
        raise ValueError("select: `condlist` must not be empty.")
    out = default
    for cond, choice in zip(reversed(condlist), reversed(choicelist)):
        out = _m.where(cast(cond, bool), choice, out)
    shape = np.broadcast_shapes(*(np.shape(_arr(c)) for c in list(condlist) + list(choicelist)))
    return broadcast_to(out, shape) if np.shape(_arr(out)) != shape else out


def swapaxes(x, axis1, axis2):
    """``x`` with two axes exchanged."""
    nd = np.ndim(_arr(x))
    axes = list(range(nd))
    axes[axis1], axes[axis2] = axes[axis2], axes[axis1]
    return transpose(x, tuple(axes))


def rot90(array, k=1, axes=(0, 1)):
    """Rotate by 90 degrees ``k`` times in the plane of ``axes`` (from the first towards
    the second)."""
    nd = np.ndim(_arr(array))
    if nd < 2:
        raise ValueError(f"rot90: the input must have at least 2 dimensions, received array.ndim={nd}.")
    if len(axes) != 2 or axes[0] % nd == axes[1] % nd:
        raise ValueError(f"rot90: invalid axes {axes}: they must be two different dimensions.")
    k %= 4
    if k == 0:
        return array
    if k == 2:
        return flip(flip(array, axes[0]), axes[1])
    if k == 1:
        return swapaxes(flip(array, axes[1]), axes[0], axes[1])
    return flip(swapaxes(array, axes[0], axes[1]), axes[1])


def fliplr(x):
    """Reverse axis 1."""
    if np.ndim(_arr(x)) < 2:
        raise ValueError("fliplr needs a tensor of at least 2 dimensions.")
    return flip(x, 1)


def flipud(x):
    """Reverse axis 0."""
    if np.ndim(_arr(x)) < 1:
        raise ValueError("flipud needs a tensor of at least 1 dimension.")
    return flip(x, 0)


def ravel(x):
    """``x`` flattened to 1-D."""
    return reshape(x, (-1,))


def unravel_index(indices, shape):
    """Flat indices into a tuple of coordinate tensors for an array of ``shape``."""
    idx = to_array(indices)
    return tuple(Tensor(c.astype(idx.dtype if idx.dtype.kind in "iu" else np.int32))
                 for c in np.unravel_index(idx, tuple(int(d) for d in shape)))
