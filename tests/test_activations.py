"""gradiente.activations: every name against its closed form, lookup, serialization, gradients."""
import math

import numpy as np
import pytest

from gradiente import activations, ops
from gradiente.autodiff import GradientTape, Tensor
from gradiente.testing import check_gradients

X = np.array([-3.0, -1.5, -0.4, 0.3, 1.2, 2.5, 7.0])
_erf = np.vectorize(math.erf)


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _softmax(x):
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


SELU_A, SELU_S = 1.6732632423543772, 1.0507009873554805
REFERENCE = {
    "linear": lambda x: x,
    "heaviside": lambda x: (x >= 0).astype(float),
    "sign": np.sign,
    "sigmoid": _sigmoid,
    "tanh": np.tanh,
    "relu": lambda x: np.maximum(x, 0),
    "leaky_relu": lambda x: np.where(x > 0, x, 0.2 * x),
    "relu6": lambda x: np.minimum(np.maximum(x, 0), 6),
    "elu": lambda x: np.where(x > 0, x, np.exp(x) - 1),
    "selu": lambda x: SELU_S * np.where(x > 0, x, SELU_A * (np.exp(x) - 1)),
    "gelu": lambda x: 0.5 * x * (1 + _erf(x / np.sqrt(2))),
    "softmax": _softmax,
    "log_softmax": lambda x: np.log(_softmax(x)),
    "softplus": lambda x: np.log(1 + np.exp(x)),
    "softsign": lambda x: x / (1 + np.abs(x)),
    "silu": lambda x: x * _sigmoid(x),
    "hard_sigmoid": lambda x: np.clip(x / 6 + 0.5, 0, 1),
    "hard_silu": lambda x: x * np.clip(x / 6 + 0.5, 0, 1),
    "exponential": np.exp,
    "mish": lambda x: x * np.tanh(np.log(1 + np.exp(x))),
    "log_sigmoid": lambda x: np.log(_sigmoid(x)),
    "celu": lambda x: np.where(x > 0, x, np.exp(x) - 1),
    "hard_tanh": lambda x: np.clip(x, -1, 1),
    "hard_shrink": lambda x: np.where(np.abs(x) > 0.5, x, 0.0),
    "soft_shrink": lambda x: np.sign(x) * np.maximum(np.abs(x) - 0.5, 0),
    "tanh_shrink": lambda x: x - np.tanh(x),
    "sparse_plus": lambda x: np.where(x >= 1, x, np.where(x > -1, (x + 1) ** 2 / 4, 0.0)),
    "sparse_sigmoid": lambda x: np.clip(0.5 * (x + 1), 0, 1),
    "squareplus": lambda x: 0.5 * (x + np.sqrt(x * x + 4)),
}
# Not elementwise on X's 7 values, or needing arguments: tested on their own below.
SPECIAL = {"glu", "sparsemax", "threshold"}
ALIASES = {"swish": "silu", "hard_swish": "hard_silu", "step": "heaviside", "logistic": "sigmoid",
           "identity": "linear"}
# Activations whose derivative is zero wherever it exists (so no finite-difference check).
FLAT = {"heaviside", "sign"}


def test_reference_covers_every_registered_activation():
    assert set(REFERENCE) | SPECIAL == set(activations.ALL)


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_forward_matches_numpy(name):
    out = activations.get(name)(Tensor(X.copy()))
    np.testing.assert_allclose(out.numpy(), REFERENCE[name](X), rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_float32_forward_close_to_float64(name):
    out = activations.get(name)(Tensor(X.astype(np.float32)))
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.numpy(), REFERENCE[name](X), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", sorted(set(REFERENCE) - FLAT))
def test_gradients_match_finite_differences(name):
    x = np.array([[-2.1, -0.7, 0.45, 1.3], [0.2, -1.1, 2.2, 3.4]])  # no kinks at 0, ±3 or 6
    check_gradients(activations.get(name), x)


@pytest.mark.parametrize("name", sorted(FLAT))
def test_step_and_sign_have_zero_derivative(name):
    x = Tensor(X.copy())
    with GradientTape() as tape:
        tape.watch(x)
        y = ops.sum(activations.get(name)(x))
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), np.zeros_like(X))


@pytest.mark.parametrize("alias,name", sorted(ALIASES.items()))
def test_aliases(alias, name):
    assert activations.get(alias) is activations.get(name)


def test_get_none_is_linear_and_callables_pass_through():
    assert activations.get(None) is activations.linear
    fn = lambda x: x * 2  # noqa: E731
    assert activations.get(fn) is fn


def test_unknown_name_lists_the_valid_names():
    with pytest.raises(ValueError, match="relux") as err:
        activations.get("relux")
    for name in ("relu", "sigmoid", "softmax", "tanh", "selu"):
        assert name in str(err.value)


@pytest.mark.parametrize("name", sorted(set(REFERENCE) | SPECIAL))
def test_serialize_round_trip(name):
    fn = activations.get(name)
    assert activations.serialize(fn) == name
    assert activations.deserialize(activations.serialize(fn)) is fn


def test_lecture_values():
    np.testing.assert_allclose(activations.hard_sigmoid(Tensor(np.array([-1.0, 1.0]))).numpy(), [1 / 3, 2 / 3])
    assert float(activations.selu(Tensor(np.array(1.0)))) == pytest.approx(1.050701, abs=1e-6)
    assert float(activations.selu(Tensor(np.array(-30.0)))) == pytest.approx(-1.758099, abs=1e-6)
    assert float(activations.leaky_relu(Tensor(np.array(-1.0)))) == pytest.approx(-0.2)
    assert activations.heaviside(Tensor(np.array([-2.0, 0.0, 2.0]))).numpy().tolist() == [0, 1, 1]
    assert activations.sign(Tensor(np.array([-2.0, 0.0, 3.0]))).numpy().tolist() == [-1, 0, 1]


@pytest.mark.parametrize("kwargs", [
    dict(negative_slope=0.1), dict(max_value=1.5), dict(threshold=0.5),
    dict(negative_slope=0.1, max_value=2.0, threshold=0.5),
])
def test_relu_options(kwargs):
    slope, top, thr = kwargs.get("negative_slope", 0.0), kwargs.get("max_value"), kwargs.get("threshold", 0.0)
    expected = np.where(X > thr, X, slope * (X - thr))
    if top is not None:
        expected = np.minimum(expected, top)
    np.testing.assert_allclose(activations.relu(Tensor(X.copy()), **kwargs).numpy(), expected)


def test_parameterised_activations():
    np.testing.assert_allclose(activations.elu(Tensor(X.copy()), alpha=0.5).numpy(),
                               np.where(X > 0, X, 0.5 * (np.exp(X) - 1)))
    np.testing.assert_allclose(activations.leaky_relu(Tensor(X.copy()), negative_slope=0.01).numpy(),
                               np.where(X > 0, X, 0.01 * X))
    x2 = np.arange(6.0).reshape(2, 3)
    np.testing.assert_allclose(activations.softmax(Tensor(x2), axis=0).numpy(), _softmax(x2.T).T)


def test_keras_activation_set_is_complete():
    keras_names = {
        "relu", "leaky_relu", "relu6", "softmax", "celu", "elu", "selu", "softplus", "softsign",
        "squareplus", "soft_shrink", "sparse_plus", "silu", "gelu", "glu", "tanh", "tanh_shrink",
        "threshold", "sigmoid", "sparse_sigmoid", "exponential", "hard_sigmoid", "hard_silu",
        "hard_tanh", "hard_shrink", "linear", "mish", "log_softmax", "log_sigmoid", "sparsemax",
        "swish", "hard_swish",
    }
    for name in keras_names:
        assert callable(activations.get(name)), name
        assert activations.deserialize(activations.serialize(activations.get(name))) is activations.get(name)


def test_defaults_as_keras():
    x = Tensor(np.array([-1.0, -0.4, 0.3, 0.6, 2.0]))
    np.testing.assert_allclose(activations.hard_shrink(x).numpy(), [-1.0, 0, 0, 0.6, 2.0])
    np.testing.assert_allclose(activations.soft_shrink(x).numpy(), [-0.5, 0, 0, 0.1, 1.5])
    np.testing.assert_allclose(activations.squareplus(x, b=0).numpy(), np.maximum(x.numpy(), 0))
    np.testing.assert_allclose(activations.celu(x, alpha=0.5).numpy(),
                               np.where(x.numpy() > 0, x.numpy(), 0.5 * np.expm1(x.numpy() / 0.5)))
    np.testing.assert_allclose(activations.threshold(x, 0.5, 9.0).numpy(), [9, 9, 9, 0.6, 2.0])
    with pytest.raises(TypeError):
        activations.threshold(x)  # no defaults, as in Keras


def test_glu_and_sparsemax_work_on_vectors():
    x = np.random.default_rng(3).random((2, 4))
    a, b = np.split(x, 2, axis=-1)
    np.testing.assert_allclose(activations.glu(Tensor(x)).numpy(), a * _sigmoid(b))
    a, b = np.split(x, 2, axis=-2)
    np.testing.assert_allclose(activations.glu(Tensor(x), axis=-2).numpy(), a * _sigmoid(b))
    check_gradients(activations.glu, x)
    out = activations.sparsemax(Tensor(np.array([[0.1, 1.5, 1.2], [3.0, -1.0, 0.0]]))).numpy()
    np.testing.assert_allclose(out, [[0, 0.65, 0.35], [1, 0, 0]])


def test_softmax_over_a_tuple_of_axes():
    x = np.random.default_rng(4).random((2, 3, 4, 5))
    out = activations.softmax(Tensor(x), axis=(2, 3)).numpy()
    flat = x.reshape(2, 3, 20)
    np.testing.assert_allclose(out.reshape(2, 3, 20), _softmax(flat), rtol=1e-6)
    out = activations.log_softmax(Tensor(x), axis=(1, 2, 3)).numpy()
    np.testing.assert_allclose(out.reshape(2, 60), np.log(_softmax(x.reshape(2, 60))), rtol=1e-6)


def test_relu_options_keras_examples():
    x = Tensor(np.array([-10, -5, 0.0, 5, 10]))
    cases = [
        (dict(negative_slope=0.5), [-5.0, -2.5, 0.0, 5.0, 10.0]),
        (dict(max_value=5.0), [0.0, 0.0, 0.0, 5.0, 5.0]),
        (dict(threshold=5.0), [0.0, 0.0, 0.0, 0.0, 10.0]),
        (dict(threshold=5.0, max_value=5.0), [0.0, 0.0, 0.0, 0.0, 5.0]),
        (dict(negative_slope=0.5, max_value=5.0, threshold=5.0), [-7.5, -5.0, -2.5, 0.0, 5.0]),
        (dict(max_value=6.0), [0.0, 0.0, 0.0, 5.0, 6.0]),
    ]
    for kwargs, want in cases:
        np.testing.assert_allclose(activations.relu(x, **kwargs).numpy(), want, err_msg=str(kwargs))
