"""Elementwise NumPy-style ops (ops/trigonometric.py, exponential.py, elementwise.py,
logic.py, bitwise.py): forwards against NumPy, gradients against finite differences."""
import math

import numpy as np
import pytest

from gradiente import ops

from ops_testlib import assert_forward, assert_not_recorded, gradcheck, rand


def _in(low, high):
    return lambda seed: rand(3, 4, seed=seed, low=low, high=high)


# name -> (NumPy reference, inputs away from the op's edges)
UNARY = {
    "tan": (np.tan, _in(-1.2, 1.2)),
    "arcsin": (np.arcsin, _in(-0.9, 0.9)),
    "arccos": (np.arccos, _in(-0.9, 0.9)),
    "arctan": (np.arctan, _in(-3, 3)),
    "sinh": (np.sinh, _in(-2, 2)),
    "cosh": (np.cosh, _in(-2, 2)),
    "arcsinh": (np.arcsinh, _in(-3, 3)),
    "arccosh": (np.arccosh, _in(1.2, 3)),
    "arctanh": (np.arctanh, _in(-0.9, 0.9)),
    "deg2rad": (np.deg2rad, _in(-180, 180)),
    "rad2deg": (np.rad2deg, _in(-3, 3)),
    "sinc": (np.sinc, _in(-2, 2)),
    "exp2": (np.exp2, _in(-3, 3)),
    "log2": (np.log2, _in(0.2, 4)),
    "log10": (np.log10, _in(0.2, 4)),
    "cbrt": (np.cbrt, _in(0.3, 3)),
    "rsqrt": (lambda a: 1 / np.sqrt(a), _in(0.2, 4)),
    "erfc": (np.vectorize(math.erfc), _in(-2, 2)),
    "erfinv": (None, _in(-0.95, 0.95)),
    "fabs": (np.fabs, lambda seed: rand(3, 4, seed=seed, low=0.2, high=2) * np.sign(rand(3, 4, seed=seed + 9))),
    "copy": (np.copy, _in(-2, 2)),
    "nan_to_num": (np.nan_to_num, _in(-2, 2)),
}
BINARY = {
    "arctan2": (np.arctan2, _in(-2, 2), _in(0.3, 2)),
    "hypot": (np.hypot, _in(-2, 2), _in(0.3, 2)),
    "logaddexp": (np.logaddexp, _in(-3, 3), _in(-3, 3)),
    "logaddexp2": (np.logaddexp2, _in(-3, 3), _in(-3, 3)),
    "fmod": (np.fmod, lambda s: np.random.default_rng(s).integers(-3, 3, (3, 4)) * 1.7 + 0.6, _in(2.0, 2.0001)),
    "fmax": (np.fmax, _in(-2, 2), _in(-2, 2)),
    "fmin": (np.fmin, _in(-2, 2), _in(-2, 2)),
    "divide_no_nan": (np.divide, _in(-2, 2), _in(0.5, 2)),
}


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_forward_and_gradient(name):
    reference, make = UNARY[name]
    op = getattr(ops, name)
    x = make(1)
    if reference is not None:
        assert_forward(op, reference, x)
    gradcheck(name, op, x)


def test_erfinv_inverts_erf():
    x = np.linspace(-2.5, 2.5, 41)
    y = np.vectorize(math.erf)(x)
    np.testing.assert_allclose(ops.erfinv(y).numpy(), x, rtol=1e-9, atol=1e-9)
    y32 = np.array([-0.5, 0.0, 0.3, 0.9], np.float32)
    np.testing.assert_allclose(ops.erf(ops.erfinv(y32)).numpy(), y32, rtol=1e-6, atol=1e-6)
    assert np.isinf(ops.erfinv(np.array([1.0, -1.0])).numpy()).all()
    assert np.isnan(ops.erfinv(np.array([1.5])).numpy()).all()


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_forward_and_gradient(name):
    reference, make_x, make_y = BINARY[name]
    op = getattr(ops, name)
    x, y = make_x(1), make_y(2)
    assert_forward(op, reference, x, y)
    gradcheck(name, op, x, y)
    gradcheck(name, op, x, y[:1])  # broadcasting


def test_ldexp_i0_and_keras_examples():
    x, e = rand(5, seed=3), np.array([0, 1, 2, -1, 3])
    assert_forward(ops.ldexp, np.ldexp, x, e)
    gradcheck("ldexp", lambda t: ops.ldexp(t, e), x)
    assert ops.ldexp(np.array([1, 2], "int32"), np.array([1, 1])).dtype == "float32"
    with pytest.raises(TypeError, match="integer"):
        ops.ldexp(x, x)
    assert_forward(ops.i0, np.i0, rand(4, seed=4))
    assert_not_recorded(ops.i0, rand(4, seed=4))
    np.testing.assert_allclose(ops.divide_no_nan(np.array([1.0, 2.0]), np.array([0.0, 4.0])).numpy(), [0.0, 0.5])
    np.testing.assert_allclose(ops.rsqrt(np.array([1.0, 4.0, 16.0])).numpy(), [1.0, 0.5, 0.25])
    np.testing.assert_allclose(ops.cbrt(np.array([-8.0, 27.0])).numpy(), [-2.0, 3.0])


def test_heaviside_sign_of_zero_value():
    x = np.array([-1.5, 0.0, 2.0])
    np.testing.assert_array_equal(ops.heaviside(x, 0.5).numpy(), [0.0, 0.5, 1.0])


NO_GRADIENT = {
    "trunc": (np.trunc, [rand(5, seed=5)]),
    "nextafter": (np.nextafter, [rand(4, seed=1), rand(4, seed=2)]),
    "real": (np.real, [rand(4, seed=1)]),
    "imag": (np.imag, [rand(4, seed=1)]),
    "conjugate": (np.conjugate, [rand(4, seed=1)]),
    "angle": (np.angle, [rand(4, seed=1)]),
    "isclose": (np.isclose, [np.array([1.0, 1.0 + 1e-9, 2.0]), np.array([1.0, 1.0, 2.1])]),
    "isin": (np.isin, [np.array([1, 2, 3, 4]), np.array([2, 4])]),
    "isinf": (np.isinf, [np.array([1.0, np.inf, -np.inf, np.nan])]),
    "isneginf": (np.isneginf, [np.array([1.0, np.inf, -np.inf, np.nan])]),
    "isposinf": (np.isposinf, [np.array([1.0, np.inf, -np.inf, np.nan])]),
    "signbit": (np.signbit, [np.array([1.0, -0.0, 0.0, -2.0])]),
    "isreal": (np.isreal, [rand(3, seed=1)]),
    "logical_xor": (np.logical_xor, [np.array([True, False, True]), np.array([True, True, False])]),
    "bitwise_and": (np.bitwise_and, [np.array([12, 10, 7]), np.array([10, 6, 1])]),
    "bitwise_or": (np.bitwise_or, [np.array([12, 10, 7]), np.array([10, 6, 1])]),
    "bitwise_xor": (np.bitwise_xor, [np.array([12, 10, 7]), np.array([10, 6, 1])]),
    "bitwise_invert": (np.invert, [np.array([0, 1, -3], "int8")]),
    "bitwise_left_shift": (np.left_shift, [np.array([1, 3, 5]), np.array([1, 2, 3])]),
    "bitwise_right_shift": (np.right_shift, [np.array([8, 16, -8]), np.array([1, 2, 1])]),
    "gcd": (np.gcd, [np.array([12, 18, 7]), np.array([8, 12, 5])]),
    "lcm": (np.lcm, [np.array([4, 6, 7]), np.array([6, 4, 5])]),
}


@pytest.mark.parametrize("name", sorted(NO_GRADIENT))
def test_forward_without_gradient(name):
    reference, inputs = NO_GRADIENT[name]
    assert ops.PRIMITIVES[name].vjp is None
    assert_forward(getattr(ops, name), reference, *inputs)
    if np.asarray(inputs[0]).dtype.kind == "f":
        assert_not_recorded(getattr(ops, name), *inputs)


def test_bitwise_aliases_dtypes_and_errors():
    assert ops.bitwise_not is ops.bitwise_invert
    assert ops.left_shift is ops.bitwise_left_shift and ops.right_shift is ops.bitwise_right_shift
    assert ops.bitwise_and(np.array([1, 2], "uint8"), 3).dtype == "uint8"
    assert ops.bitwise_or(np.array([1], "int8"), np.array([1], "int16")).dtype == "int16"
    with pytest.raises(TypeError, match="bitwise_and.*integer"):
        ops.bitwise_and(np.array([1.0]), np.array([1.0]))


def test_logic_helpers():
    assert bool(ops.allclose(np.array([1.0, 2.0]), np.array([1.0, 2.0 + 1e-9])))
    assert not bool(ops.allclose(np.array([1.0, np.nan]), np.array([1.0, np.nan])))
    assert bool(ops.allclose(np.array([1.0, np.nan]), np.array([1.0, np.nan]), equal_nan=True))
    np.testing.assert_array_equal(ops.isin(np.array([1, 2]), np.array([2]), invert=True).numpy(), [True, False])
    np.testing.assert_array_equal(ops.trunc(np.array([1, -2], "int32")).numpy(), [1, -2])
    assert ops.trunc(np.array([1, -2], "int32")).dtype == "int32"
    np.testing.assert_array_equal(ops.isneginf(np.array([1, 2])).numpy(), [False, False])


GRADIENT_CHECKED = set(UNARY) | set(BINARY) | {"ldexp"}
NOT_DIFFERENTIABLE = set(NO_GRADIENT) | {"i0"}
