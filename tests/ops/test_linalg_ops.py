"""keras.ops.linalg (ops/decompositions.py, ops/solvers.py, ops/norms.py): Keras 3's
values, shapes and errors (its linalg_test.py facts), and gradients against finite
differences. Decompositions are checked through sign-free functions of their results
(squares of singular/eigen vectors), since a vector's sign is a convention."""
import itertools
import math

import numpy as np
import pytest

from gradiente import ops
from gradiente.autodiff import GradientTape, Tensor
from gradiente.ops import linalg
from gradiente.testing import check_gradients

from ops_testlib import gradcheck, rand

RNG = np.random.default_rng(7)


def spd(*batch, n=3, seed=0):
    x = np.random.default_rng(seed).random(batch + (n, n))
    return x @ np.swapaxes(x, -1, -2) + n * np.eye(n)


def test_namespace_and_top_level_names_are_the_same_functions():
    for name in linalg.__all__:
        assert getattr(ops, name) is getattr(ops.linalg, name)
    assert ops.linalg.norm is ops.norm


# --- decompositions ---------------------------------------------------------------------
def test_cholesky_lower_upper_and_errors():
    x = RNG.random((4, 3, 3)).astype("float32")
    psd = x @ x.transpose(0, 2, 1) + 1e-5 * np.eye(3, dtype="float32")
    lower = linalg.cholesky(psd)
    np.testing.assert_allclose(lower.numpy(), np.linalg.cholesky(psd), atol=1e-4)
    np.testing.assert_allclose(linalg.cholesky(psd, upper=True).numpy(),
                               np.linalg.cholesky(psd).transpose(0, 2, 1), atol=1e-4)
    assert lower.dtype == "float32"
    with pytest.raises(ValueError):
        linalg.cholesky(-np.eye(3))  # not positive definite
    with pytest.raises(ValueError, match="square"):
        linalg.cholesky(np.zeros((10, 20, 15)))


@pytest.mark.parametrize("upper", [False, True])
def test_cholesky_inverse_matches_keras_values(upper):
    a = np.array([[4.0, 12.0, -16.0], [12.0, 37.0, -43.0], [-16.0, -43.0, 98.0]], "float32")
    factor = np.linalg.cholesky(a)
    factor = factor.T if upper else factor
    expected = [[49.36111, -13.555555, 2.111111], [-13.555555, 3.777778, -0.555556],
                [2.111111, -0.555556, 0.111111]]
    np.testing.assert_allclose(linalg.cholesky_inverse(factor, upper=upper).numpy(), expected, atol=1e-4)
    with pytest.raises(ValueError):
        linalg.cholesky_inverse(np.zeros((10, 20, 15)))


def test_eig_and_eigh_reconstruct_a_symmetric_matrix():
    x = RNG.random((2, 3, 3))
    x = x @ x.transpose(0, 2, 1)
    for fn in (linalg.eig, linalg.eigh):
        w, v = (t.numpy() for t in fn(x))
        assert w.shape == (2, 3) and v.shape == (2, 3, 3)
        np.testing.assert_allclose((v * w[..., None, :]) @ v.transpose(0, 2, 1), x, atol=1e-8)
        with pytest.raises(ValueError):
            fn(np.zeros((10, 20, 15)))


def _pivot_matrix(pivots, n):
    p = np.eye(n)
    for i, k in enumerate(pivots):
        swap = np.eye(n)
        swap[[i, k]] = swap[[k, i]]
        p = p @ swap
    return p


@pytest.mark.parametrize("shape", [(4, 4), (4, 3), (2, 3, 4), (10, 4, 3), (10, 2, 3)], ids=str)
def test_lu_factor_reconstructs_with_scipy_style_pivots(shape):
    x = RNG.random(shape)
    lu, piv = (t.numpy() for t in linalg.lu_factor(x))
    m, n = shape[-2:]
    k = min(m, n)
    assert lu.shape == shape and piv.shape == shape[:-2] + (k,) and piv.dtype == np.int32
    for i in np.ndindex(shape[:-2]):
        lower = np.tril(lu[i][:, :k], -1) + np.eye(m, k)
        upper = np.triu(lu[i][:k])
        np.testing.assert_allclose(_pivot_matrix(piv[i], m) @ lower @ upper, x[i], atol=1e-12)


def test_qr_matches_numpy_in_both_modes_and_refuses_other_modes():
    x = RNG.random((4, 5))
    for mode in ("reduced", "complete"):
        q, r = linalg.qr(x, mode=mode)
        q_ref, r_ref = np.linalg.qr(x, mode=mode)
        np.testing.assert_allclose(q.numpy(), q_ref, atol=1e-12)
        np.testing.assert_allclose(r.numpy(), r_ref, atol=1e-12)
    tall = np.ones((4, 3))
    assert linalg.qr(tall)[0].shape == (4, 3) and linalg.qr(tall)[1].shape == (3, 3)
    assert linalg.qr(tall, mode="complete")[0].shape == (4, 4)
    with pytest.raises(ValueError, match="mode"):
        linalg.qr(tall, mode="invalid")
    with pytest.raises(ValueError, match="rank >= 2"):
        linalg.qr(np.ones(3))


def test_svd_shapes_reconstruction_and_values_only():
    x = RNG.random((10, 3, 2))
    u, s, v = linalg.svd(x)
    assert (u.shape, s.shape, v.shape) == ((10, 3, 3), (10, 2), (10, 2, 2))
    u, s, v = linalg.svd(x, full_matrices=False)
    assert (u.shape, s.shape, v.shape) == ((10, 3, 2), (10, 2), (10, 2, 2))
    assert linalg.svd(x, compute_uv=False).shape == (10, 2)
    x = RNG.random((4, 30, 20)).astype("float32")
    u, s, vh = (t.numpy() for t in linalg.svd(x))
    np.testing.assert_allclose((u[..., :20] * s[..., None, :]) @ vh, x, atol=1e-4)
    np.testing.assert_allclose(linalg.svd(x, compute_uv=False).numpy(), s, atol=1e-5)


# --- solvers ----------------------------------------------------------------------------
def test_det_inv_values_shapes_and_errors():
    x = RNG.random((4, 3, 3))
    np.testing.assert_allclose(linalg.det(x).numpy(), np.linalg.det(x))
    assert linalg.det(x).shape == (4,)
    np.testing.assert_allclose(x @ linalg.inv(x).numpy(), np.broadcast_to(np.eye(3), x.shape), atol=1e-8)
    for fn in (linalg.det, linalg.inv):
        with pytest.raises(ValueError, match="square"):
            fn(RNG.random((4, 3, 4)))
    with pytest.raises(ValueError, match="Singular"):
        linalg.inv(np.zeros((2, 2)))
    assert linalg.det([[1, 2], [3, 4]]).dtype == "float32"  # integers compute in floatx


def test_solve_values_shapes_and_errors():
    a = np.array([[1, 2], [4, 5]], "float32")
    np.testing.assert_allclose(linalg.solve(a, np.array([[2, 4], [8, 10]], "float32")).numpy(), [[2, 0], [0, 2]])
    a, b = RNG.random((4, 3, 3)), RNG.random((4, 3, 5))
    assert linalg.solve(a, b).shape == (4, 3, 5)
    np.testing.assert_allclose(linalg.solve(a, b[..., 0]).numpy(), np.linalg.solve(a, b)[..., 0], atol=1e-10)
    with pytest.raises(ValueError, match="square"):
        linalg.solve(np.zeros((10, 20, 15)), np.zeros((10, 20, 5)))
    with pytest.raises(ValueError, match="rank >= 1"):
        linalg.solve(np.eye(20), np.float32(1))
    with pytest.raises(ValueError, match="incompatible"):
        linalg.solve(np.eye(3), np.zeros((4, 2)))


def test_solve_triangular_reads_one_triangle():
    a = np.array([[1, 2], [0, 5]], "float32")
    b = np.array([2, 10], "float32")
    np.testing.assert_allclose(linalg.solve_triangular(a, b, lower=True).numpy(), [2, 2])
    np.testing.assert_allclose(linalg.solve_triangular(a, b, lower=False).numpy(), [-2, 2])
    np.testing.assert_allclose(linalg.solve_triangular(np.stack([a, a]), np.stack([b, b]), lower=True).numpy(),
                               [[2, 2], [2, 2]])
    assert linalg.solve_triangular(RNG.random((4, 3, 3)), RNG.random((4, 3, 5))).shape == (4, 3, 5)
    with pytest.raises(ValueError):
        linalg.solve_triangular(np.zeros((10, 20, 15)), np.zeros((10, 20, 5)))


@pytest.mark.parametrize("b_rank,rcond", [(1, None), (2, None), (1, 1e-3)])
def test_lstsq_matches_numpy(b_rank, rcond):
    rng = np.random.default_rng(0)
    a = rng.random((5, 7)).astype("float32")
    b = rng.random((5,) if b_rank == 1 else (5, 4)).astype("float32")
    out = linalg.lstsq(a, b, rcond=rcond)
    np.testing.assert_allclose(out.numpy(), np.linalg.lstsq(a, b, rcond=rcond)[0], atol=1e-5)
    with pytest.raises(ValueError, match="rank 2"):
        linalg.lstsq(a[None], b)
    with pytest.raises(ValueError, match="b.shape"):
        linalg.lstsq(a, b[:4])


def test_matrix_rank_power_and_pinv():
    rng = np.random.default_rng(42)
    assert int(linalg.matrix_rank(rng.standard_normal((6, 3)))) == 3
    assert int(linalg.matrix_rank(np.outer(rng.standard_normal(5), rng.standard_normal(4)))) == 1
    np.testing.assert_array_equal(linalg.matrix_rank(rng.standard_normal((2, 3, 3))).numpy(), [3, 3])
    assert int(linalg.matrix_rank(np.array([[1.0, 2.0], [2.0, 4.000001]]), tol=1e-2)) == 1
    with pytest.raises(ValueError):
        linalg.matrix_rank(np.zeros(10))
    x = rng.random((4, 3, 3))
    for n in (3, 0, 1):
        np.testing.assert_allclose(linalg.matrix_power(x, n).numpy(), np.linalg.matrix_power(x, n), atol=1e-12)
    stable = x + 3 * np.eye(3)
    np.testing.assert_allclose(linalg.matrix_power(stable, -2).numpy(), np.linalg.matrix_power(stable, -2), atol=1e-12)
    with pytest.raises(TypeError):
        linalg.matrix_power(x, 3.5)
    with pytest.raises(ValueError):
        linalg.matrix_power(rng.random((4, 3, 2)), 2)
    for shape in ((7, 4), (4, 7), (5, 5), (3, 6, 4)):
        a = rng.standard_normal(shape)
        np.testing.assert_allclose(linalg.pinv(a).numpy(), np.linalg.pinv(a), atol=1e-10)
    with pytest.raises(ValueError):
        linalg.pinv(np.zeros(10))


# --- norm -------------------------------------------------------------------------------
NORM_CASES = list(itertools.product(
    [1, 2], [None, "fro", "nuc", -math.inf, -2, -1, 0, 1, 2, math.inf, 3], [None, 1, -1, (0, 1)], [False, True]))


@pytest.mark.parametrize("ndim,ord,axis,keepdims", NORM_CASES)
def test_norm_matches_numpy_or_refuses_as_keras(ndim, ord, axis, keepdims):
    x = np.random.default_rng(1).random((5,) if ndim == 1 else (5, 6)).astype("float32")
    vector = ndim == 1 or isinstance(axis, int)
    out_of_bounds = ndim == 1 and (axis == 1 or isinstance(axis, tuple))
    if out_of_bounds or (vector and ord in ("fro", "nuc")) or (not vector and ord in (0, 3)):
        with pytest.raises(ValueError):
            linalg.norm(x, ord=ord, axis=axis, keepdims=keepdims)
        return
    out = linalg.norm(x, ord=ord, axis=axis, keepdims=keepdims)
    np.testing.assert_allclose(out.numpy(), np.linalg.norm(x, ord=ord, axis=axis, keepdims=keepdims), atol=1e-5)
    assert out.dtype == "float32"


def test_norm_shapes_dtype_and_bad_ord():
    x = np.zeros((10, 3, 3))
    assert linalg.norm(np.zeros((10, 3))).shape == ()
    assert linalg.norm(x, axis=1).shape == (10, 3)
    assert linalg.norm(x, axis=1, keepdims=True).shape == (10, 1, 3)
    assert linalg.norm(np.arange(9).reshape(3, 3) - 4).dtype == "float32"
    np.testing.assert_allclose(float(linalg.norm(np.arange(9, dtype="float32").reshape(3, 3) - 4)), 7.7459664, rtol=1e-6)
    with pytest.raises(ValueError, match="ord"):
        linalg.norm(x, ord="max")


@pytest.mark.parametrize("ord,axis", [(None, None), (3, 1), (math.inf, 0), ("nuc", None), (2, None),
                                      (-2, (1, 0)), (1, None), (-math.inf, None)])
def test_norm_gradients(ord, axis):
    x = RNG.uniform(0.5, 2.0, size=(4, 3)) * RNG.choice([-1, 1], size=(4, 3))
    check_gradients(lambda t: linalg.norm(t, ord=ord, axis=axis), x)


# --- gradients --------------------------------------------------------------------------
def _sym_input(x):
    """A symmetric positive-definite matrix from any square one, through recorded ops."""
    return ops.matmul(x, ops.transpose(x, (0, 2, 1))) + np.eye(x.shape[-1], dtype=x.data.dtype) * 3


def test_cholesky_gradient():
    gradcheck("cholesky", lambda x: linalg.cholesky(_sym_input(x)), rand(2, 3, 3, seed=1))
    gradcheck("cholesky", lambda x: linalg.cholesky(_sym_input(x), upper=True), rand(1, 3, 3, seed=2))


def test_eigh_gradient_through_values_and_sign_free_vectors():
    def f(x):
        w, v = linalg.eigh(_sym_input(x))
        return w, v * v

    gradcheck("eigh", f, rand(2, 3, 3, seed=3))


@pytest.mark.parametrize("shape,mode", [((5, 3), "reduced"), ((3, 3), "complete"), ((3, 5), "reduced"),
                                        ((2, 4, 4), "reduced"), ((3, 5), "complete")], ids=str)
def test_qr_gradient(shape, mode):
    gradcheck("qr", lambda x: linalg.qr(x, mode=mode), rand(*shape, seed=4))


def test_qr_complete_tall_has_no_gradient():
    x = Tensor(rand(4, 2, seed=5))
    with GradientTape() as tape:
        tape.watch(x)
        total = ops.sum(linalg.qr(x, mode="complete")[0])
    with pytest.raises(NotImplementedError, match="mode='reduced'"):
        tape.gradient(total, x)


@pytest.mark.parametrize("shape,full", [((5, 3), False), ((3, 5), False), ((2, 3, 3), True), ((4, 4), False)],
                         ids=str)
def test_svd_gradient(shape, full):
    def f(x):
        u, s, vh = linalg.svd(x, full_matrices=full)
        return u * u, s, vh * vh

    gradcheck("svd", f, rand(*shape, seed=6))
    gradcheck("singular_values", lambda x: linalg.svd(x, compute_uv=False), rand(*shape, seed=6))


def test_svd_full_matrices_refuses_gradient_of_extra_vectors_only():
    x = Tensor(rand(4, 2, seed=8))
    with GradientTape(persistent=True) as tape:
        tape.watch(x)
        u, s, vh = linalg.svd(x)
        used = ops.sum(s) + ops.sum(ops.square(u[:, :2]))
        extra = ops.sum(u)
    assert tape.gradient(used, x) is not None
    with pytest.raises(NotImplementedError, match="full_matrices=False"):
        tape.gradient(extra, x)


def test_det_inv_solve_gradients():
    gradcheck("det", linalg.det, rand(2, 3, 3, seed=9))
    gradcheck("inv", linalg.inv, spd(2, seed=10))
    a, b = spd(2, seed=11), rand(2, 3, 2, seed=12)
    gradcheck("solve", linalg.solve, a, b)
    gradcheck("solve", linalg.solve, a, b[..., 0])
    gradcheck("solve_triangular", lambda p, q: linalg.solve_triangular(p, q, lower=True), a, b)
    gradcheck("solve_triangular", linalg.solve_triangular, a, b[..., 0])


def test_composites_have_gradients():
    check_gradients(lambda x: linalg.cholesky_inverse(linalg.cholesky(_sym_input(x))), rand(1, 3, 3, seed=13))
    check_gradients(lambda x: linalg.matrix_power(x, -3), spd(seed=14))
    check_gradients(linalg.pinv, rand(4, 3, seed=15))


def test_no_gradient_for_lstsq_eig_and_lu():
    a = Tensor(rand(4, 3, seed=16))
    with GradientTape() as tape:
        tape.watch(a)
        linalg.lstsq(a, np.ones(4))
        linalg.eig(a[:3])
        linalg.lu_factor(a)
    assert not [r for r in tape._records if r[0] in (ops.PRIMITIVES["lstsq"].vjp, ops.PRIMITIVES["eig"].vjp)]
    assert ops.PRIMITIVES["lstsq"].vjp is None and ops.PRIMITIVES["eig"].vjp is None


GRADIENT_CHECKED = {"cholesky", "eigh", "qr", "svd", "singular_values", "det", "inv", "solve", "solve_triangular"}
NOT_DIFFERENTIABLE = {"lstsq", "eig"}
