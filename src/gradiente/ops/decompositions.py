"""Matrix decompositions of ``keras.ops.linalg``: cholesky, eigh, eig, qr, svd, lu_factor.

Shapes are stacks of matrices (..., M, N). The VJPs are the standard matrix-calculus
results (Murray 2016 for Cholesky; Giles 2008 / Seeger et al. for eigh, QR and SVD).
cholesky and eigh read one triangle of a symmetric input; their gradients are the
symmetric ones (the gradient with respect to a symmetric perturbation), as TensorFlow and
JAX give. eig (complex in general) and lu_factor (integer pivots) have no gradient.
"""
import numpy as np

from gradiente.autodiff.tensor import Tensor
from gradiente.ops.matrix_checks import assert_rank_at_least, assert_square, float_tensor, mT
from gradiente.ops.multi_output import pack, split, unpack
from gradiente.ops.primitive import primitive
from gradiente.ops.shape import transpose


def _sym(x):
    return 0.5 * (x + mT(x))


def _swap_last(x):
    return transpose(x, tuple(range(x.ndim - 2)) + (x.ndim - 1, x.ndim - 2))


# --- cholesky ---------------------------------------------------------------------------
@primitive(name="cholesky")
def _cholesky(x):
    return np.linalg.cholesky(x)


@_cholesky.defvjp
def _(g, ans, needs, x):
    inv_l = np.linalg.inv(ans)
    p = np.tril(mT(ans) @ g)
    p -= 0.5 * np.eye(ans.shape[-1], dtype=ans.dtype) * p  # halve the diagonal
    return (_sym(mT(inv_l) @ p @ inv_l),)


def cholesky(x, upper=False):
    """Cholesky factor of a symmetric positive-definite (..., M, M): lower L with
    L·Lᵀ = x, or its transpose with ``upper``. Not positive definite: ValueError."""
    x = float_tensor(x)
    assert_square("cholesky", x)
    factor = _cholesky(x)
    return _swap_last(factor) if upper else factor


# --- eigh -------------------------------------------------------------------------------
@primitive(name="eigh")
def _eigh(x):
    w, v = np.linalg.eigh(x)
    return pack([w, v], x.shape[:-2])


def _eigh_shapes(n):
    return [(n,), (n, n)]


@_eigh.defvjp
def _(g, ans, needs, x):
    n = x.shape[-1]
    w, v = split(ans, _eigh_shapes(n))
    gw, gv = split(g, _eigh_shapes(n))
    gaps = w[..., None, :] - w[..., :, None]  # [i, j] = w_j - w_i
    off = ~np.eye(n, dtype=bool)
    f = np.divide(1, gaps, out=np.zeros_like(gaps), where=off)
    inner = f * (mT(v) @ gv)
    inner[..., np.arange(n), np.arange(n)] += gw
    return (_sym(v @ inner @ mT(v)),)


def eigh(x):
    """Eigenvalues (..., M), ascending, and eigenvectors (..., M, M) (columns) of a
    symmetric (Hermitian) matrix; its lower triangle is read."""
    x = float_tensor(x)
    assert_square("eigh", x)
    return unpack(_eigh(x), _eigh_shapes(x.shape[-1]))


@primitive(name="eig")
def _eig(x):
    w, v = np.linalg.eig(x)
    return pack([w, v], x.shape[:-2])


def eig(x):
    """Eigenvalues (..., M) and eigenvectors (..., M, M) of a general square matrix:
    complex when some eigenvalues are (NumPy's result). No gradient."""
    x = float_tensor(x)
    assert_square("eig", x)
    return unpack(_eig(x), _eigh_shapes(x.shape[-1]))


# --- qr ---------------------------------------------------------------------------------
def _qr_shapes(m, n, mode):
    k = min(m, n)
    return [(m, m), (m, n)] if mode == "complete" else [(m, k), (k, n)]


@primitive(name="qr")
def _qr(x, mode="reduced"):
    return pack(np.linalg.qr(x, mode=mode), x.shape[:-2])


def _times_inv_rt(x, r):
    """x · R⁻ᵀ for an upper-triangular, invertible R."""
    return mT(np.linalg.solve(r, mT(x)))


def _qr_grad_tall(q, r, gq, gr):
    """Gradient of a reduced QR with M >= N (TensorFlow's formulation)."""
    qgq = mT(q) @ gq
    rgr = r @ mT(gr)
    lower = np.tril(qgq - mT(qgq) + rgr - mT(rgr))
    return q @ (gr + _times_inv_rt(lower, r)) + _times_inv_rt(gq - q @ qgq, r)


@_qr.defvjp
def _(g, ans, needs, x, mode="reduced"):
    m, n = x.shape[-2:]
    q, r = split(ans, _qr_shapes(m, n, mode))
    gq, gr = split(g, _qr_shapes(m, n, mode))
    if m > n and mode == "complete":
        raise NotImplementedError(
            "qr: no gradient for mode='complete' when the matrix has more rows than columns "
            f"(shape {x.shape}): the extra columns of q are not determined by x. Use mode='reduced'."
        )
    if m >= n:
        return (_qr_grad_tall(q, r, gq, gr),)
    # Wide: x = [X | Y], r = [U | V] with X = q·U square; Y = q·V adds to q's gradient.
    y, u, gu, gv = x[..., m:], r[..., :m], gr[..., :m], gr[..., m:]
    gx = _qr_grad_tall(q, u, gq + y @ mT(gv), gu)
    return (np.concatenate([gx, q @ gv], axis=-1),)


def qr(x, mode="reduced"):
    """QR decomposition of (..., M, N): q (..., M, K) orthonormal columns and r (..., K, N)
    upper triangular, K = min(M, N); ``mode='complete'`` gives q (..., M, M), r (..., M, N)."""
    if mode not in ("reduced", "complete"):
        raise ValueError(
            f"qr: `mode` argument value not supported. Expected one of {{'reduced', 'complete'}}. "
            f"Received: mode={mode}"
        )
    x = float_tensor(x)
    assert_rank_at_least("qr", x, 2)
    return unpack(_qr(x, mode=mode), _qr_shapes(*x.shape[-2:], mode))


# --- svd --------------------------------------------------------------------------------
def _svd_shapes(m, n, full):
    k = min(m, n)
    return [(m, m), (k,), (n, n)] if full else [(m, k), (k,), (k, n)]


@primitive(name="svd")
def _svd(x, full_matrices=True):
    return pack(np.linalg.svd(x, full_matrices=full_matrices), x.shape[:-2])


def _svd_grad(u, s, vh, gu, gs, gvh):
    """Gradient of a reduced SVD x = u·diag(s)·vh (PyTorch's formulation, real case)."""
    m, n, k = u.shape[-2], vh.shape[-1], s.shape[-1]
    v, gv = mT(vh), mT(gvh)
    uhgu, vhgv = mT(u) @ gu, mT(v) @ gv
    uhgu, vhgv = uhgu - mT(uhgu), vhgv - mT(vhgv)
    s2 = s * s
    gaps = s2[..., None, :] - s2[..., :, None]
    gaps[..., np.arange(k), np.arange(k)] = 1  # the diagonal's numerators are 0
    inner = (uhgu * s[..., None, :] + s[..., :, None] * vhgv) / gaps
    inner[..., np.arange(k), np.arange(k)] += gs
    if m > k:
        gu_s = gu / s[..., None, :]
        return (u @ inner + gu_s - u @ (mT(u) @ gu_s)) @ vh
    if n > k:
        s_gvh = mT(gv) / s[..., :, None]
        return u @ (inner @ vh + s_gvh - (s_gvh @ v) @ vh)
    return u @ inner @ vh


@_svd.defvjp
def _(g, ans, needs, x, full_matrices=True):
    m, n = x.shape[-2:]
    k = min(m, n)
    u, s, vh = split(ans, _svd_shapes(m, n, full_matrices))
    gu, gs, gvh = split(g, _svd_shapes(m, n, full_matrices))
    if full_matrices and m != n:
        if np.any(gu[..., k:]) or np.any(gvh[..., k:, :]):
            raise NotImplementedError(
                "svd: no gradient through the extra singular vectors of full_matrices=True "
                f"(shape {x.shape}): they are not determined by x. Use full_matrices=False."
            )
        u, gu, vh, gvh = u[..., :k], gu[..., :k], vh[..., :k, :], gvh[..., :k, :]
    return (_svd_grad(u, s, vh, gu, gs, gvh),)


@primitive
def singular_values(x):
    """The singular values (..., K) of (..., M, N), descending."""
    return np.linalg.svd(x, compute_uv=False)


@singular_values.defvjp
def _(g, ans, needs, x):
    u, _, vh = np.linalg.svd(x, full_matrices=False)
    return ((u * g[..., None, :]) @ vh,)


def svd(x, full_matrices=True, compute_uv=True):
    """x = u · diag(s) · vh. Returns (u, s, vh): u (..., M, M), s (..., K), vh (..., N, N)
    (with ``full_matrices=False``: u (..., M, K), vh (..., K, N)); or s alone."""
    x = float_tensor(x)
    assert_rank_at_least("svd", x, 2)
    if not compute_uv:
        return singular_values(x)
    return unpack(_svd(x, full_matrices=bool(full_matrices)),
                  _svd_shapes(*x.shape[-2:], bool(full_matrices)))


# --- lu_factor --------------------------------------------------------------------------
def _lu_array(a):
    """LU with partial pivoting, as LAPACK's getrf (SciPy's lu_factor): the unit-lower and
    upper factors in one (..., M, N) array and the row swapped with row i at step i."""
    lu = np.array(a, copy=True)
    m, n = lu.shape[-2:]
    flat = lu.reshape(-1, m, n)
    k = min(m, n)
    piv = np.zeros((flat.shape[0], k), dtype=np.int32)
    rows = np.arange(flat.shape[0])
    for i in range(k):
        p = i + np.argmax(np.abs(flat[:, i:, i]), axis=1)
        piv[:, i] = p
        top = flat[rows, i].copy()
        flat[rows, i] = flat[rows, p]
        flat[rows, p] = top
        pivot = flat[:, i, i]
        safe = np.where(pivot == 0, 1, pivot)  # a zero pivot leaves its column as LAPACK does
        flat[:, i + 1:, i] /= safe[:, None]
        flat[:, i + 1:, i + 1:] -= flat[:, i + 1:, i, None] * flat[:, i, None, i + 1:]
    return flat.reshape(lu.shape), piv.reshape(lu.shape[:-2] + (k,))


def lu_factor(x):
    """LU factorization with partial pivoting of (..., M, N): ``lu`` (..., M, N) holding
    L (unit diagonal, below) and U (on and above), and int32 pivots (..., min(M, N)): row i
    was swapped with row pivots[i]. No gradient."""
    x = float_tensor(x)
    assert_rank_at_least("lu_factor", x, 2)
    lu, piv = _lu_array(x.data)
    return Tensor(lu), Tensor(piv)
