"""A registered custom layer inside TimeDistributed / Bidirectional, and a registered custom
cell inside RNN, rebuild from the model's config and from a saved file."""
import numpy as np

import gradiente as keras


@keras.saving.register_keras_serializable(package="wrapped_test")
class Doubling(keras.layers.Layer):
    def call(self, inputs):
        return inputs * 2.0


@keras.saving.register_keras_serializable(package="wrapped_test")
class AccumulatorCell(keras.layers.Layer):
    """h_t = x_t W + h_{t-1}: a cell with no output_size (RNN reads state_size, as Keras)."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.state_size = units

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units), name="kernel")

    def call(self, inputs, states):
        h = keras.ops.matmul(inputs, self.kernel) + states[0]
        return h, [h]

    def get_config(self):
        return {**super().get_config(), "units": self.units}


def build_model():
    keras.utils.set_random_seed(0)
    inputs = keras.Input(shape=(4, 3))
    doubled = keras.layers.TimeDistributed(Doubling())(inputs)
    outputs = keras.layers.RNN(AccumulatorCell(2))(doubled)
    return keras.Model(inputs, outputs)


def test_custom_layer_and_cell_inside_wrappers_rebuild_from_config():
    model = build_model()
    clone = keras.Model.from_config(model.get_config())
    clone.set_weights(model.get_weights())
    assert type(clone.layers[1].layer) is Doubling and type(clone.layers[2].cell) is AccumulatorCell
    x = np.random.default_rng(0).random((2, 4, 3)).astype("float32")
    np.testing.assert_allclose(clone.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)


def test_custom_cell_inside_a_wrapper_survives_save_and_load(tmp_path):
    model = build_model()
    path = tmp_path / "wrapped.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    x = np.random.default_rng(1).random((3, 4, 3)).astype("float32")
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)
