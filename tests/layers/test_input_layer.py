"""Input / InputLayer: symbolic tensors of shape (batch, ...), names and errors."""
import numpy as np
import pytest

from gradiente import backend, layers


@pytest.fixture(autouse=True)
def _fresh_names():
    backend.clear_session()


def test_input_shape_dtype_and_one_based_names():
    a = layers.Input(shape=(8,))
    b = layers.Input(shape=(28, 28), dtype="float64", batch_size=32)
    c = layers.Input(shape=[3], name="features")
    assert isinstance(a, layers.KerasTensor)
    assert a.shape == (None, 8) and a.dtype == np.float32
    assert b.shape == (32, 28, 28) and b.dtype == np.float64
    assert [t._keras_history[0].name for t in (a, b, c)] == ["input_1", "input_2", "features"]


def test_input_layer_is_built_without_weights():
    layer = layers.Input(shape=(4, None))._keras_history[0]
    assert isinstance(layer, layers.InputLayer)
    assert layer.built and layer.weights == [] and layer.count_params() == 0
    assert layer.batch_shape == (None, 4, None)


def test_int_shape_is_rejected_with_a_fix():
    with pytest.raises(ValueError, match=r"Cannot convert '3' to a shape.*\(3,\)"):
        layers.Input(3)


def test_shape_is_required():
    with pytest.raises(ValueError, match="shape="):
        layers.InputLayer()


def test_batch_shape_and_config_round_trip():
    layer = layers.InputLayer(batch_shape=(None, 5), name="x")
    config = layer.get_config()
    assert config == {"batch_shape": (None, 5), "dtype": "float32", "name": "x"}
    clone = layers.InputLayer.from_config(config)
    assert clone.batch_shape == (None, 5) and clone.name == "x"


def test_input_layer_passes_data_through():
    layer = layers.InputLayer(shape=(2,))
    x = np.ones((3, 2), dtype="float32")
    np.testing.assert_array_equal(layer(x).numpy(), x)


def test_symbolic_tensor_has_no_value_or_length():
    x = layers.Input(shape=(2,))
    with pytest.raises(TypeError, match="no value"):
        x.numpy()
    with pytest.raises(TypeError, match="no length"):
        len(x)
