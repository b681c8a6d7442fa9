"""Inverses and linear systems of ``keras.ops.linalg``: det, inv, solve,
solve_triangular, lstsq, and the extras Keras 3 added beside them (cholesky_inverse,
matrix_power, pinv, matrix_rank). Shapes are stacks of matrices (..., M, M).

VJPs: d det = det · tr(A⁻¹ dA); d A⁻¹ = -A⁻¹ dA A⁻¹; for X = A⁻¹B, B̄ = A⁻ᵀX̄ and
Ā = -B̄Xᵀ (kept to A's triangle for a triangular solve). lstsq and matrix_rank have no
gradient.
"""
import numpy as np

from gradiente.autodiff.tensor import Tensor
from gradiente.ops.decompositions import svd
from gradiente.ops.matrix_checks import (
    assert_rank_at_least, assert_square, assert_system, float_tensor, mT,
)
from gradiente.ops.primitive import primitive
from gradiente.ops.products import matmul
from gradiente.ops.arithmetic import divide, where
from gradiente.ops.reduction import max as reduce_max
from gradiente.ops.shape import expand_dims, squeeze, transpose


@primitive(name="det")
def _det(x):
    return np.linalg.det(x)


@_det.defvjp
def _(g, ans, needs, x):
    return ((g * ans)[..., None, None] * mT(np.linalg.inv(x)),)


@primitive(name="inv")
def _inv(x):
    return np.linalg.inv(x)


@_inv.defvjp
def _(g, ans, needs, x):
    t = mT(ans)
    return (-(t @ g @ t),)


def det(x):
    """Determinants (...,) of (..., M, M)."""
    x = float_tensor(x)
    assert_square("det", x)
    return _det(x)


def inv(x):
    """Inverses (..., M, M). A singular matrix raises ValueError."""
    x = float_tensor(x)
    assert_square("inv", x)
    return _inv(x)


def _triangle(a, lower):
    return np.tril(a) if lower else np.triu(a)


@primitive(name="solve")
def _solve(a, b):
    return np.linalg.solve(a, b)


@_solve.defvjp
def _(g, ans, needs, a, b):
    gb = np.linalg.solve(mT(a), g)
    return (-(gb @ mT(ans)) if needs[0] else None), gb


@primitive(name="solve_triangular")
def _solve_triangular(a, b, lower=False):
    return np.linalg.solve(_triangle(a, lower), b)


@_solve_triangular.defvjp
def _(g, ans, needs, a, b, lower=False):
    gb = np.linalg.solve(mT(_triangle(a, lower)), g)
    return (_triangle(-(gb @ mT(ans)), lower) if needs[0] else None), gb


def _system(name, op, a, b, **params):
    a, b = float_tensor(a), float_tensor(b)
    assert_system(name, a, b)
    if b.ndim == a.ndim - 1:  # a stack of vectors: solve it as one-column matrices
        return squeeze(op(a, expand_dims(b, -1), **params), -1)
    return op(a, b, **params)


def solve(a, b):
    """x with a·x = b: a (..., M, M), b (..., M) or (..., M, N); x has b's shape."""
    return _system("solve", _solve, a, b)


def solve_triangular(a, b, lower=False):
    """x with a·x = b for triangular ``a``: its lower (``lower``) or upper triangle is
    used, the other ignored. Shapes as ``solve``."""
    return _system("solve_triangular", _solve_triangular, a, b, lower=bool(lower))


@primitive(name="lstsq")
def _lstsq(a, b, rcond=None):
    return np.linalg.lstsq(a, b, rcond=rcond)[0]


def lstsq(a, b, rcond=None):
    """Least-squares solution (N,) or (N, K) of a·x ≈ b, a (M, N), b (M,) or (M, K); the
    minimum-norm one when several fit. Singular values below rcond·largest count as zero."""
    a, b = float_tensor(a), float_tensor(b)
    if a.ndim != 2:
        raise ValueError(f"lstsq: expected a to have rank 2. Received: a.shape={tuple(a.shape)}")
    if b.ndim not in (1, 2):
        raise ValueError(f"lstsq: expected b to have rank 1 or 2. Received: b.shape={tuple(b.shape)}")
    if b.shape[0] != a.shape[0]:
        raise ValueError(
            f"lstsq: expected b.shape[0] to be equal to a.shape[0]. Received: a.shape={tuple(a.shape)}, b.shape={tuple(b.shape)}"
        )
    return _lstsq(a, b, rcond=rcond)


def cholesky_inverse(x, upper=False):
    """The inverse of A from its Cholesky factor ``x`` (lower L with A = L·Lᵀ, or upper U
    with A = Uᵀ·U)."""
    x = float_tensor(x)
    assert_square("cholesky_inverse", x)
    eye = np.broadcast_to(np.eye(x.shape[-1], dtype=x.dtype), tuple(x.shape))
    inv_factor = solve_triangular(x, Tensor(np.array(eye)), lower=not upper)
    if upper:  # A⁻¹ = U⁻¹·U⁻ᵀ
        return matmul(inv_factor, _t(inv_factor))
    return matmul(_t(inv_factor), inv_factor)  # A⁻¹ = L⁻ᵀ·L⁻¹


def _t(x):
    return transpose(x, tuple(range(x.ndim - 2)) + (x.ndim - 1, x.ndim - 2))


def matrix_power(x, n):
    """x raised to the integer power ``n`` (..., M, M): repeated squaring; n = 0 gives the
    identity, a negative n the power of the inverse."""
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool):
        raise TypeError(f"matrix_power: n must be an integer. Received: n={n} of type {type(n)}")
    x = float_tensor(x)
    assert_square("matrix_power", x)
    if n == 0:
        return Tensor(np.array(np.broadcast_to(np.eye(x.shape[-1], dtype=x.dtype), tuple(x.shape))))
    base = inv(x) if n < 0 else x
    result, n = None, abs(int(n))
    while n:
        if n & 1:
            result = base if result is None else matmul(result, base)
        n >>= 1
        if n:
            base = matmul(base, base)
    return result


def pinv(x, rcond=None):
    """Moore-Penrose pseudo-inverse (..., N, M) of (..., M, N), from the SVD: singular
    values at most rcond·largest (NumPy's default rcond 1e-15) count as zero."""
    x = float_tensor(x)
    assert_rank_at_least("pinv", x, 2)
    u, s, vh = svd(x, full_matrices=False)
    cutoff = (1e-15 if rcond is None else rcond) * reduce_max(s, axis=-1, keepdims=True)
    keep = s.data > cutoff.data
    inv_s = where(keep, divide(1.0, where(keep, s, 1.0)), 0.0)
    return matmul(_t(vh) * expand_dims(inv_s, -2), _t(u))


def matrix_rank(x, tol=None):
    """How many singular values of each (..., M, N) exceed ``tol`` (NumPy's default
    threshold when None): int32 (...,). No gradient."""
    x = float_tensor(x)
    assert_rank_at_least("matrix_rank", x, 2)
    return Tensor(np.linalg.matrix_rank(x.data, tol=tol).astype(np.int32))
