"""The Keras guide "Understanding masking & padding", written with keras.ops, runs as in
Keras 3 (pad_sequences is left out: the padded ids are written out)."""
import numpy as np
import pytest

import gradiente as keras
from gradiente import layers, ops

PADDED = np.array([[711, 632, 71, 0, 0, 0], [73, 8, 3215, 55, 927, 0], [83, 91, 1, 645, 1253, 927]])
VALID = PADDED != 0


def test_mask_generating_layers():
    masked_output = layers.Embedding(input_dim=5000, output_dim=16, mask_zero=True)(PADDED)
    np.testing.assert_array_equal(masked_output._keras_mask.numpy(), VALID)
    unmasked = ops.cast(ops.tile(ops.expand_dims(PADDED, axis=-1), [1, 1, 10]), "float32")
    masked_embedding = layers.Masking()(unmasked)
    np.testing.assert_array_equal(masked_embedding._keras_mask.numpy(), VALID)


def test_mask_propagation_in_sequential_and_functional_models():
    sequential = keras.Sequential([layers.Embedding(input_dim=5000, output_dim=16, mask_zero=True),
                                   layers.LSTM(32)])
    assert sequential(PADDED).shape == (3, 32)
    inputs = keras.Input(shape=(None,), dtype="int32")
    x = layers.Embedding(input_dim=5000, output_dim=16, mask_zero=True)(inputs)
    model = keras.Model(inputs, layers.LSTM(32)(x))
    assert model(PADDED).shape == (3, 32)


def test_passing_mask_tensors_directly_to_layers():
    class MyLayer(layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.embedding = layers.Embedding(input_dim=5000, output_dim=16, mask_zero=True)
            self.lstm = layers.LSTM(32)

        def call(self, inputs):
            x = self.embedding(inputs)
            mask = self.embedding.compute_mask(inputs)
            return self.lstm(x, mask=mask)

    x = (np.random.default_rng(0).random((32, 10)) * 100).astype("int32")
    assert MyLayer()(x).shape == (32, 32)


def test_a_layer_that_modifies_the_mask():
    class TemporalSplit(keras.layers.Layer):
        def call(self, inputs):
            return ops.split(inputs, 2, axis=1)

        def compute_mask(self, inputs, mask=None):
            if mask is None:
                return None
            return ops.split(mask, 2, axis=1)

    masked_embedding = layers.Masking()(ops.cast(ops.expand_dims(PADDED, -1), "float32"))
    first_half, second_half = TemporalSplit()(masked_embedding)
    np.testing.assert_array_equal(first_half._keras_mask.numpy(), VALID[:, :3])
    np.testing.assert_array_equal(second_half._keras_mask.numpy(), VALID[:, 3:])


def test_a_custom_layer_that_generates_a_mask():
    class CustomEmbedding(keras.layers.Layer):
        def __init__(self, input_dim, output_dim, mask_zero=False, **kwargs):
            super().__init__(**kwargs)
            self.input_dim = input_dim
            self.output_dim = output_dim
            self.mask_zero = mask_zero

        def build(self, input_shape):
            self.embeddings = self.add_weight(shape=(self.input_dim, self.output_dim),
                                              initializer="random_normal", dtype="float32")

        def call(self, inputs):
            return ops.take(self.embeddings, inputs, axis=0)

        def compute_mask(self, inputs, mask=None):
            if not self.mask_zero:
                return None
            return ops.not_equal(inputs, 0)

    layer = CustomEmbedding(10, 32, mask_zero=True)
    x = (np.random.default_rng(1).random((3, 10)) * 9).astype("int32")
    y = layer(x)  # integer ids reach a custom call unconverted, as in Keras 3
    np.testing.assert_array_equal(y.numpy(), layer.embeddings.numpy()[x])
    np.testing.assert_array_equal(layer.compute_mask(x).numpy(), x != 0)
    np.testing.assert_array_equal(y._keras_mask.numpy(), x != 0)


def test_opting_in_to_mask_propagation():
    class MyActivation(keras.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.supports_masking = True

        def call(self, inputs):
            return ops.relu(inputs)

    inputs = keras.Input(shape=(None,), dtype="int32")
    x = layers.Embedding(input_dim=5000, output_dim=16, mask_zero=True)(inputs)
    x = MyActivation()(x)
    assert x._keras_mask is not None and x._keras_mask.shape == (None, None)
    model = keras.Model(inputs, layers.LSTM(32)(x))
    assert model(PADDED).shape == (3, 32)


class TemporalSoftmax(keras.layers.Layer):
    def call(self, inputs, mask=None):
        broadcast_float_mask = ops.expand_dims(ops.cast(mask, "float32"), -1)
        inputs_exp = ops.exp(inputs) * broadcast_float_mask
        inputs_sum = ops.sum(inputs_exp * broadcast_float_mask, axis=-1, keepdims=True)
        return inputs_exp / inputs_sum


def test_a_layer_that_needs_the_mask_receives_it_in_a_functional_model():
    inputs = keras.Input(shape=(None,), dtype="int32")
    x = layers.Embedding(input_dim=10, output_dim=32, mask_zero=True)(inputs)
    x = layers.Dense(1)(x)
    with pytest.warns(UserWarning, match="does not support masking"):  # as Keras 3 warns
        outputs = TemporalSoftmax()(x)
    model = keras.Model(inputs, outputs)
    ids = np.random.default_rng(2).integers(0, 10, size=(32, 100))
    with pytest.warns(UserWarning, match="does not support masking"), np.errstate(invalid="ignore"):
        # The guide's second argument lands in `training`; its 0/0 at padded steps is nan.
        y = model(ids, np.random.default_rng(3).random((32, 100, 1)))
    assert y.shape == (32, 100, 1)
    valid = ids != 0
    np.testing.assert_allclose(y.numpy()[valid], 1.0)
    assert np.isnan(y.numpy()[~valid]).all()


def test_a_layer_that_needs_the_mask_receives_it_in_sequential_and_eager_calls():
    ids = np.array([[1, 2, 0], [3, 0, 0]])
    model = keras.Sequential([keras.Input((3,), dtype="int32"),
                              layers.Embedding(5, 2, mask_zero=True), layers.Dense(1)])
    seen = {}

    class Probe(layers.Layer):
        supports_masking = True

        def call(self, inputs, mask=None):
            seen["mask"] = mask
            return inputs

    model.add(Probe())
    model(ids)
    np.testing.assert_array_equal(np.asarray(seen.pop("mask")), ids != 0)
    Probe()(layers.Embedding(5, 2, mask_zero=True)(ids))  # eager, outside any model
    np.testing.assert_array_equal(np.asarray(seen.pop("mask")), ids != 0)
