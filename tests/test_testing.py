"""gradiente.testing.check_gradients: passes on correct gradients, and names the input,
the element and both values when a VJP is wrong."""
import re

import numpy as np
import pytest

from gradiente import ops
from gradiente.autodiff import Tensor, Variable
from gradiente.ops import PRIMITIVES, primitive
from gradiente.testing import GradientCheckError, check_gradients


@pytest.fixture
def throwaway_primitive():
    """Register primitives for one test and remove them from the table afterwards."""
    names = []

    def register(forward, vjp):
        op = primitive(forward)
        op.defvjp(vjp)
        names.append(op.op_name)
        return op

    yield register
    for name in names:
        PRIMITIVES.pop(name, None)


def test_passes_on_correct_gradients_and_returns_the_largest_difference():
    x = np.array([[0.5, -1.0], [2.0, 0.3]])
    # x.T is Fortran-ordered: the check must still perturb its elements one by one.
    largest = check_gradients(lambda a, b: ops.tanh(a @ b) * a, x, x.T)
    assert 0.0 <= largest < 1e-6


def test_wrong_vjp_is_reported_with_input_index_and_both_values(throwaway_primitive):
    def cube_wrong(x):
        return x**3

    def wrong_vjp(g, ans, needs, x):
        grad = 3 * x * x
        grad.flat[4] += 1.0  # one wrong element, at index (1, 1)
        return (g * grad,)

    op = throwaway_primitive(cube_wrong, wrong_vjp)
    x = np.arange(1.0, 7.0).reshape(2, 3) / 4
    with pytest.raises(GradientCheckError) as info:
        check_gradients(lambda a: op(a), x, seed=3)
    message = str(info.value)
    assert "input 0" in message and "index (1, 1)" in message
    values = [float(v) for v in re.findall(r"gives? (-?[\d.e+-]+)", message)]
    # The check weights the output with fixed random numbers; recompute them to know both.
    weight = np.random.default_rng(3).standard_normal((2, 3))[1, 1]
    true = weight * 3 * x[1, 1] ** 2
    assert values[0] == pytest.approx(true + weight, rel=1e-6)
    assert values[1] == pytest.approx(true, rel=1e-5)


def test_wrong_gradient_for_second_input_and_for_a_variable(throwaway_primitive):
    def scaled_product(x, y):
        return x * y

    def half_wrong(g, ans, needs, x, y):
        return g * y, g * x * 2  # y's gradient is doubled

    op = throwaway_primitive(scaled_product, half_wrong)
    with pytest.raises(GradientCheckError, match="input 1 at index"):
        check_gradients(op, np.array([1.0, 2.0]), np.array([3.0, 4.0]))
    w = Variable(np.array([3.0, 4.0], dtype=np.float32), name="w")
    with pytest.raises(GradientCheckError, match="variable 'w' at index"):
        check_gradients(lambda a: op(a, w), np.array([1.0, 2.0]), variables=[w])
    assert w.dtype == np.float32  # restored after the float64 check


def test_variables_are_checked_in_float64_and_restored():
    w = Variable(np.array([[0.5, -0.2], [0.1, 0.4]], dtype=np.float32), name="kernel")
    original = w.data
    seen = []

    def f(x):
        seen.append(w.dtype)
        return ops.sigmoid(x @ w)

    check_gradients(f, np.array([[1.0, 2.0]]), variables=[w])
    assert seen and all(dtype == np.float64 for dtype in seen)
    assert w.data is original


def test_integer_inputs_are_passed_through_unchanged():
    labels = np.array([1, 0])
    check_gradients(ops.sparse_softmax_cross_entropy, np.array([[0.2, 0.9], [1.5, -0.3]]), labels)


def test_bad_calls():
    with pytest.raises(ValueError, match="no floating-point input"):
        check_gradients(lambda i: ops.cast(i, "float64"), np.array([1, 2]))
    with pytest.raises(TypeError, match="variables= expects Variables"):
        check_gradients(lambda x: x, np.ones(2), variables=[Tensor(np.ones(2))])
    with pytest.raises(ValueError, match="returned no tensor"):
        check_gradients(lambda x: None, np.ones(2))
