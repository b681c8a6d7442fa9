"""A layer whose build is called by hand (or by a parent's build, or by a loader) is marked
built, so its first call does not build it again with a second set of weights (Keras 3
wraps every build this way)."""
import numpy as np

import gradiente as keras


class Projection(keras.layers.Layer):
    def __init__(self, units=2, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units), name="kernel",
                                      regularizer="l1")

    def call(self, inputs):
        return keras.ops.matmul(inputs, self.kernel)


class Wrapper(keras.layers.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.inner = Projection()

    def build(self, input_shape):
        self.inner.build(input_shape)

    def call(self, inputs):
        return self.inner(inputs)


X = np.ones((2, 3), dtype="float32")


def test_build_called_by_hand_marks_the_layer_built():
    layer = Projection()
    layer.build((None, 3))
    assert layer.built and layer._build_input_shape == (None, 3)
    layer(X)
    assert [w.name for w in layer.weights] == ["kernel"]


def test_a_parent_building_its_sublayer_does_not_double_its_weights():
    layer = Wrapper()
    layer(X)
    assert len(layer.weights) == 1 and len(layer.losses) == 1


def test_a_model_config_with_a_built_custom_layer_rebuilds_one_set_of_weights():
    inputs = keras.Input(shape=(3,))
    model = keras.Model(inputs, Projection(name="proj")(inputs))
    clone = keras.Model.from_config(model.get_config(), custom_objects={"Projection": Projection})
    clone(X)
    assert len(clone.trainable_weights) == 1 and len(clone.losses) == 1
