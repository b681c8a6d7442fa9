"""Elementwise primitives (gradiente/ops/arithmetic.py): forward against NumPy, gradients against
finite differences, broadcasting, and the piecewise-constant ops' (absent) gradients."""
import math

import numpy as np
import pytest

from gradiente import ops
from gradiente.autodiff import GradientTape, Tensor

from ops_testlib import assert_forward, assert_not_recorded, gradcheck, nonzero, rand

# --- binary ops ----------------------------------------------------------------------
# name -> (op, NumPy reference, make x, make y); inputs chosen away from the op's kinks.
def _positive(shape, seed):
    return rand(*shape, seed=seed, low=0.5, high=2.0)


def _mod_x(shape, seed):
    # x / y = k + f with f in [0.2, 0.8]: far from mod's jumps for y from _positive.
    rng = np.random.default_rng(seed)
    return rng.integers(-3, 3, size=shape) + rng.uniform(0.2, 0.8, size=shape)


BINARY = {
    "add": (ops.add, np.add, rand, rand),
    "subtract": (ops.subtract, np.subtract, rand, rand),
    "multiply": (ops.multiply, np.multiply, rand, rand),
    "divide": (ops.divide, np.true_divide, rand, nonzero),
    "power": (ops.power, np.power, _positive, rand),
    "maximum": (ops.maximum, np.maximum, rand, rand),
    "minimum": (ops.minimum, np.minimum, rand, rand),
}
SHAPE_PAIRS = [((3, 4), (3, 4)), ((3, 1), (4,)), ((), (2, 3)), ((2, 3), ()), ((2, 1, 3), (4, 1))]


def _make(maker, shape, seed):
    return maker(*shape, seed=seed) if maker in (rand, nonzero) else maker(shape, seed)


@pytest.mark.parametrize("shapes", SHAPE_PAIRS, ids=str)
@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_forward_and_gradient(name, shapes):
    op, reference, make_x, make_y = BINARY[name]
    x = _make(make_x, shapes[0], 1)
    y = _make(make_y, shapes[1], 2)
    assert_forward(op, reference, x, y)
    gradcheck(name, op, x, y)


def test_mod_forward_and_gradient():
    y = _positive((3, 4), 3)
    x = _mod_x((3, 4), 4) * y
    assert_forward(ops.mod, np.mod, x, y)
    gradcheck("mod", ops.mod, x, y)
    gradcheck("mod", ops.mod, x, y[:1])  # broadcast divisor


def test_true_divide_is_divide():
    assert ops.true_divide is ops.divide


def test_power_with_constant_exponent_and_negative_base():
    x = nonzero(5, seed=5)
    assert_forward(lambda t: ops.power(t, 3), lambda a: a**3, x)
    gradcheck("power", lambda t: ops.power(t, 3), x)
    gradcheck("power", lambda t: ops.power(2.0, t), x)


def test_maximum_tie_sends_gradient_to_first_argument():
    x, y = Tensor(np.array([1.0, 2.0])), Tensor(np.array([1.0, 3.0]))
    with GradientTape() as tape:
        tape.watch([x, y])
        z = ops.maximum(x, y)
    gx, gy = tape.gradient(z, [x, y])
    np.testing.assert_array_equal(gx.numpy(), [1.0, 0.0])
    np.testing.assert_array_equal(gy.numpy(), [0.0, 1.0])


def test_binary_shape_mismatch_names_op_and_both_shapes():
    with pytest.raises(ValueError, match=r"add.*\(3,\).*\(4,\)"):
        ops.add(Tensor(np.zeros(3)), Tensor(np.zeros(4)))
    with pytest.raises(ValueError, match=r"multiply.*\(2, 3\).*\(3, 2\)"):
        Tensor(np.zeros((2, 3))) * Tensor(np.zeros((3, 2)))


# --- unary ops -----------------------------------------------------------------------
def _erf(a):
    return np.vectorize(math.erf)(a)


# name -> (op, NumPy reference, inputs)
UNARY = {
    "negative": (ops.negative, np.negative, rand(3, 4)),
    "square": (ops.square, np.square, rand(3, 4)),
    "sqrt": (ops.sqrt, np.sqrt, rand(3, 4, low=0.2)),
    "exp": (ops.exp, np.exp, rand(3, 4)),
    "expm1": (ops.expm1, np.expm1, rand(3, 4)),
    "log": (ops.log, np.log, rand(3, 4, low=0.2)),
    "log1p": (ops.log1p, np.log1p, rand(3, 4, low=-0.8)),
    "abs": (ops.abs, np.abs, nonzero(3, 4)),
    "sin": (ops.sin, np.sin, rand(3, 4)),
    "cos": (ops.cos, np.cos, rand(3, 4)),
    "reciprocal": (ops.reciprocal, np.reciprocal, nonzero(3, 4)),
    "erf": (ops.erf, _erf, rand(3, 4)),
    "clip": (lambda t: ops.clip(t, -0.5, 0.7), lambda a: np.clip(a, -0.5, 0.7),
             np.array([-1.5, -0.6, -0.4, 0.0, 0.3, 0.69, 0.8, 1.9])),
}


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_forward_and_gradient(name):
    op, reference, x = UNARY[name]
    assert_forward(op, reference, x)
    gradcheck(name, op, x)
    gradcheck(name, op, np.array(0.3))  # a 0-d input


def test_absolute_is_abs_and_abs_gradient_at_zero_is_zero():
    assert ops.absolute is ops.abs
    x = Tensor(np.array([-2.0, 0.0, 3.0]))
    with GradientTape() as tape:
        tape.watch(x)
        y = ops.abs(x)
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), [-1.0, 0.0, 1.0])


def test_erf_float32_matches_exact_values():
    x = np.linspace(-4, 4, 101)
    got = ops.erf(Tensor(x.astype(np.float32))).numpy()
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, _erf(x), atol=2e-7)


def test_clip_gradient_is_zero_outside_the_range():
    x = Tensor(np.array([-2.0, 0.0, 2.0]))
    with GradientTape() as tape:
        tape.watch(x)
        y = ops.clip(x, -1.0, 1.0)
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), [0.0, 1.0, 0.0])


# --- step functions: derivative zero almost everywhere, returned as zeros ------------
ZERO_GRADIENT = {
    "sign": (ops.sign, np.sign),
    "heaviside": (ops.heaviside, lambda a: np.heaviside(a, 1.0)),
}


@pytest.mark.parametrize("name", sorted(ZERO_GRADIENT))
def test_step_functions_have_zero_gradient(name):
    op, reference = ZERO_GRADIENT[name]
    x = np.array([-2.0, -0.5, 0.0, 0.5, 3.0])
    assert_forward(op, reference, x)
    gradcheck(name, op, nonzero(6))
    t = Tensor(x)
    with GradientTape() as tape:
        tape.watch(t)
        y = op(t)
    g = tape.gradient(y, t)
    assert g is not None
    np.testing.assert_array_equal(g.numpy(), np.zeros(5))


def test_heaviside_value_at_zero():
    x = Tensor(np.array([-1.0, 0.0, 1.0], dtype=np.float32))
    np.testing.assert_array_equal(ops.heaviside(x, 0.5).numpy(), [0.0, 0.5, 1.0])
    assert ops.heaviside(x).dtype == np.float32


# --- where ---------------------------------------------------------------------------
def test_where_forward_and_gradient_with_broadcasting():
    cond = rand(3, 4, seed=7) > 0
    x1, x2 = rand(3, 1, seed=8), rand(4, seed=9)
    assert_forward(ops.where, np.where, cond, x1, x2)
    gradcheck("where", lambda a, b: ops.where(cond, a, b), x1, x2)
    gradcheck("where", lambda a: ops.where(Tensor(cond), a, 0.0), x1)


# --- piecewise-constant, comparison and logical ops: no gradient ---------------------
NO_GRADIENT = {
    "floor_divide": (ops.floor_divide, np.floor_divide, 2),
    "floor": (ops.floor, np.floor, 1),
    "ceil": (ops.ceil, np.ceil, 1),
    "round": (ops.round, np.round, 1),
    "equal": (ops.equal, np.equal, 2),
    "not_equal": (ops.not_equal, np.not_equal, 2),
    "less": (ops.less, np.less, 2),
    "less_equal": (ops.less_equal, np.less_equal, 2),
    "greater": (ops.greater, np.greater, 2),
    "greater_equal": (ops.greater_equal, np.greater_equal, 2),
    "logical_and": (ops.logical_and, np.logical_and, 2),
    "logical_or": (ops.logical_or, np.logical_or, 2),
    "logical_not": (ops.logical_not, np.logical_not, 1),
    "isnan": (ops.isnan, np.isnan, 1),
    "isfinite": (ops.isfinite, np.isfinite, 1),
}


@pytest.mark.parametrize("name", sorted(NO_GRADIENT))
def test_non_differentiable_forward_and_no_record(name):
    op, reference, arity = NO_GRADIENT[name]
    assert ops.PRIMITIVES[name].vjp is None
    x = np.array([[-1.5, 0.0, 2.5], [np.nan, np.inf, 1.0]])
    y = np.array([1.0, 0.0, 2.5])
    inputs = (x, y)[:arity]
    with np.errstate(all="ignore"):
        assert_forward(op, reference, *inputs)
        assert_not_recorded(op, *inputs)


def test_gradient_through_non_differentiable_op_is_none():
    x = Tensor(np.array([1.5, 2.5]))
    with GradientTape() as tape:
        tape.watch(x)
        y = ops.floor(x)
    assert tape.gradient(y, x) is None


GRADIENT_CHECKED = set(BINARY) | set(UNARY) | set(ZERO_GRADIENT) | {"mod", "where"}
NOT_DIFFERENTIABLE = set(NO_GRADIENT)
