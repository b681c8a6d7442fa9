"""A Model subclass given inputs and outputs builds a Functional model that keeps the
subclass's methods, as Keras 3 makes such an instance both (models/model.py, __new__/__init__)."""
import numpy as np
import pytest

import gradiente as keras
from gradiente import layers, models


def graph():
    inputs = keras.Input(shape=(4,))
    return inputs, layers.Dense(2, name="head")(layers.Dense(3)(inputs))


def test_positional_and_keyword_graphs_give_a_functional_instance_of_the_subclass():
    class CustomModel(keras.Model):
        def describe(self):
            return f"{len(self.layers)} layers"

    inputs, outputs = graph()
    for model in (CustomModel(inputs, outputs), CustomModel(inputs=inputs, outputs=outputs)):
        assert type(model) is CustomModel
        assert isinstance(model, models.Functional) and isinstance(model, keras.Model)
        assert model.describe() == "3 layers"
        assert model.inputs == [inputs] and model.output is outputs
        assert model(np.ones((5, 4), "float32")).shape == (5, 2)
    assert CustomModel(inputs, outputs, name="mine").name == "mine"


def test_a_subclass_model_is_named_after_its_class():
    class CustomModel(keras.Model):
        pass

    keras.backend.clear_session()
    assert CustomModel(*graph()).name == "custom_model"
    assert keras.Model(*graph()).name == "model"


def test_fit_uses_the_subclass_train_step():
    calls = []

    class CustomModel(keras.Model):
        def train_step(self, data):
            calls.append(len(data[0]))
            return super().train_step(data)

    keras.utils.set_random_seed(0)
    model = CustomModel(*graph())
    model.compile(optimizer="sgd", loss="mse")
    x = np.random.default_rng(0).normal(size=(20, 4)).astype("float32")
    model.fit(x, np.zeros((20, 2), "float32"), batch_size=10, epochs=2, verbose=0)
    assert calls == [10, 10, 10, 10]


def test_a_subclass_with_its_own_init_passes_the_graph_on():
    class Wrapped(keras.Model):
        def __init__(self, units, **kwargs):
            inputs = keras.Input(shape=(3,))
            super().__init__(inputs=inputs, outputs=layers.Dense(units)(inputs), **kwargs)
            self.units = units

    model = Wrapped(5, name="wrapped")
    assert model.units == 5 and model.output_shape == (None, 5) and model.name == "wrapped"
    assert isinstance(model, models.Functional)


def test_subclassed_models_without_a_graph_are_unchanged():
    class Plain(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(2)

        def call(self, x):
            return self.dense(x)

    model = Plain()
    assert not isinstance(model, models.Functional)
    assert model(np.ones((1, 3), "float32")).shape == (1, 2)


def test_half_a_graph_is_refused_with_what_was_received():
    class CustomModel(keras.Model):
        pass

    inputs, _ = graph()
    with pytest.raises(TypeError, match="inputs, outputs"):
        CustomModel(inputs)
    with pytest.raises(TypeError, match="inputs, outputs"):
        CustomModel(inputs=inputs)
