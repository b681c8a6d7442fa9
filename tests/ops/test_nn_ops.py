"""Neural-network primitives (gradiente/ops/neural.py): activations against closed forms,
numerical stability at extreme inputs, and the fused dense / cross-entropy ops."""
import math

import numpy as np
import pytest

from gradiente import ops
from gradiente.autodiff import GradientTape, Tensor

from ops_testlib import assert_forward, gradcheck, rand

_erf = np.vectorize(math.erf)


def _sigmoid(a):
    return 1 / (1 + np.exp(-a))


def _softmax(a, axis=-1):
    e = np.exp(a)
    return e / e.sum(axis=axis, keepdims=True)


# Inputs keep away from each activation's kinks (0 for relu, 6 for relu6, ±3 for hard_sigmoid).
KINKLESS = np.array([-7.5, -4.0, -2.9, -1.2, -0.4, 0.3, 1.1, 2.8, 4.5, 5.7, 6.4])
ACTIVATIONS = {
    "sigmoid": (ops.sigmoid, _sigmoid),
    "tanh": (ops.tanh, np.tanh),
    "relu": (ops.relu, lambda a: np.where(a > 0, a, 0.0)),
    "relu6": (ops.relu6, lambda a: np.minimum(np.where(a > 0, a, 0.0), 6)),
    "leaky_relu": (ops.leaky_relu, lambda a: np.where(a > 0, a, 0.2 * a)),
    "elu": (ops.elu, lambda a: np.where(a > 0, a, np.exp(a) - 1)),
    "selu": (ops.selu, lambda a: 1.0507009873554805 * np.where(a > 0, a, 1.6732632423543772 * (np.exp(a) - 1))),
    "softplus": (ops.softplus, lambda a: np.log(1 + np.exp(a))),
    "softsign": (ops.softsign, lambda a: a / (1 + np.abs(a))),
    "silu": (ops.silu, lambda a: a * _sigmoid(a)),
    "hard_sigmoid": (ops.hard_sigmoid, lambda a: np.clip((a + 3) / 6, 0, 1)),
    "log_sigmoid": (ops.log_sigmoid, lambda a: np.log(_sigmoid(a))),
}


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_forward_and_gradient(name):
    op, reference = ACTIVATIONS[name]
    assert_forward(op, reference, KINKLESS)
    gradcheck(name, op, KINKLESS)
    gradcheck(name, op, KINKLESS.reshape(1, 11, 1)[:, 3:8])


def test_activation_parameters():
    x = KINKLESS
    assert_forward(lambda t: ops.leaky_relu(t, negative_slope=0.05), lambda a: np.where(a > 0, a, 0.05 * a), x)
    gradcheck("leaky_relu", lambda t: ops.leaky_relu(t, negative_slope=0.05), x)
    assert_forward(lambda t: ops.elu(t, alpha=0.5), lambda a: np.where(a > 0, a, 0.5 * np.expm1(a)), x)
    gradcheck("elu", lambda t: ops.elu(t, alpha=0.5), x)


def test_aliases_and_composites():
    assert ops.swish is ops.silu and ops.hard_swish is ops.hard_silu
    x = KINKLESS
    assert_forward(ops.mish, lambda a: a * np.tanh(np.log1p(np.exp(a))), x)
    gradcheck("softplus", ops.mish, x)
    assert_forward(ops.hard_silu, lambda a: a * np.clip((a + 3) / 6, 0, 1), x)
    gradcheck("hard_sigmoid", ops.hard_silu, x)


@pytest.mark.parametrize("approximate", [True, False])
def test_gelu_exact_and_approximate(approximate):
    x = rand(3, 5, seed=51, low=-4, high=4)
    exact = 0.5 * x * (1 + _erf(x / np.sqrt(2)))
    tanh_form = 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x**3)))
    want = tanh_form if approximate else exact
    assert_forward(lambda t: ops.gelu(t, approximate=approximate), lambda a: want, x)
    gradcheck("gelu", lambda t: ops.gelu(t, approximate=approximate), x)
    # The two forms really differ (by up to ~1e-3), so each branch is exercised.
    other = exact if approximate else tanh_form
    assert np.max(np.abs(ops.gelu(Tensor(x), approximate=approximate).numpy() - other)) > 1e-5


def test_gelu_float32_exact_form():
    x = np.linspace(-5, 5, 41)
    got = ops.gelu(Tensor(x.astype(np.float32)), approximate=False).numpy()
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, 0.5 * x * (1 + _erf(x / np.sqrt(2))), atol=1e-6)


@pytest.mark.parametrize("axis", [-1, 0, 1])
def test_softmax_and_log_softmax(axis):
    x = rand(3, 4, seed=52)
    assert_forward(lambda t: ops.softmax(t, axis=axis), lambda a: _softmax(a, axis), x)
    assert_forward(lambda t: ops.log_softmax(t, axis=axis), lambda a: np.log(_softmax(a, axis)), x)
    gradcheck("softmax", lambda t: ops.softmax(t, axis=axis), x)
    gradcheck("log_softmax", lambda t: ops.log_softmax(t, axis=axis), x)


def test_activation_outputs_remember_their_logits():
    logits = Tensor(rand(2, 3, seed=53))
    assert ops.softmax(logits)._activation[0] == "softmax"
    assert ops.softmax(logits)._activation[1] is logits
    assert ops.softmax(logits, axis=0)._activation is None  # fused losses assume the last axis
    assert ops.sigmoid(logits)._activation == ("sigmoid", logits)


# --- numerical stability -------------------------------------------------------------
def _value_and_grad(op, x):
    t = Tensor(np.asarray(x, dtype=np.float64))
    with GradientTape() as tape:
        tape.watch(t)
        y = op(t)
    return y.numpy(), tape.gradient(y, t).numpy()


def test_softmax_family_with_huge_values():
    big = np.array([[1000.0, 1001.0, 1002.0], [-1000.0, -1001.0, -1e308]])
    small = np.array([[0.0, 1.0, 2.0], [0.0, -1.0, -np.inf]])
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        np.testing.assert_allclose(ops.softmax(Tensor(big)).numpy(), _softmax(small))
        np.testing.assert_allclose(ops.log_softmax(Tensor(big[:1])).numpy(), np.log(_softmax(small[:1])))
        lse = ops.logsumexp(Tensor(big), axis=1).numpy()
        np.testing.assert_allclose(lse, [1002 + np.log(1 + np.exp(-1) + np.exp(-2)), -1000 + np.log1p(np.exp(-1))])
        _, grad = _value_and_grad(lambda t: ops.logsumexp(t, axis=1), big[:1])
        np.testing.assert_allclose(grad, _softmax(small[:1]))
    f32 = ops.softmax(Tensor(np.array([3e38, 0.0], dtype=np.float32))).numpy()
    np.testing.assert_array_equal(f32, [1.0, 0.0])


def test_logsumexp_of_all_minus_infinity_is_minus_infinity():
    with np.errstate(divide="ignore"):  # log(0), exactly as NumPy would warn
        out = ops.logsumexp(Tensor(np.array([-np.inf, -np.inf])))
    assert out.numpy() == -np.inf


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_and_softplus_at_plus_minus_1000(dtype):
    x = np.array([-1000.0, 1000.0], dtype=dtype)
    with np.errstate(over="raise", divide="raise", invalid="raise"):  # no overflow, not even a warning
        value, grad = _value_and_grad(ops.sigmoid, x)
        np.testing.assert_array_equal(value, [0.0, 1.0])
        np.testing.assert_array_equal(grad, [0.0, 0.0])
        value, grad = _value_and_grad(ops.softplus, x)
        np.testing.assert_array_equal(value, [0.0, 1000.0])
        np.testing.assert_array_equal(grad, [0.0, 1.0])
        value, grad = _value_and_grad(ops.log_sigmoid, x)
        np.testing.assert_array_equal(value, [-1000.0, 0.0])
        np.testing.assert_array_equal(grad, [1.0, 0.0])
    for op in (ops.sigmoid, ops.softplus):
        assert op(Tensor(x)).dtype == dtype


def test_relu_gradient_at_zero_is_zero():
    _, grad = _value_and_grad(ops.relu, [-1.0, 0.0, 2.0])
    np.testing.assert_array_equal(grad, [0.0, 0.0, 1.0])
    _, grad = _value_and_grad(ops.relu6, [0.0, 3.0, 6.0])
    np.testing.assert_array_equal(grad, [0.0, 1.0, 0.0])


# --- one_hot, fused dense and cross-entropies ----------------------------------------
def test_one_hot():
    out = ops.one_hot(Tensor(np.array([[0, 2], [1, 1]])), 3)
    assert out.shape == (2, 2, 3) and out.dtype == np.float32
    np.testing.assert_array_equal(out.numpy()[0], [[1, 0, 0], [0, 0, 1]])
    np.testing.assert_array_equal(ops.one_hot(np.array([1, 0]), 2, axis=0).numpy(), [[0, 1], [1, 0]])
    np.testing.assert_array_equal(ops.one_hot(np.array([1.0]), 2).numpy(), [[0, 1]])
    with pytest.raises(TypeError, match="integer labels"):
        ops.one_hot(np.array([0.5]), 2)


@pytest.mark.parametrize("activation", [None, "relu"])
@pytest.mark.parametrize("x_shape", [(4, 3), (2, 4, 3)], ids=str)
def test_dense(activation, x_shape):
    x, kernel, bias = rand(*x_shape, seed=54), rand(3, 5, seed=55), rand(5, seed=56)
    z = x @ kernel + bias
    want = np.maximum(z, 0) if activation else z
    assert_forward(lambda *a: ops.dense(*a, activation=activation), lambda *a: want, x, kernel, bias)
    gradcheck("dense", lambda *a: ops.dense(*a, activation=activation), x, kernel, bias)
    gradcheck("dense", lambda a, k: ops.dense(a, k, activation=activation), x, kernel)


def test_sparse_softmax_cross_entropy():
    logits = rand(4, 5, seed=57)
    labels = np.array([0, 4, 2, 2])
    want = -np.log(_softmax(logits))[np.arange(4), labels]
    assert_forward(ops.sparse_softmax_cross_entropy, lambda a, b: want, logits, labels)
    gradcheck("sparse_softmax_cross_entropy", ops.sparse_softmax_cross_entropy, logits, labels)
    # Sequence-shaped logits (batch, time, classes).
    logits3, labels3 = rand(2, 3, 4, seed=58), np.array([[0, 3, 1], [2, 2, 0]])
    gradcheck("sparse_softmax_cross_entropy", ops.sparse_softmax_cross_entropy, logits3, labels3)
    huge = ops.sparse_softmax_cross_entropy(Tensor(np.array([[1000.0, -1000.0]])), np.array([1]))
    np.testing.assert_allclose(huge.numpy(), [2000.0])


def test_softmax_cross_entropy():
    logits = rand(4, 5, seed=59)
    targets = _softmax(rand(4, 5, seed=60))
    want = -np.sum(targets * np.log(_softmax(logits)), axis=-1)
    assert_forward(ops.softmax_cross_entropy, lambda a, b: want, logits, targets)
    gradcheck("softmax_cross_entropy", ops.softmax_cross_entropy, logits, targets)
    # Unnormalised targets (label smoothing can produce them) and axis 0.
    gradcheck("softmax_cross_entropy", lambda a, b: ops.softmax_cross_entropy(a, b, axis=0),
              logits, 2 * targets)


def test_sigmoid_cross_entropy():
    logits = rand(3, 4, seed=61, low=-5, high=5)
    targets = rand(3, 4, seed=62, low=0, high=1)
    p = _sigmoid(logits)
    want = -(targets * np.log(p) + (1 - targets) * np.log(1 - p))
    assert_forward(ops.sigmoid_cross_entropy, lambda a, b: want, logits, targets)
    gradcheck("sigmoid_cross_entropy", ops.sigmoid_cross_entropy, logits, targets)
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        extreme = ops.sigmoid_cross_entropy(Tensor(np.array([1000.0, -1000.0])), np.array([0.0, 0.0]))
    np.testing.assert_allclose(extreme.numpy(), [1000.0, 0.0])


GRADIENT_CHECKED = set(ACTIVATIONS) | {
    "gelu", "softmax", "log_softmax", "dense",
    "sparse_softmax_cross_entropy", "softmax_cross_entropy", "sigmoid_cross_entropy",
}
NOT_DIFFERENTIABLE = set()
