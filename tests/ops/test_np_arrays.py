"""Array creation, joining/splitting, matrix-structure and sorting functions
(ops/creation.py, joining.py, matrices.py, sorting.py) and the fixes to pad, reshape,
split and where: Keras's values, dtypes and errors."""
import numpy as np
import pytest

from gradiente import backend, ops

from ops_testlib import assert_forward, assert_not_recorded, gradcheck, rand
from gradiente.testing import check_gradients


def test_creation_values_and_dtypes():
    assert ops.full((2, 3), 7).dtype == "float32" and float(ops.full((2,), 7)[0]) == 7.0
    assert ops.full((2,), 1, dtype="int32").dtype == "int32"
    np.testing.assert_array_equal(ops.eye(3, 4, k=1).numpy(), np.eye(3, 4, k=1))
    np.testing.assert_array_equal(ops.identity(3).numpy(), np.identity(3))
    np.testing.assert_array_equal(ops.tri(3, 4, k=-1).numpy(), np.tri(3, 4, k=-1))
    assert ops.eye(2).dtype == ops.tri(2).dtype == ops.identity(2).dtype == "float32"
    assert ops.arange(5).dtype == "int32" and ops.arange(1.0, 3).dtype == "float32"
    np.testing.assert_array_equal(ops.arange(1, 10, 3).numpy(), [1, 4, 7])
    assert ops.arange(0, 5, dtype="float16").dtype == "float16"
    np.testing.assert_allclose(ops.linspace(0, 1, 5).numpy(), np.linspace(0, 1, 5))
    np.testing.assert_allclose(ops.linspace(0, 1, 4, endpoint=False).numpy(), [0, 0.25, 0.5, 0.75])
    values, step = ops.linspace(0, 10, 6, retstep=True)
    assert float(step) == 2.0
    np.testing.assert_allclose(ops.linspace(np.zeros(2), np.ones(2), 3, axis=1).numpy(),
                               np.linspace(np.zeros(2), np.ones(2), 3, axis=1))
    np.testing.assert_allclose(ops.logspace(0, 2, 3).numpy(), [1, 10, 100], rtol=1e-6)
    np.testing.assert_allclose(ops.logspace(0, 3, 4, base=2).numpy(), [1, 2, 4, 8])
    np.testing.assert_allclose(ops.geomspace(1, 1000, 4).numpy(), [1, 10, 100, 1000], rtol=1e-5)
    assert ops.array([1, 2]).dtype == "int32" and ops.array([1.0, 2]).dtype == "float32"
    assert ops.array(np.array([1.0]), dtype="float16").dtype == "float16"
    assert ops.empty((2, 3)).shape == (2, 3) and ops.empty_like(np.ones(2, "int8")).dtype == "int8"
    with pytest.raises(ValueError, match="arange.*step"):
        ops.arange(0, 3, 0)
    with pytest.raises(ValueError, match="eye"):
        ops.eye(-1)


def test_creation_follows_floatx():
    backend.set_floatx("float64")
    try:
        assert ops.eye(2).dtype == "float64" and ops.linspace(0, 1, 3).dtype == "float64"
        assert ops.hamming(4).dtype == "float64"
    finally:
        backend.set_floatx("float32")


@pytest.mark.parametrize("name", ["bartlett", "blackman", "hamming", "hanning"])
def test_windows(name):
    np.testing.assert_allclose(getattr(ops, name)(7).numpy(), getattr(np, name)(7), rtol=1e-6, atol=1e-7)
    assert getattr(ops, name)(7).dtype == "float32"


def test_kaiser_window():
    np.testing.assert_allclose(ops.kaiser(6, 2.5).numpy(), np.kaiser(6, 2.5), rtol=1e-6)


def test_pad_keras_rules():
    x = (np.arange(6).reshape(2, 3) % 5).astype("int32")
    widths = ((1, 1), (2, 2))
    out = ops.pad(x, widths, mode="constant", constant_values=None)
    np.testing.assert_array_equal(out.numpy(), np.pad(x, widths))  # zeros, not NaN
    assert out.dtype == "int32"
    np.testing.assert_array_equal(ops.pad(x, widths, constant_values=2).numpy(), np.pad(x, widths, constant_values=2))
    for mode in ("reflect", "symmetric"):
        np.testing.assert_array_equal(ops.pad(x, widths, mode=mode).numpy(), np.pad(x, widths, mode=mode))
        for value in (0, 2):
            with pytest.raises(ValueError, match="`constant_values` can only be provided when `mode == 'constant'`"):
                ops.pad(x, widths, mode=mode, constant_values=value)
    x5 = np.ones((2, 3, 4, 5, 6), "uint8")
    w5 = ((0, 0), (0, 0), (2, 3), (1, 1), (1, 1))
    np.testing.assert_array_equal(ops.pad(x5, w5, mode="symmetric").numpy(), np.pad(x5, w5, mode="symmetric"))
    with pytest.raises(ValueError, match="mode"):
        ops.pad(x, widths, mode="mirror")


def test_reshape_refuses_invalid_shapes():
    x = np.zeros(20, "float32")
    with pytest.raises(ValueError, match=r"non-negative integer.*-1.*newshape=\(-2, 5\)"):
        ops.reshape(x, (-2, 5))
    with pytest.raises(ValueError, match=r"at most one unknown dimension.*newshape=\(-1, -1, 5\)"):
        ops.reshape(x, (-1, -1, 5))
    with pytest.raises(ValueError, match="cannot reshape"):
        ops.reshape(x, (3, 7))
    assert ops.reshape(x, (-1, 5)).shape == (4, 5)


def test_split_variants():
    x = np.array([[1, 2, 3], [3, 2, 1]])
    assert len(ops.split(np.ones((0,)), 2)) == 2
    assert [p.shape for p in ops.split(x, ops.array([1, 2]), axis=1)] == [(2, 1), (2, 1), (2, 1)]
    with pytest.raises(ValueError):
        ops.split(x, 3)
    y = np.arange(10.0)
    for got, want in zip(ops.array_split(y, 3), np.array_split(y, 3)):
        np.testing.assert_array_equal(got.numpy(), want)
    z = np.arange(24.0).reshape(2, 3, 4)
    for ours, theirs, arg in [(ops.hsplit, np.hsplit, 3), (ops.vsplit, np.vsplit, 2), (ops.dsplit, np.dsplit, [1, 3])]:
        for got, want in zip(ours(z, arg), theirs(z, arg)):
            np.testing.assert_array_equal(got.numpy(), want)
    assert [t.shape for t in ops.unstack(z, axis=1)] == [(2, 4)] * 3
    with pytest.raises(ValueError, match="num"):
        ops.unstack(z, num=5)


def test_stacking_variants_match_numpy_and_differentiate():
    a, b = rand(3, seed=1), rand(3, seed=2)
    m, n = rand(2, 3, seed=3), rand(2, 3, seed=4)
    for ours, theirs in [(ops.hstack, np.hstack), (ops.vstack, np.vstack), (ops.dstack, np.dstack),
                         (ops.column_stack, np.column_stack)]:
        for xs in ([a, b], [m, n]):
            np.testing.assert_allclose(ours(xs).numpy(), theirs(xs))
        check_gradients(lambda p, q: ours([p, q]), m, n)
    np.testing.assert_allclose(ops.append(m, a).numpy(), np.append(m, a))
    np.testing.assert_allclose(ops.append(m, n, axis=1).numpy(), np.append(m, n, axis=1))


def test_where_with_condition_only():
    cond = np.array([[0, 1, 2], [3, 0, 0]])
    got = ops.where(cond)
    assert isinstance(got, tuple) and all(t.dtype == "int32" for t in got)
    for g, w in zip(got, np.nonzero(cond)):
        np.testing.assert_array_equal(g.numpy(), w)
    with pytest.raises(ValueError, match="both"):
        ops.where(cond, 1)


MATRIX = {
    "diagonal": (lambda t: ops.diagonal(t, offset=1, axis1=1, axis2=2), lambda a: np.diagonal(a, 1, 1, 2), (2, 3, 4)),
    "_diag_matrix": (lambda t: ops.diag(t, k=-1), lambda a: np.diag(a, k=-1), (3,)),
    "roll": (lambda t: ops.roll(t, (1, -2), axis=(0, 1)), lambda a: np.roll(a, (1, -2), axis=(0, 1)), (3, 4)),
    "sort": (lambda t: ops.sort(t, axis=0), lambda a: np.sort(a, axis=0), (4, 3)),
}


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_structure_primitives(name):
    op, reference, shape = MATRIX[name]
    x = rand(*shape, seed=7)
    assert_forward(op, reference, x)
    gradcheck(name, op, x)


def test_sort_flat_and_roll_flat():
    x = rand(3, 4, seed=8)
    assert_forward(lambda t: ops.sort(t, axis=None), lambda a: np.sort(a, axis=None), x)
    gradcheck("sort", lambda t: ops.sort(t, axis=None), x)
    assert_forward(lambda t: ops.roll(t, 5), lambda a: np.roll(a, 5), x)
    with pytest.raises(ValueError):
        ops.roll(x, [1, 2, 3], axis=[0, 1])
    with pytest.raises(ValueError, match="axis 10 is out of bounds"):
        ops.sort(x, axis=10)


COMPOSITES = [
    (lambda t: ops.diag(t), np.diag, (3, 3)),
    (lambda t: ops.diagflat(t, 1), lambda a: np.diagflat(a, 1), (2, 2)),
    (lambda t: ops.trace(t, offset=1), lambda a: np.trace(a, offset=1), (3, 4)),
    (lambda t: ops.tril(t, -1), lambda a: np.tril(a, -1), (2, 3, 4)),
    (lambda t: ops.triu(t, 1), lambda a: np.triu(a, 1), (3, 4)),
    (lambda t: ops.diff(t, n=2, axis=0), lambda a: np.diff(a, n=2, axis=0), (5, 3)),
    (lambda t: ops.trapezoid(t), lambda a: np.trapezoid(a), (3, 5)),
    (lambda t: ops.trapezoid(t, dx=0.5, axis=0), lambda a: np.trapezoid(a, dx=0.5, axis=0), (3, 5)),
    (lambda t: ops.swapaxes(t, 0, 2), lambda a: np.swapaxes(a, 0, 2), (2, 3, 4)),
    (lambda t: ops.rot90(t), np.rot90, (2, 3)),
    (lambda t: ops.rot90(t, k=3, axes=(1, 2)), lambda a: np.rot90(a, 3, (1, 2)), (2, 3, 4)),
    (lambda t: ops.rot90(t, k=2), lambda a: np.rot90(a, 2), (2, 3)),
    (ops.fliplr, np.fliplr, (2, 3)),
    (ops.flipud, np.flipud, (2, 3)),
    (ops.ravel, np.ravel, (2, 3)),
    (lambda t: ops.vander(t, 4), lambda a: np.vander(a, 4), (3,)),
    (lambda t: ops.vander(t, increasing=True), lambda a: np.vander(a, increasing=True), (3,)),
]


@pytest.mark.parametrize("case", range(len(COMPOSITES)))
def test_structure_compositions(case):
    op, reference, shape = COMPOSITES[case]
    x = rand(*shape, seed=case)
    assert_forward(op, reference, x)
    check_gradients(op, x)


@pytest.mark.parametrize("shapes", [((3,), (4,)), ((2, 3), (2, 2)), ((2,), (3, 2))], ids=str)
def test_products(shapes):
    a, b = rand(*shapes[0], seed=1), rand(*shapes[1], seed=2)
    for ours, theirs in [(ops.outer, np.outer), (ops.kron, np.kron)]:
        assert_forward(ours, theirs, a, b)
        check_gradients(ours, a, b)
    c = rand(*shapes[0], seed=3)
    assert_forward(ops.vdot, np.vdot, a, c)
    assert_forward(ops.inner, np.inner, a, c)
    check_gradients(ops.vdot, a, c)


def test_cross_and_correlate():
    a, b = rand(4, 3, seed=1), rand(4, 3, seed=2)
    assert_forward(ops.cross, np.cross, a, b)
    check_gradients(ops.cross, a, b)
    assert_forward(ops.cross, lambda p, q: np.cross(p, q), a, rand(4, 2, seed=3) @ np.eye(2, 3))
    np.testing.assert_allclose(ops.cross(a[:, :2], b[:, :2]).numpy(),
                               a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0])
    with pytest.raises(ValueError, match="2- or 3-vectors"):
        ops.cross(rand(4, seed=1), rand(4, seed=2))
    for n in (1, 2, 3, 5):
        for m in (1, 2, 4):
            x, v = rand(n, seed=n), rand(m, seed=m + 10)
            for mode in ("valid", "same", "full"):
                np.testing.assert_allclose(ops.correlate(x, v, mode).numpy(), np.correlate(x, v, mode), atol=1e-12)
    check_gradients(lambda p, q: ops.correlate(p, q, "same"), rand(5, seed=1), rand(3, seed=2))
    assert ops.correlate(np.array([1, 2, 3]), np.array([0, 1, 0])).dtype == "float32"


def test_select_meshgrid_unravel():
    x = np.arange(6.0)
    got = ops.select([x < 3, x > 3], [x, x ** 2], default=42)
    np.testing.assert_allclose(got.numpy(), np.select([x < 3, x > 3], [x, x ** 2], 42))
    check_gradients(lambda t: ops.select([x < 3], [t]), x + 0.5)
    with pytest.raises(ValueError):
        ops.select([x < 3], [x, x])
    a, b = np.arange(3.0), np.arange(4.0)
    for indexing in ("xy", "ij"):
        for got, want in zip(ops.meshgrid(a, b, indexing=indexing), np.meshgrid(a, b, indexing=indexing)):
            np.testing.assert_array_equal(got.numpy(), want)
    for got, want in zip(ops.unravel_index(np.array([1, 5, 7]), (2, 4)), np.unravel_index([1, 5, 7], (2, 4))):
        np.testing.assert_array_equal(got.numpy(), want)


SEARCH = {
    "argpartition": (lambda t: ops.argpartition(t, 2), lambda a: np.argpartition(a, 2).astype(np.int32)),
    "searchsorted": (lambda t: ops.searchsorted(np.array([0.0, 0.5, 1.0]), t, side="right"),
                     lambda a: np.searchsorted([0.0, 0.5, 1.0], a, side="right").astype(np.int32)),
    "digitize": (lambda t: ops.digitize(t, np.array([-1.0, 0.0, 1.0])),
                 lambda a: np.digitize(a, [-1.0, 0.0, 1.0]).astype(np.int32)),
    "count_nonzero": (lambda t: ops.count_nonzero(ops.round(t), axis=0),
                      lambda a: np.count_nonzero(np.round(a), axis=0).astype(np.int32)),
}


@pytest.mark.parametrize("name", sorted(SEARCH))
def test_searching(name):
    op, reference = SEARCH[name]
    x = rand(5, seed=4) if name != "count_nonzero" else rand(4, 3, seed=4)
    if name == "argpartition":  # only the partition property is fixed, not the order
        idx = op(x).numpy()
        assert idx.dtype == np.int32 and (np.sort(x)[2] == x[idx[2]])
    else:
        assert_forward(op, reference, x)
    assert_not_recorded(op, x)
    assert ops.PRIMITIVES[name].vjp is None


def test_searchsorted_needs_1d_and_unique():
    with pytest.raises(ValueError, match="1-D"):
        ops.searchsorted(np.ones((2, 2)), np.ones(2))
    assert ops.count_nonzero(np.array([0, 1, 2])).dtype == "int32"
    values, counts = ops.unique(np.array([3, 1, 1, 2]), return_counts=True, size=5)
    np.testing.assert_array_equal(values.numpy(), [1, 2, 3, 0, 0])
    np.testing.assert_array_equal(counts.numpy(), [2, 1, 1, 0, 0])
    np.testing.assert_array_equal(ops.unique(np.array([3, 1, 1, 2]), size=2).numpy(), [1, 2])


GRADIENT_CHECKED = set(MATRIX)
NOT_DIFFERENTIABLE = set(SEARCH)
