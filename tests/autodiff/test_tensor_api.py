"""Tensor: operators (forward against NumPy, gradients against finite differences),
inspection, conversion to NumPy, len and iteration."""
import numpy as np
import pytest

from gradiente import ops
from gradiente.autodiff import GradientTape, Tensor, Variable, convert_to_tensor, to_array
from gradiente.testing import check_gradients

A = np.array([[1.5, -2.0, 3.0], [0.5, 4.0, -1.0]])
B = np.array([2.0, -3.0, 0.7])

OPERATORS = {
    "+": (lambda x, y: x + y),
    "-": (lambda x, y: x - y),
    "*": (lambda x, y: x * y),
    "/": (lambda x, y: x / y),
    "//": (lambda x, y: x // y),
    "%": (lambda x, y: x % y),
    "**": (lambda x, y: abs(x) ** y),
    "==": (lambda x, y: x == y),
    "!=": (lambda x, y: x != y),
    "<": (lambda x, y: x < y),
    "<=": (lambda x, y: x <= y),
    ">": (lambda x, y: x > y),
    ">=": (lambda x, y: x >= y),
}


@pytest.mark.parametrize("symbol", sorted(OPERATORS))
def test_binary_operators_match_numpy(symbol):
    f = OPERATORS[symbol]
    want = f(A, B)
    for got in (f(Tensor(A), Tensor(B)), f(Tensor(A), B), f(A, Tensor(B))):
        assert isinstance(got, Tensor)
        np.testing.assert_array_equal(got.numpy(), want)
        assert got.dtype == want.dtype
    np.testing.assert_array_equal(f(Tensor(A), 2.0).numpy(), f(A, 2.0))
    np.testing.assert_array_equal(f(2.0, Tensor(A)).numpy(), f(2.0, A))


def test_matmul_and_unary_operators():
    np.testing.assert_array_equal((Tensor(A) @ Tensor(B)).numpy(), A @ B)
    np.testing.assert_array_equal((A.T @ Tensor(A)).numpy(), A.T @ A)
    np.testing.assert_array_equal((-Tensor(A)).numpy(), -A)
    np.testing.assert_array_equal(abs(Tensor(A)).numpy(), np.abs(A))
    t = Tensor(A)
    assert +t is t


def test_operator_gradients():
    def f(x, y):
        return ((x + y) * x - y / x) ** 2 + (x - 1.0) % 1.7 - 2.0 / (1.0 + x * x) + (x @ y)[:, None] - (-x)

    check_gradients(f, A, B)


def test_floor_divide_has_no_gradient():
    x = Variable(np.array([3.5, -1.5]))
    with GradientTape() as tape:
        y = x // 2.0
    np.testing.assert_array_equal(y.numpy(), [1.0, -1.0])
    assert tape.gradient(y, x) is None


def test_indexing_and_slicing_are_differentiable():
    check_gradients(lambda x: x[0, 1:] * x[1, ::-1][:2] + x[:, 0].sum() + x[x > 0].sum(), A)
    t = Tensor(A)
    np.testing.assert_array_equal(t[1].numpy(), A[1])
    np.testing.assert_array_equal(t[..., -1].numpy(), A[..., -1])
    np.testing.assert_array_equal(t[[1, 0, 1]].numpy(), A[[1, 0, 1]])


def test_inspection():
    t = Tensor(A.astype(np.float32))
    assert t.shape == (2, 3) and t.ndim == 2 and t.size == 6 and t.dtype == np.float32
    assert t.numpy() is t.data
    assert len(t) == 2
    assert "shape=(2, 3)" in repr(t) and "float32" in repr(t)
    assert str(Tensor(np.array([1.0]))) == "[1.]"


def test_iteration_yields_rows_and_is_differentiable():
    t = Tensor(A)
    rows = list(t)
    assert len(rows) == 2 and all(isinstance(r, Tensor) for r in rows)
    np.testing.assert_array_equal(rows[1].numpy(), A[1])
    check_gradients(lambda x: sum(r * (i + 1) for i, r in enumerate(x)), A)


def test_zero_dimensional_tensor():
    t = Tensor(np.array(2.5))
    assert float(t) == 2.5 and int(t) == 2 and bool(t)
    assert [0, 1, 2, 3][Tensor(np.array(3))] == 3  # __index__
    with pytest.raises(TypeError, match="len"):
        len(t)
    with pytest.raises(TypeError, match="iteration"):
        iter(t).__next__()


def test_numpy_interoperation():
    t = Tensor(A)
    assert np.asarray(t) is A
    assert np.asarray(t, dtype=np.float32).dtype == np.float32
    copied = np.array(t, copy=True)
    copied[0, 0] = 99.0
    assert A[0, 0] == 1.5
    np.testing.assert_array_equal(np.sum(np.asarray(t)), A.sum())
    # NumPy arrays on the left defer to the tensor, so the tape can see the op.
    assert isinstance(np.ones(3) + Tensor(B), Tensor)


def test_convenience_methods():
    t = Tensor(A)
    np.testing.assert_array_equal(t.T.numpy(), A.T)
    np.testing.assert_array_equal(t.reshape(3, 2).numpy(), A.reshape(3, 2))
    np.testing.assert_array_equal(t.reshape((6,)).numpy(), A.reshape(6))
    np.testing.assert_allclose(t.sum(axis=0).numpy(), A.sum(axis=0))
    np.testing.assert_allclose(t.mean(keepdims=True).numpy(), A.mean(keepdims=True))
    assert t.astype("int32").dtype == np.int32


def test_convert_to_tensor():
    t = Tensor(A)
    assert convert_to_tensor(t) is t
    assert convert_to_tensor(t, dtype="float32").dtype == np.float32
    assert convert_to_tensor([1, 2]).dtype.kind == "i"
    assert convert_to_tensor(np.float64(2.0)).dtype == np.float64  # NumPy scalars keep theirs
    assert to_array(t) is A
    with pytest.raises(TypeError, match="Cannot convert"):
        convert_to_tensor([object()])


def test_ops_accept_plain_arrays_and_return_tensors():
    out = ops.add(A, 1.0)
    assert isinstance(out, Tensor)
    np.testing.assert_array_equal(out.numpy(), A + 1.0)
