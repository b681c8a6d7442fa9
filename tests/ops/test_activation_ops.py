"""Keras 3's newer activation primitives (gradiente/ops/activations.py): Keras's values,
dtypes, errors, and gradients against finite differences."""
import warnings

import numpy as np
import pytest

from gradiente import ops
from gradiente.autodiff import Tensor

from ops_testlib import assert_forward, gradcheck, rand


def _sigmoid(a):
    return 1 / (1 + np.exp(-a))


# Values away from every kink: ±0.5 (the shrinks), ±1 (hard_tanh, sparse_*), 0 (celu, threshold).
SMOOTH = np.array([-2.7, -1.3, -0.8, -0.3, 0.2, 0.7, 1.6, 3.1])
ELEMENTWISE = {
    "celu": (ops.celu, lambda a: np.maximum(a, 0) + np.expm1(np.minimum(a, 0))),
    "hard_shrink": (ops.hard_shrink, lambda a: np.where(np.abs(a) > 0.5, a, 0.0)),
    "soft_shrink": (ops.soft_shrink, lambda a: np.where(a > 0.5, a - 0.5, np.where(a < -0.5, a + 0.5, 0.0))),
    "hard_tanh": (ops.hard_tanh, lambda a: np.clip(a, -1, 1)),
    "tanh_shrink": (ops.tanh_shrink, lambda a: a - np.tanh(a)),
    "sparse_plus": (ops.sparse_plus, lambda a: np.where(a <= -1, 0.0, np.where(a < 1, (a + 1) ** 2 / 4, a))),
    "sparse_sigmoid": (ops.sparse_sigmoid, lambda a: np.where(a <= -1, 0.0, np.where(a >= 1, 1.0, (a + 1) / 2))),
    "squareplus": (ops.squareplus, lambda a: (a + np.sqrt(a * a + 4)) / 2),
    "threshold": (lambda t: ops.threshold(t, 0.0, -3.0), lambda a: np.where(a > 0, a, -3.0)),
}


@pytest.mark.parametrize("name", sorted(ELEMENTWISE))
def test_elementwise_forward_and_gradient(name):
    op, reference = ELEMENTWISE[name]
    assert_forward(op, reference, SMOOTH)
    gradcheck(name, op, SMOOTH.reshape(2, 4))


# Keras's ops tests: float32 inputs, the values it expects, float32 out.
KERAS_VALUES = [
    ("celu", [-1, 0, 1, 2, 3], {}, [-0.63212055, 0.0, 1.0, 2.0, 3.0]),
    ("glu", [-1, 0, 1, 2, 3, 4], {}, [-0.8807971, 0.0, 0.98201376]),
    ("tanh_shrink", [-1, 0, 1, 2, 3], {}, [-0.238406, 0.0, 0.238406, 1.035972, 2.004945]),
    ("hard_tanh", [-1, 0, 1, 2, 3], {}, [-1.0, 0.0, 1.0, 1.0, 1.0]),
    ("hard_shrink", [-0.5, 0, 1, 2, 3], {}, [0.0, 0.0, 1.0, 2.0, 3.0]),
    ("threshold", [-0.5, 0, 1, 2, 3], {"threshold": 0, "default_value": 0}, [0.0, 0.0, 1.0, 2.0, 3.0]),
    ("squareplus", [-0.5, 0, 1, 2, 3], {}, [0.780776, 1.0, 1.618034, 2.414214, 3.302776]),
    ("soft_shrink", [-0.5, 0, 1, 2, 3], {}, [0.0, 0.0, 0.5, 1.5, 2.5]),
    ("sparse_plus", [-0.5, 0, 1, 2, 3], {}, [0.0625, 0.25, 1.0, 2.0, 3.0]),
    ("sparse_sigmoid", [-1, 0, 1, 2, 3], {}, [0.0, 0.5, 1.0, 1.0, 1.0]),
    ("sparsemax", [-0.5, 0, 1, 2, 3], {}, [0.0, 0.0, 0.0, 0.0, 1.0]),
    ("sparse_plus", [-1.0, 0.0, 1.0], {}, [0.0, 0.25, 1.0]),
    ("soft_shrink", [-1.0, 0.0, 1.0], {}, [-0.5, 0.0, 0.5]),
    ("squareplus", [-1.0, 0.0, 1.0], {}, [0.618034, 1.0, 1.618034]),
    ("threshold", [-1.0, 0.0, 1.0, 2.0], {"threshold": 1, "default_value": 0}, [0.0, 0.0, 0.0, 2.0]),
    ("glu", [-1.0, 0.0, 1.0, 1.0], {}, [-0.73105858, 0.0]),
]


@pytest.mark.parametrize("name,x,kwargs,want", KERAS_VALUES)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_keras_values_and_dtype(name, x, kwargs, want, dtype):
    out = getattr(ops, name)(np.array(x, dtype=dtype), **kwargs)
    assert out.dtype == dtype
    np.testing.assert_allclose(out.numpy(), want, rtol=1e-5, atol=1e-6)


def test_parameters_change_the_shape_of_the_curve():
    x = SMOOTH
    assert_forward(lambda t: ops.celu(t, alpha=0.5), lambda a: np.maximum(a, 0) + 0.5 * np.expm1(np.minimum(a, 0) / 0.5), x)
    gradcheck("celu", lambda t: ops.celu(t, alpha=0.5), x)
    assert_forward(lambda t: ops.hard_shrink(t, threshold=1.5), lambda a: np.where(np.abs(a) > 1.5, a, 0.0), x)
    assert_forward(lambda t: ops.soft_shrink(t, threshold=1.0),
                   lambda a: np.where(a > 1, a - 1, np.where(a < -1, a + 1, 0.0)), x)
    assert_forward(lambda t: ops.squareplus(t, b=1), lambda a: (a + np.sqrt(a * a + 1)) / 2, x)
    gradcheck("squareplus", lambda t: ops.squareplus(t, b=0.5), x)
    gradcheck("threshold", lambda t: ops.threshold(t, -1.0, 2.0), x)


def test_flat_pieces_have_zero_gradient_and_kinks_take_the_flat_side():
    from gradiente.autodiff import GradientTape

    def grad(op, values):
        t = Tensor(np.array(values))
        with GradientTape() as tape:
            tape.watch(t)
            y = ops.sum(op(t))
        return tape.gradient(y, t).numpy()

    np.testing.assert_array_equal(grad(ops.hard_tanh, [-3.0, -1.0, 1.0, 3.0]), [0, 0, 0, 0])
    np.testing.assert_array_equal(grad(ops.sparse_sigmoid, [-2.0, -1.0, 0.0, 1.0]), [0, 0, 0.5, 0])
    np.testing.assert_array_equal(grad(ops.hard_shrink, [-0.5, 0.2, 0.5, 0.6]), [0, 0, 0, 1])
    np.testing.assert_array_equal(grad(ops.sparse_plus, [-2.0, -1.0, 0.0, 1.0, 4.0]), [0, 0, 0.5, 1, 1])


@pytest.mark.parametrize("axis", [-1, 0, 1])
def test_glu_along_any_axis(axis):
    x = rand(4, 6, seed=61)

    def reference(a):
        first, second = np.split(a, 2, axis=axis)
        return first * _sigmoid(second)

    assert_forward(lambda t: ops.glu(t, axis=axis), reference, x)
    gradcheck("glu", lambda t: ops.glu(t, axis=axis), x)
    assert ops.glu(Tensor(x), axis=axis).shape == reference(x).shape


def test_glu_refuses_odd_sizes_and_bad_axes():
    with pytest.raises(ValueError, match="out of bounds"):
        ops.glu(np.ones((2, 4)), axis=5)
    with pytest.raises(ValueError, match="divisible by 2"):
        ops.glu(np.ones((2, 3)))


def _sparsemax_reference(v):
    """Projection of a 1-D vector onto the simplex, by bisection on τ (no sorting)."""
    lo, hi = v.min() - 1, v.max()
    for _ in range(200):
        tau = (lo + hi) / 2
        lo, hi = (tau, hi) if np.maximum(v - tau, 0).sum() > 1 else (lo, tau)
    return np.maximum(v - (lo + hi) / 2, 0)


@pytest.mark.parametrize("axis", [-1, 0, 1])
def test_sparsemax_projects_onto_the_simplex(axis):
    x = rand(5, 6, seed=62, low=-1.5, high=1.5)
    want = np.apply_along_axis(_sparsemax_reference, axis, x)
    got = ops.sparsemax(Tensor(x), axis=axis).numpy()
    np.testing.assert_allclose(got, want, atol=1e-9)
    np.testing.assert_allclose(got.sum(axis=axis), 1.0)
    assert (got == 0).any() and ((got > 0).sum(axis=axis) > 1).any()  # several entries in some supports
    gradcheck("sparsemax", lambda t: ops.sparsemax(t, axis=axis), x)


def test_sparsemax_keras_cases():
    # Keras's activation tests: evenly spaced values one apart leave only the largest.
    x = np.linspace(1, 12, num=12)
    one_hot_last = np.zeros(12)
    one_hot_last[-1] = 1
    np.testing.assert_allclose(ops.sparsemax(x).numpy(), one_hot_last)
    x2 = x.reshape(-1, 2)
    np.testing.assert_allclose(ops.sparsemax(x2).numpy(), np.tile([0.0, 1.0], (6, 1)))
    want = np.zeros((6, 2))
    want[-1] = 1
    np.testing.assert_allclose(ops.sparsemax(x2, axis=-2).numpy(), want)
    x3 = x.reshape(-1, 1, 3)
    np.testing.assert_allclose(ops.sparsemax(x3, axis=-2).numpy(), np.ones_like(x3))
    want = np.zeros_like(x3)
    want[-1] = 1
    np.testing.assert_allclose(ops.sparsemax(x3, axis=-3).numpy(), want)
    np.testing.assert_allclose(ops.sparsemax(x.reshape(-1, 1, 1, 2), axis=-3).numpy(), np.ones((6, 1, 1, 2)))
    with pytest.raises(ValueError, match="out of bounds"):
        ops.sparsemax(np.ones((2, 3)), axis=3)


def test_softmax_over_several_axes_and_all_of_them():
    x = np.array([[1, 2, 3], [1, 2, 3]], dtype=np.float32)
    np.testing.assert_allclose(ops.softmax(x, axis=None).numpy(), [[0.045015, 0.122364, 0.33262]] * 2, rtol=1e-5)
    np.testing.assert_allclose(ops.log_softmax(x, axis=None).numpy(), [[-3.100753, -2.100753, -1.100753]] * 2,
                               rtol=1e-5)
    np.testing.assert_allclose(ops.softmax(x, axis=0).numpy(), np.full((2, 3), 0.5))
    np.testing.assert_allclose(ops.log_softmax(x, axis=0).numpy(), np.full((2, 3), -0.693147), rtol=1e-5)
    cube = np.arange(1.0, 9.0).reshape(2, 2, 2)
    for axes in [(0, 1), (0, 2), (1, 2)]:
        np.testing.assert_allclose(ops.softmax(cube, axis=axes).numpy().sum(axis=axes), 1.0)
        np.testing.assert_allclose(np.exp(ops.log_softmax(cube, axis=axes).numpy()).sum(axis=axes), 1.0)
    gradcheck("softmax", lambda t: ops.softmax(t, axis=(1, 2)), rand(2, 3, 4, seed=63))
    gradcheck("log_softmax", lambda t: ops.log_softmax(t, axis=(0, 2)), rand(2, 3, 4, seed=64))


def test_softmax_warns_on_a_size_one_axis_and_refuses_a_missing_one():
    with pytest.warns(UserWarning, match=r"softmax over axis 1 of a tensor of shape \(1, 1\)\. This axis has size 1"):
        ops.softmax(np.array([[1.0]]), 1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ops.softmax(np.ones((3, 1)), axis=0)
    with pytest.raises(ValueError, match="axis 10 is out of bounds"):
        ops.softmax(np.ones((3, 4)), axis=10)


GRADIENT_CHECKED = (set(ELEMENTWISE) | {"glu", "sparsemax"})
NOT_DIFFERENTIABLE = set()
