"""Shape and indexing primitives (gradiente/ops/shape.py): each moves the gradient back to
where every element came from; repeated reads of one element accumulate."""
import numpy as np
import pytest

from gradiente import ops
from gradiente.autodiff import GradientTape, Tensor

from ops_testlib import assert_forward, gradcheck, rand

X = rand(3, 4, seed=21)
X3 = rand(2, 3, 4, seed=22)

# name -> list of (ours on a tensor, NumPy reference on an array, input)
CASES = {
    "reshape": [
        (lambda t: ops.reshape(t, (4, 3)), lambda a: a.reshape(4, 3), X),
        (lambda t: ops.reshape(t, (-1,)), lambda a: a.reshape(-1), X3),
        (lambda t: t.reshape(2, 2, 3), lambda a: a.reshape(2, 2, 3), X),
    ],
    "transpose": [
        (ops.transpose, np.transpose, X3),
        (lambda t: ops.transpose(t, (1, 2, 0)), lambda a: a.transpose(1, 2, 0), X3),
        (lambda t: t.T, lambda a: a.T, X),
    ],
    "expand_dims": [
        (lambda t: ops.expand_dims(t, 0), lambda a: a[None], X),
        (lambda t: ops.expand_dims(t, -1), lambda a: a[..., None], X),
    ],
    "squeeze": [
        (ops.squeeze, np.squeeze, X.reshape(3, 1, 4, 1)),
        (lambda t: ops.squeeze(t, axis=1), lambda a: np.squeeze(a, 1), X.reshape(3, 1, 4, 1)),
    ],
    "broadcast_to": [
        (lambda t: ops.broadcast_to(t, (2, 3, 4)), lambda a: np.broadcast_to(a, (2, 3, 4)), X[:, :1]),
        (lambda t: ops.broadcast_to(t, (3, 4)), lambda a: np.broadcast_to(a, (3, 4)), np.array(0.5)),
    ],
    "_getitem": [
        (lambda t: t[1:, ::-2], lambda a: a[1:, ::-2], X),
        (lambda t: t[-1], lambda a: a[-1], X),
        (lambda t: t[1, 2], lambda a: a[1, 2], X),
        (lambda t: t[None, ..., 1], lambda a: a[None, ..., 1], X3),
        (lambda t: t[np.array([2, 0, 2, 2])], lambda a: a[np.array([2, 0, 2, 2])], X),
        (lambda t: t[np.array([[1, -2], [0, 1]])], lambda a: a[np.array([[1, -2], [0, 1]])], X3),
        (lambda t: t[[0, 0, 1]], lambda a: a[[0, 0, 1]], X),
        (lambda t: t[:, np.array([[1, 1], [3, 0]])], lambda a: a[:, np.array([[1, 1], [3, 0]])], X),
        (lambda t: t[X > 0], lambda a: a[X > 0], X),
        (lambda t: t[Tensor(X[:, 0] > 0)], lambda a: a[X[:, 0] > 0], X),
        (lambda t: t[np.array([0, 2]), 1:3], lambda a: a[np.array([0, 2]), 1:3], X),
    ],
    "take": [
        (lambda t: ops.take(t, np.array([5, 0, 5, 11])), lambda a: np.take(a, [5, 0, 5, 11]), X),
        (lambda t: ops.take(t, np.array([3, 3, -1]), axis=1), lambda a: np.take(a, [3, 3, -1], axis=1), X),
        (lambda t: ops.take(t, np.array([[0, 1], [1, 1]]), axis=0),
         lambda a: np.take(a, [[0, 1], [1, 1]], axis=0), X3),
        # index axes in the middle of the result, repeats and a negative index
        (lambda t: ops.take(t, np.array([[2, -1], [0, 2], [2, 2]]), axis=1),
         lambda a: np.take(a, [[2, -1], [0, 2], [2, 2]], axis=1), X3),
        (lambda t: ops.take(t, np.array([3, -4, 3]), axis=-1), lambda a: np.take(a, [3, -4, 3], axis=-1), X3),
        (lambda t: ops.take(t, np.array([[-1, 0], [-1, 23]])), lambda a: np.take(a, [[-1, 0], [-1, 23]]), X3),
    ],
    "take_along_axis": [
        (lambda t: ops.take_along_axis(t, np.array([[0, 0], [3, 1], [2, 2]]), axis=1),
         lambda a: np.take_along_axis(a, np.array([[0, 0], [3, 1], [2, 2]]), axis=1), X),
    ],
    "pad": [
        (lambda t: ops.pad(t, ((1, 2), (0, 1))), lambda a: np.pad(a, ((1, 2), (0, 1))), X),
        (lambda t: ops.pad(t, 1, constant_values=3.0), lambda a: np.pad(a, 1, constant_values=3.0), X),
        (lambda t: ops.pad(t, ((1, 2), (2, 1)), mode="reflect"),
         lambda a: np.pad(a, ((1, 2), (2, 1)), mode="reflect"), X),
        (lambda t: ops.pad(t, ((2, 0), (3, 1)), mode="symmetric"),
         lambda a: np.pad(a, ((2, 0), (3, 1)), mode="symmetric"), X),
        (lambda t: ops.pad(t, 2, mode="edge"), lambda a: np.pad(a, 2, mode="edge"), X),
        (lambda t: ops.pad(t, ((0, 4), (5, 0)), mode="wrap"),
         lambda a: np.pad(a, ((0, 4), (5, 0)), mode="wrap"), X),
    ],
    "tile": [
        (lambda t: ops.tile(t, 2), lambda a: np.tile(a, 2), X),
        (lambda t: ops.tile(t, (2, 1, 3)), lambda a: np.tile(a, (2, 1, 3)), X),
        (lambda t: ops.tile(t, (2,)), lambda a: np.tile(a, (2,)), X3),
    ],
    "repeat": [
        (lambda t: ops.repeat(t, 2), lambda a: np.repeat(a, 2), X),
        (lambda t: ops.repeat(t, 3, axis=0), lambda a: np.repeat(a, 3, axis=0), X),
        (lambda t: ops.repeat(t, np.array([0, 2, 1, 3]), axis=1),
         lambda a: np.repeat(a, [0, 2, 1, 3], axis=1), X),
    ],
    "flip": [
        (ops.flip, np.flip, X),
        (lambda t: ops.flip(t, axis=1), lambda a: np.flip(a, 1), X3),
    ],
    "moveaxis": [
        (lambda t: ops.moveaxis(t, 0, -1), lambda a: np.moveaxis(a, 0, -1), X3),
        (lambda t: ops.moveaxis(t, [0, 1], [2, 0]), lambda a: np.moveaxis(a, [0, 1], [2, 0]), X3),
    ],
    "cast": [
        (lambda t: ops.cast(t, "float32"), lambda a: a.astype(np.float32), X),
        (lambda t: t.astype("float64"), lambda a: a, X),
    ],
    "_concatenate": [
        (lambda t: ops.concatenate([t, t[:, :2], ops.square(t)], axis=1),
         lambda a: np.concatenate([a, a[:, :2], a**2], axis=1), X),
        (lambda t: ops.concatenate([t, t], axis=-3), lambda a: np.concatenate([a, a]), X3),
    ],
    "_stack": [
        (lambda t: ops.stack([t, 2 * t]), lambda a: np.stack([a, 2 * a]), X),
        (lambda t: ops.stack([t, t[::-1]], axis=-1), lambda a: np.stack([a, a[::-1]], axis=-1), X),
    ],
}
CASE_IDS = [(name, i) for name in sorted(CASES) for i in range(len(CASES[name]))]


@pytest.mark.parametrize("name,i", CASE_IDS, ids=[f"{n}-{i}" for n, i in CASE_IDS])
def test_shape_op_forward_and_gradient(name, i):
    ours, reference, x = CASES[name][i]
    # The float32 cast rounds: compare at float32 resolution.
    assert_forward(ours, reference, x, rtol=1e-6)
    if name == "cast":
        # Linear, so a large step is exact; the float64 case is meant to leave float32.
        gradcheck(name, ours, x, eps=1e-2, rtol=1e-3, atol=1e-3, keeps_float32=(i == 0))
    else:
        gradcheck(name, ours, x)


def test_getitem_repeated_indices_accumulate():
    x = Tensor(np.arange(4.0))
    with GradientTape() as tape:
        tape.watch(x)
        y = x[np.array([1, 1, 3, 1])]
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), [0, 3, 0, 1])


def test_getitem_with_list_of_tensors_and_tensor_index():
    x = Tensor(np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(x[Tensor(np.array(1))].numpy(), [3, 4, 5])
    np.testing.assert_array_equal(ops.getitem(x, (0, Tensor(np.array([2, 0])))).numpy(), [2, 0])


def test_split_composite():
    x = rand(6, 2, seed=23)
    parts = ops.split(Tensor(x), 3)
    for got, want in zip(parts, np.split(x, 3)):
        np.testing.assert_array_equal(got.numpy(), want)
    parts = ops.split(Tensor(x), [1, 4], axis=0)
    assert [p.shape for p in parts] == [(1, 2), (3, 2), (2, 2)]
    gradcheck("_getitem", lambda t: [p * k for k, p in enumerate(ops.split(t, 2, axis=1))], x)
    with pytest.raises(ValueError, match="split"):
        ops.split(Tensor(x), 4)


def test_cast_to_integer_has_no_gradient():
    x = Tensor(np.array([1.5, 2.5]))
    with GradientTape() as tape:
        tape.watch(x)
        y = ops.cast(x, "int32")
        z = ops.cast(y, "float64") * x
    assert y.dtype == np.int32
    np.testing.assert_array_equal(tape.gradient(z, x).numpy(), [1.0, 2.0])


def test_cast_gradient_keeps_source_dtype():
    x = Tensor(np.array([1.5, 2.5], dtype=np.float32))
    with GradientTape() as tape:
        tape.watch(x)
        y = ops.cast(x, "float64") * 2.0
    g = tape.gradient(y, x)
    assert g.dtype == np.float32
    np.testing.assert_array_equal(g.numpy(), [2.0, 2.0])


def test_reshape_error_names_both_shapes():
    with pytest.raises(ValueError, match=r"reshape.*\(3, 4\).*12 elements.*\(5, 2\)"):
        ops.reshape(Tensor(X), (5, 2))


def test_like_constructors_and_shape_helpers():
    t = Tensor(X.astype(np.float32))
    assert ops.zeros_like(t).dtype == np.float32 and not ops.zeros_like(t).numpy().any()
    assert ops.ones_like(t, dtype="int32").dtype == np.int32
    np.testing.assert_array_equal(ops.full_like(t, 7.0).numpy(), np.full((3, 4), 7.0))
    assert ops.shape(t) == (3, 4) and ops.ndim(t) == 2 and ops.size(t) == 12


GRADIENT_CHECKED = set(CASES)
NOT_DIFFERENTIABLE = set()
