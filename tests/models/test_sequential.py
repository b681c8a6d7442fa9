"""Sequential: construction, add/pop, deferred build, naming, get_layer, config round trip."""
import json

import numpy as np
import pytest

from gradiente import backend, layers, models
from gradiente.layers import Layer


def mlp(**kwargs):
    return models.Sequential([
        layers.Dense(5, activation="relu", input_shape=(4,)),
        layers.Dense(3),
    ], **kwargs)


def numpy_forward(model, x):
    kernel1, bias1, kernel2, bias2 = model.get_weights()
    return np.maximum(x @ kernel1 + bias1, 0) @ kernel2 + bias2


def test_names_are_unique_per_session_and_reset_by_clear_session():
    assert [models.Sequential().name for _ in range(2)] == ["sequential", "sequential_1"]
    inputs = layers.Input(shape=(3,))
    assert inputs.name == "input_1" and layers.Input(shape=(3,)).name == "input_2"
    assert models.Model(inputs, layers.Dense(1)(inputs)).name == "model"
    assert models.Model(inputs, layers.Dense(1)(inputs)).name == "model_1"
    backend.clear_session()
    assert models.Sequential().name == "sequential"
    assert layers.Dense(1).name == "dense"
    assert layers.Input(shape=(3,)).name == "input_1"


def test_first_layer_with_input_shape_builds_the_graph_at_once():
    model = mlp()
    assert model.built
    assert [layer.name for layer in model.layers] == ["dense", "dense_1"]
    assert model._layers[0].name == "dense_input"
    assert model.input_shape == (None, 4) and model.output_shape == (None, 3)
    assert model.inputs[0].shape == (None, 4) and model.outputs[0].shape == (None, 3)
    assert model.input is model.inputs[0] and model.output is model.outputs[0]
    assert model.count_params() == 4 * 5 + 5 + 5 * 3 + 3


def test_forward_matches_numpy():
    model = mlp()
    x = np.random.default_rng(1).standard_normal((6, 4)).astype("float32")
    np.testing.assert_allclose(model(x).numpy(), numpy_forward(model, x), rtol=1e-5, atol=1e-6)
    # A single sample, as a nested Python list.
    np.testing.assert_allclose(model([list(x[0])]).numpy(), numpy_forward(model, x[:1]), rtol=1e-5, atol=1e-6)


def test_weights_are_listed_in_layer_order():
    model = mlp()
    # Keras 3 builds a Sequential's layers under the model's name scope.
    assert [v.path for v in model.weights] == ["sequential/dense/kernel", "sequential/dense/bias",
                                               "sequential/dense_1/kernel", "sequential/dense_1/bias"]


def test_add_accepts_an_input_tensor_or_input_layer_first():
    model = models.Sequential()
    model.add(layers.Input(shape=(4,)))
    assert not model.built
    model.add(layers.Dense(2))
    assert model.built and model.output_shape == (None, 2)
    assert [layer.name for layer in model.layers] == ["dense"]
    other = models.Sequential([layers.InputLayer(shape=(3,)), layers.Dense(1)])
    assert other.input_shape == (None, 3)


def test_add_after_build_extends_the_graph():
    model = mlp()
    model.add(layers.Dense(7))
    assert model.output_shape == (None, 7)
    assert model(np.ones((2, 4))).shape == (2, 7)


def test_add_refuses_what_is_not_a_layer():
    model = models.Sequential()
    with pytest.raises(TypeError, match="expects a Layer instance"):
        model.add("dense")
    with pytest.raises(TypeError, match="Add parentheses"):
        model.add(layers.Dense)


def test_add_refuses_duplicate_names_and_late_inputs():
    model = models.Sequential([layers.Dense(2, name="same")])
    with pytest.raises(ValueError, match="unique names.*'same'"):
        model.add(layers.Dense(3, name="same"))
    with pytest.raises(ValueError, match="Input can only be the first layer"):
        model.add(layers.Input(shape=(3,)))


def test_a_layer_that_fails_is_not_added():
    model = models.Sequential([layers.Input(shape=(4,)), layers.Dense(3)])
    with pytest.raises(ValueError):
        model.add(layers.Conv2D(2, 3))
    assert [layer.name for layer in model.layers] == ["dense"]
    assert model.output_shape == (None, 3)


def test_multi_output_layer_is_refused():
    class Twice(Layer):
        def call(self, inputs):
            return [inputs, inputs]

    model = models.Sequential([layers.Input(shape=(2,))])
    with pytest.raises(ValueError, match="single output tensor"):
        model.add(Twice())


def test_pop_removes_the_last_layer():
    model = mlp()
    model.add(layers.Dense(9))
    popped = model.pop()
    assert popped.name == "dense_2"
    assert model.output_shape == (None, 3)
    assert model(np.ones((2, 4))).shape == (2, 3)
    model.pop()
    model.pop()
    assert model.layers == [] and not model.built
    with pytest.raises(TypeError, match="no layers"):
        model.pop()
    # The input shape came from the popped first layer: the model starts afresh.
    model.add(layers.Dense(2))
    assert not model.built


def test_get_layer_by_name_and_index():
    model = mlp()
    assert model.get_layer("dense_1") is model.layers[1]
    assert model.get_layer(index=0) is model.layers[0]
    assert model.get_layer(index=-1) is model.layers[1]
    with pytest.raises(ValueError, match="no layer named 'nope'.*'dense', 'dense_1'"):
        model.get_layer("nope")
    with pytest.raises(ValueError, match="index 5.*only 2 layer"):
        model.get_layer(index=5)
    with pytest.raises(ValueError, match="not both"):
        model.get_layer("dense", 0)
    with pytest.raises(ValueError, match="needs a layer"):
        model.get_layer()


def test_deferred_build_on_first_call():
    model = models.Sequential([layers.Dense(3, activation="relu"), layers.Dense(1)])
    assert not model.built and model.inputs is None
    with pytest.raises(AttributeError, match="not been built"):
        model.output_shape
    out = model(np.ones((5, 4), dtype="float32"))
    assert out.shape == (5, 1)
    assert model.built
    assert model.input_shape == (None, 4)  # the batch size of the first call is not kept
    assert model._layers[0].name == "dense_input"
    assert model(np.ones((2, 4))).shape == (2, 1)


def test_build_with_an_input_shape():
    model = models.Sequential([layers.Dense(3)])
    model.build((None, 6))
    assert model.built and model.output_shape == (None, 3)
    assert model.layers[0].kernel.shape == (6, 3)
    model.build((None, 99))  # already built: nothing changes, as in Keras
    assert model.input_shape == (None, 6)


def test_build_needs_a_shape_and_layers():
    with pytest.raises(ValueError, match="needs an `input_shape`"):
        models.Sequential([layers.Dense(3)]).build()
    with pytest.raises(ValueError, match="no layers"):
        models.Sequential().build((None, 3))
    with pytest.raises(ValueError, match="no layers"):
        models.Sequential()(np.ones((2, 3)))


def test_a_failed_build_leaves_the_model_unbuilt():
    model = models.Sequential([layers.Conv2D(2, 3)])
    with pytest.raises(ValueError):
        model.build((None, 4))
    assert not model.built and model._layers == model.layers
    model.build((None, 8, 8, 1))
    assert model.output_shape == (None, 6, 6, 2)


def test_wrong_feature_count_names_the_model_and_shapes():
    model = mlp()
    with pytest.raises(ValueError, match=r"expects data of shape \(None, 4\).*received shape \(2, 5\)"):
        model(np.ones((2, 5)))
    with pytest.raises(ValueError, match=r"batch axis"):
        model(np.ones(4))


def test_sequential_of_several_inputs_is_refused():
    model = models.Sequential([layers.Dense(2)])
    with pytest.raises(ValueError, match="takes one input"):
        model([np.ones((2, 3)), np.ones((2, 3))])


def test_nested_sequential_in_sequential():
    inner = models.Sequential([layers.Dense(4, activation="relu", input_shape=(3,)), layers.Dense(2)])
    outer = models.Sequential([inner, layers.Dense(1)])
    assert outer.built and outer.input_shape == (None, 3)
    x = np.random.default_rng(0).standard_normal((4, 3)).astype("float32")
    expected = inner(x).numpy() @ outer.layers[1].kernel.numpy() + outer.layers[1].bias.numpy()
    np.testing.assert_allclose(outer(x).numpy(), expected, rtol=1e-5, atol=1e-6)
    assert len(outer.weights) == 6


def test_unbuilt_sequential_used_as_a_layer_is_built_by_the_call():
    block = models.Sequential([layers.Dense(4), layers.Dense(2)])
    inputs = layers.Input(shape=(5,))
    model = models.Model(inputs, block(inputs))
    assert block.built and block.input_shape == (None, 5)
    assert model(np.ones((3, 5))).shape == (3, 2)


def test_config_round_trip_rebuilds_an_equivalent_model():
    model = mlp(name="my_mlp")
    config = model.get_config()
    json.dumps(config)
    assert [entry["class_name"] for entry in config["layers"]] == ["InputLayer", "Dense", "Dense"]
    clone = models.Sequential.from_config(config)
    assert clone.name == "my_mlp"
    assert [layer.name for layer in clone.layers] == ["dense", "dense_1"]
    assert clone.input_shape == (None, 4)
    clone.set_weights(model.get_weights())
    x = np.random.default_rng(2).standard_normal((3, 4)).astype("float32")
    np.testing.assert_allclose(clone(x).numpy(), model(x).numpy())


def test_config_of_an_unbuilt_model_stays_unbuilt():
    model = models.Sequential([layers.Dense(3), layers.Dense(1)])
    clone = models.Sequential.from_config(model.get_config())
    assert not clone.built and [layer.units for layer in clone.layers] == [3, 1]


def test_clone_model_keeps_architecture_with_new_weights():
    model = mlp()
    clone = models.clone_model(model)
    assert [layer.name for layer in clone.layers] == ["dense", "dense_1"]
    assert all(a is not b for a, b in zip(clone.layers, model.layers))
    assert not np.allclose(clone.layers[0].kernel.numpy(), model.layers[0].kernel.numpy())
    clone.set_weights(model.get_weights())
    x = np.ones((2, 4), dtype="float32")
    np.testing.assert_allclose(clone(x).numpy(), model(x).numpy())


def test_a_sequential_built_by_its_first_call_takes_sequences_of_another_length():
    # As Keras: a shape taken from data (not a declared Input) only fixes the rank.
    model = models.Sequential([layers.Embedding(10, 4, mask_zero=True), layers.LSTM(3)])
    assert model(np.array([[1, 2, 3, 0, 0, 0]] * 3)).shape == (3, 3)
    assert model(np.array([[1, 2, 0]])).shape == (1, 3)
    with pytest.raises(ValueError):
        model(np.ones((1, 3, 2)))  # another rank is still refused
