"""Activation, ReLU, LeakyReLU, ELU, PReLU, Softmax layers: forward against NumPy,
gradients in float64, configs, masks and errors."""
import numpy as np
import pytest

from gradiente import activations, backend, layers
from gradiente.autodiff import Tensor
from gradiente.testing import check_gradients

# No value at a kink (0, the thresholds 0.5 and the ceiling 1.5 used below).
X = np.array([[-2.3, -0.7, -0.1, 0.2], [0.8, 1.2, 1.9, 3.1]])


@pytest.fixture(autouse=True)
def _fresh_names():
    backend.clear_session()


def _softmax(z, axis=-1):
    e = np.exp(z - z.max(axis, keepdims=True))
    return e / e.sum(axis, keepdims=True)


def _round_trip(layer):
    config = layer.get_config()
    clone = type(layer).from_config(config)
    assert clone.get_config() == config
    return clone


@pytest.mark.parametrize("name,reference", [
    ("relu", lambda x: np.maximum(x, 0)),
    ("tanh", np.tanh),
    ("softplus", lambda x: np.log1p(np.exp(x))),
    ("linear", lambda x: x),
])
def test_activation_layer(name, reference):
    layer = layers.Activation(name, dtype="float64")
    np.testing.assert_allclose(layer(X).numpy(), reference(X))
    check_gradients(layer, X)
    assert _round_trip(layer).activation is activations.get(name)
    assert layer.count_params() == 0


def test_activation_layer_takes_a_callable_and_rejects_unknown_names():
    assert layers.Activation(activations.selu).activation is activations.selu
    with pytest.raises(ValueError, match="relux"):
        layers.Activation("relux")


def _relu_reference(x, max_value=None, negative_slope=0.0, threshold=0.0):
    out = np.where(x > threshold, x, negative_slope * (x - threshold))
    return out if max_value is None else np.minimum(out, max_value)


@pytest.mark.parametrize("kwargs", [
    {}, dict(max_value=1.5), dict(negative_slope=0.1), dict(threshold=0.5),
    dict(max_value=1.5, negative_slope=0.2, threshold=0.5), dict(max_value=6.0),
])
def test_relu_layer(kwargs):
    layer = layers.ReLU(**kwargs, dtype="float64")
    np.testing.assert_allclose(layer(X).numpy(), _relu_reference(X, **kwargs))
    check_gradients(layer, X)
    _round_trip(layer)


def test_relu_defaults_and_validation():
    config = layers.ReLU().get_config()
    assert (config["max_value"], config["negative_slope"], config["threshold"]) == (None, 0.0, 0.0)
    for bad in (dict(max_value=-1), dict(negative_slope=-0.1), dict(threshold=-2), dict(negative_slope=None)):
        with pytest.raises(ValueError, match="ReLU"):
            layers.ReLU(**bad)


def test_leaky_relu_layer_default_slope_is_0_3():
    layer = layers.LeakyReLU(dtype="float64")
    assert layer.negative_slope == 0.3
    np.testing.assert_allclose(layer(X).numpy(), np.where(X > 0, X, 0.3 * X))
    check_gradients(layer, X)
    assert _round_trip(layer).negative_slope == 0.3


def test_leaky_relu_accepts_legacy_alpha_with_a_warning():
    with pytest.warns(UserWarning, match="`alpha` is deprecated. Use `negative_slope`"):
        layer = layers.LeakyReLU(alpha=0.1)
    assert layer.negative_slope == 0.1
    assert "alpha" not in layer.get_config()
    with pytest.raises(ValueError, match="negative_slope"):
        layers.LeakyReLU(negative_slope=-0.5)


@pytest.mark.parametrize("alpha", [1.0, 0.5])
def test_elu_layer(alpha):
    layer = layers.ELU(alpha=alpha, dtype="float64")
    np.testing.assert_allclose(layer(X).numpy(), np.where(X > 0, X, alpha * np.expm1(X)))
    check_gradients(layer, X)
    assert _round_trip(layer).alpha == alpha
    assert layers.ELU().alpha == 1.0


def test_prelu_parameter_count_and_zero_init():
    layer = layers.PReLU()
    out = layer(np.array([[-1.0, 2.0, -3.0, 4.0, 0.5]], dtype="float32"))
    assert layer.count_params() == 5 and layer.alpha.shape == (5,)
    np.testing.assert_array_equal(out.numpy(), [[0, 2, 0, 4, 0.5]])  # alpha starts at zero


@pytest.mark.parametrize("shape,shared,alpha_shape", [
    ((3, 4), None, (4,)),
    ((2, 3, 4), None, (3, 4)),
    ((2, 3, 4), [1], (1, 4)),
    ((2, 3, 3, 2), [1, 2], (1, 1, 2)),
])
def test_prelu_forward_and_gradients(shape, shared, alpha_shape):
    rng = np.random.default_rng(0)
    x = rng.normal(size=shape)
    x[np.abs(x) < 0.05] = 0.3  # keep clear of the kink
    layer = layers.PReLU(shared_axes=shared, alpha_initializer="random_uniform", dtype="float64")
    out = layer(x).numpy()
    alpha = layer.alpha.numpy()
    assert alpha.shape == alpha_shape and layer.count_params() == int(np.prod(alpha_shape))
    np.testing.assert_allclose(out, np.where(x > 0, x, alpha * x))
    check_gradients(layer, x, variables=layer.trainable_weights)


def test_prelu_checks_its_input_and_arguments():
    layer = layers.PReLU()
    layer(np.ones((2, 5), dtype="float32"))
    with pytest.raises(ValueError, match=r"p_re_lu.*\(2, 6\)"):
        layer(np.ones((2, 6), dtype="float32"))
    with pytest.raises(ValueError, match="shared_axes"):
        layers.PReLU(shared_axes=[3])(np.ones((2, 5), dtype="float32"))
    with pytest.raises(ValueError, match="shared_axes"):
        layers.PReLU()(layers.Input(shape=(None, 3)))
    assert layers.PReLU(shared_axes=[1])(layers.Input(shape=(None, 3))).shape == (None, None, 3)


def test_prelu_config_round_trip():
    layer = layers.PReLU(alpha_initializer="ones", alpha_regularizer="l2", alpha_constraint="non_neg",
                         shared_axes=[1, 2])
    config = layer.get_config()
    assert config["alpha_initializer"]["class_name"] == "Ones" and config["shared_axes"] == [1, 2]
    assert layers.PReLU().get_config()["alpha_initializer"]["class_name"] == "Zeros"
    _round_trip(layer)


@pytest.mark.parametrize("axis", [-1, 0, 1, (0, 1)])
def test_softmax_layer(axis):
    layer = layers.Softmax(axis=axis, dtype="float64")
    out = layer(X).numpy()
    np.testing.assert_allclose(out, _softmax(X, axis=axis))
    np.testing.assert_allclose(out.sum(axis=axis), 1.0)
    check_gradients(layer, X)
    _round_trip(layer)


def test_softmax_mask_gives_masked_positions_zero_probability():
    layer = layers.Softmax(dtype="float64")
    mask = np.array([[True, True, False, True], [False, True, True, True]])
    out = layer(X, mask=mask).numpy()
    expected = np.where(mask, np.exp(X), 0)
    np.testing.assert_allclose(out, expected / expected.sum(-1, keepdims=True), atol=1e-12)


def test_softmax_over_time_with_a_sequence_mask():
    scores = np.random.default_rng(0).normal(size=(2, 3, 1))
    mask = np.array([[True, True, False], [True, False, False]])
    x = Tensor(scores)
    x._keras_mask = mask  # as an Embedding(mask_zero=True) would leave it
    out = layers.Softmax(axis=1, dtype="float64")(x).numpy()[..., 0]
    np.testing.assert_allclose(out[1], [1, 0, 0], atol=1e-12)
    np.testing.assert_allclose(out.sum(axis=1), 1.0)


@pytest.mark.parametrize("make", [lambda: layers.ReLU(), lambda: layers.LeakyReLU(), lambda: layers.ELU(),
                                  lambda: layers.Activation("tanh"), lambda: layers.PReLU()])
def test_masks_pass_through_and_shapes_are_kept(make):
    x = Tensor(np.ones((2, 3, 4), dtype="float32"))
    x._keras_mask = np.array([[True, False, True], [True, True, False]])
    out = make()(x)
    np.testing.assert_array_equal(out._keras_mask, x._keras_mask)
    assert make()(layers.Input(shape=(3, 4))).shape == (None, 3, 4)


@pytest.mark.parametrize("make", [lambda: layers.ReLU(max_value=6.0), lambda: layers.ReLU(0.5, 0.1, 0.2),
                                  lambda: layers.LeakyReLU(), lambda: layers.ELU(), lambda: layers.PReLU(),
                                  lambda: layers.Softmax(), lambda: layers.Softmax(axis=(1, 2)),
                                  lambda: layers.Activation("gelu")])
def test_float32_in_float32_out(make):
    x = np.random.default_rng(3).normal(size=(2, 3, 4)).astype("float32")
    assert make()(x).dtype == np.float32
