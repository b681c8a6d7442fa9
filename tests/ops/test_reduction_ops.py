"""Reductions (gradiente/ops/reduction.py) over every axis, with and without keepdims."""
import numpy as np
import pytest

from gradiente import ops
from gradiente.autodiff import GradientTape, Tensor

from ops_testlib import assert_forward, assert_not_recorded, gradcheck, rand


def _logsumexp(a, axis=None, keepdims=False):
    # Direct definition; fine for the moderate values used here.
    return np.log(np.sum(np.exp(a), axis=axis, keepdims=keepdims))


REDUCTIONS = {
    "sum": (ops.sum, np.sum),
    "mean": (ops.mean, np.mean),
    "max": (ops.max, np.max),
    "min": (ops.min, np.min),
    "logsumexp": (ops.logsumexp, _logsumexp),
    "prod": (ops.prod, np.prod),
}
AXES = [None, 0, 1, 2, -1, (0, 2), [1, 2]]


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("axis", AXES, ids=str)
@pytest.mark.parametrize("name", sorted(REDUCTIONS))
def test_reduction_forward_and_gradient(name, axis, keepdims):
    op, reference = REDUCTIONS[name]
    # Continuous random values: no ties, so max/min are differentiable here.
    x = rand(2, 3, 4, seed=hash(name) % 100)
    np_axis = tuple(axis) if isinstance(axis, list) else axis

    def ours(t):
        return op(t, axis=axis, keepdims=keepdims)

    assert_forward(ours, lambda a: reference(a, axis=np_axis, keepdims=keepdims), x)
    gradcheck(name, ours, x)


@pytest.mark.parametrize("name", sorted(REDUCTIONS))
def test_reduction_of_a_scalar(name):
    op, reference = REDUCTIONS[name]
    assert_forward(op, reference, np.array(1.5))
    gradcheck(name, op, np.array(1.5))


def test_aliases():
    assert ops.amax is ops.max and ops.amin is ops.min


def test_max_splits_gradient_between_ties():
    x = Tensor(np.array([[1.0, 3.0, 3.0], [2.0, 0.0, -1.0]]))
    with GradientTape() as tape:
        tape.watch(x)
        y = ops.max(x, axis=1)
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), [[0, 0.5, 0.5], [1, 0, 0]])


def test_prod_gradient_with_zeros():
    x = np.array([[2.0, 0.0, 3.0], [0.0, 0.0, 1.5], [1.0, 2.0, 4.0]])
    gradcheck("prod", lambda t: ops.prod(t, axis=1), x)
    gradcheck("prod", ops.prod, x)


@pytest.mark.parametrize("axis", [None, 0, 1, -1])
def test_cumsum(axis):
    x = rand(3, 4, seed=11)
    assert_forward(lambda t: ops.cumsum(t, axis=axis), lambda a: np.cumsum(a, axis=axis), x)
    gradcheck("cumsum", lambda t: ops.cumsum(t, axis=axis), x)


@pytest.mark.parametrize("axis", [None, 0, 1, -1])
@pytest.mark.parametrize("keepdims", [False, True])
def test_var_and_std_composites(axis, keepdims):
    x = rand(3, 4, seed=12)
    assert_forward(lambda t: ops.var(t, axis, keepdims), lambda a: np.var(a, axis, keepdims=keepdims), x)
    assert_forward(lambda t: ops.std(t, axis, keepdims), lambda a: np.std(a, axis, keepdims=keepdims), x)
    gradcheck("mean", lambda t: ops.var(t, axis, keepdims), x)
    gradcheck("sqrt", lambda t: ops.std(t, axis, keepdims), x)


def test_logsumexp_gradient_is_softmax():
    x = Tensor(rand(2, 5, seed=13))
    with GradientTape() as tape:
        tape.watch(x)
        y = ops.logsumexp(x, axis=-1)
    e = np.exp(x.numpy())
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), e / e.sum(-1, keepdims=True))


def test_bad_axis_names_the_op():
    with pytest.raises(ValueError, match="sum.*axis 2"):
        ops.sum(Tensor(np.zeros((2, 3))), axis=2)
    with pytest.raises(ValueError, match="mean.*axis -3"):
        ops.mean(Tensor(np.zeros((2, 3))), axis=-3)


# Indices are int32, as Keras returns them (NumPy's are int64).
NO_GRADIENT = {
    "argmax": (ops.argmax, lambda a, axis: np.argmax(a, axis=axis).astype(np.int32)),
    "argmin": (ops.argmin, lambda a, axis: np.argmin(a, axis=axis).astype(np.int32)),
    "argsort": (ops.argsort, lambda a, axis: np.argsort(a, axis=axis, kind="stable").astype(np.int32)),
}


@pytest.mark.parametrize("axis", [0, 1, -1])
@pytest.mark.parametrize("name", sorted(NO_GRADIENT))
def test_arg_functions_forward_and_no_gradient(name, axis):
    op, reference = NO_GRADIENT[name]
    assert ops.PRIMITIVES[name].vjp is None
    x = np.array([[3.0, 1.0, 1.0, 2.0], [0.0, 5.0, -1.0, 5.0]])
    assert_forward(lambda t: op(t, axis=axis), lambda a: reference(a, axis=axis), x)
    assert_not_recorded(lambda t: op(t, axis=axis), x)


def test_argmax_flat_and_keepdims():
    x = Tensor(np.array([[3.0, 9.0], [7.0, 1.0]]))
    assert int(ops.argmax(x)) == 1
    assert ops.argmax(x, axis=1, keepdims=True).shape == (2, 1)


GRADIENT_CHECKED = set(REDUCTIONS) | {"cumsum"}
NOT_DIFFERENTIABLE = set(NO_GRADIENT)
