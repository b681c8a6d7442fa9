"""Dense: forward against NumPy, gradients, parameter counts, shapes and teaching errors."""
import numpy as np
import pytest

from gradiente import backend, layers
from gradiente.testing import check_gradients


@pytest.fixture(autouse=True)
def _fresh_names():
    backend.clear_session()


def _softmax(z):
    e = np.exp(z - z.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


REFERENCE = {
    None: lambda z: z,
    "relu": lambda z: np.maximum(z, 0),
    "tanh": np.tanh,
    "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
    "softmax": _softmax,
}


@pytest.mark.parametrize("activation", list(REFERENCE))
def test_forward_matches_numpy(activation):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(4, 3))
    layer = layers.Dense(5, activation=activation, bias_initializer="random_normal", dtype="float64")
    out = layer(x).numpy()
    expected = REFERENCE[activation](x @ layer.kernel.numpy() + layer.bias.numpy())
    np.testing.assert_allclose(out, expected, rtol=1e-12)


@pytest.mark.parametrize("activation", list(REFERENCE))
def test_gradients(activation):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(3, 4))
    layer = layers.Dense(3, activation=activation, bias_initializer="random_normal", dtype="float64")
    layer(x)
    check_gradients(layer, x, variables=layer.trainable_weights)


def test_rank3_input_uses_the_last_axis():
    inputs = layers.Input(shape=(7, 3))
    layer = layers.Dense(5)
    out = layer(inputs)
    assert out.shape == (None, 7, 5)
    assert layer.kernel.shape == (3, 5)
    assert layer.count_params() == 20
    x = np.random.default_rng(2).normal(size=(2, 7, 3))
    layer64 = layers.Dense(5, dtype="float64", bias_initializer="random_normal")
    np.testing.assert_allclose(layer64(x).numpy(), x @ layer64.kernel.numpy() + layer64.bias.numpy())
    check_gradients(layer64, x, variables=layer64.trainable_weights)


@pytest.mark.parametrize("n,units,use_bias", [(3, 5, True), (3, 5, False), (784, 300, True), (1, 1, True)])
def test_parameter_count(n, units, use_bias):
    layer = layers.Dense(units, use_bias=use_bias)
    layer.build((None, n))
    assert layer.count_params() == (n + 1) * units if use_bias else n * units
    assert len(layer.weights) == (2 if use_bias else 1)


def test_weight_order_names_and_defaults():
    layer = layers.Dense(4, name="hidden")
    layer.build((None, 3))
    assert [v.path for v in layer.weights] == ["hidden/kernel", "hidden/bias"]
    np.testing.assert_array_equal(layer.bias.numpy(), np.zeros(4))
    limit = np.sqrt(6 / (3 + 4))
    assert np.abs(layer.kernel.numpy()).max() <= limit
    assert layer.kernel.dtype == np.float32


def test_one_dimensional_input_suggests_reshape():
    layer = layers.Dense(2)
    with pytest.raises(ValueError) as err:
        layer(np.arange(5.0))
    message = str(err.value)
    assert "'dense'" in message and "(5,)" in message and "reshape(-1, 1)" in message


def test_built_layer_called_with_other_feature_size_teaches():
    layer = layers.Dense(2)
    layer(np.ones((4, 3), dtype="float32"))
    with pytest.raises(ValueError) as err:
        layer(np.ones((4, 5), dtype="float32"))
    message = str(err.value)
    assert "'dense'" in message and "(4, 5)" in message and "3" in message


def test_units_validation():
    for bad in (0, -3, 2.5, "4", True):
        with pytest.raises(ValueError, match="units"):
            layers.Dense(bad)


def test_unknown_activation_raises_at_construction():
    with pytest.raises(ValueError, match="relux"):
        layers.Dense(3, activation="relux")


def test_integer_inputs_are_cast_to_the_layer_dtype():
    layer = layers.Dense(2)
    assert layer(np.ones((2, 3), dtype="int64")).dtype == np.float32


def test_config_round_trip():
    layer = layers.Dense(7, activation="tanh", use_bias=False, kernel_initializer="he_normal",
                         kernel_regularizer="l2", name="d", input_shape=(4,))
    config = layer.get_config()
    assert config["units"] == 7 and config["activation"] == "tanh" and config["use_bias"] is False
    assert config["kernel_initializer"]["class_name"] == "HeNormal"
    assert config["batch_input_shape"] == (None, 4)
    clone = layers.Dense.from_config(config)
    assert clone.get_config() == config
    assert layers.Dense(3).get_config()["activation"] == "linear"


def test_input_dim_and_input_shape_arguments():
    assert layers.Dense(2, input_dim=6)._batch_input_shape == (None, 6)
    assert layers.Dense(2, input_shape=(6,), batch_size=8)._batch_input_shape == (8, 6)


def test_symbolic_call_records_shapes():
    inputs = layers.Input(shape=(8,))
    layer = layers.Dense(30, activation="relu")
    out = layer(inputs)
    assert out.shape == (None, 30)
    assert layer.input_shape == (None, 8) and layer.output_shape == (None, 30)
    assert layer.count_params() == 270
