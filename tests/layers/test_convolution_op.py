"""``Conv.convolution_op(inputs, kernel)``: the public hook ``call`` goes through, as in
Keras's "Customizing the convolution operation of a Conv2D layer" example (written with
keras.ops); both ways of using it train through ``fit``, replayed only when exact."""
import numpy as np
import pytest

import gradiente as keras
from gradiente import layers, ops


class StandardizedConv2DWithOverride(layers.Conv2D):
    def convolution_op(self, inputs, kernel):
        mean, var = ops.moments(kernel, axes=[0, 1, 2], keepdims=True)
        return ops.conv(inputs, (kernel - mean) / ops.sqrt(var + 1e-10), padding="valid",
                        strides=list(self.strides))


class StandardizedConv2DWithCall(layers.Conv2D):
    def call(self, inputs):
        mean, var = ops.moments(self.kernel, axes=[0, 1, 2], keepdims=True)
        result = self.convolution_op(inputs, (self.kernel - mean) / ops.sqrt(var + 1e-10))
        if self.use_bias:
            result = result + self.bias
        return result


class NumpyScaledConv(layers.Conv2D):
    """Reads the kernel outside the ops: a traced step would keep a stale constant."""

    def convolution_op(self, inputs, kernel):
        return ops.conv(inputs, kernel / float(np.abs(kernel.numpy()).max()))


def standardized(kernel):
    k = kernel.numpy()
    return (k - k.mean(axis=(0, 1, 2))) / np.sqrt(k.var(axis=(0, 1, 2)) + 1e-10)


def test_default_convolution_op_is_the_layer_without_bias_and_activation():
    layer = layers.Conv2D(3, 2, strides=2, padding="same", activation="relu")
    x = np.random.default_rng(0).normal(size=(2, 5, 5, 2)).astype("float32")
    full = layer(x).numpy()
    raw = layer.convolution_op(ops.convert_to_tensor(x), layer.kernel).numpy()
    np.testing.assert_allclose(full, np.maximum(raw + layer.bias.numpy(), 0), rtol=1e-5, atol=1e-6)


def test_an_overridden_convolution_op_is_used_by_call_with_bias_and_activation():
    layer = StandardizedConv2DWithOverride(4, 3, activation="relu")
    x = np.random.default_rng(1).normal(size=(2, 6, 6, 1)).astype("float32")
    out = layer(x).numpy()
    reference = layers.Conv2D(4, 3, activation="relu")
    reference.build(x.shape)
    reference.set_weights([standardized(layer.kernel), layer.bias.numpy()])
    np.testing.assert_allclose(out, reference(x).numpy(), rtol=1e-4, atol=1e-5)


def test_a_call_override_can_use_convolution_op():
    layer = StandardizedConv2DWithCall(4, 3)
    x = np.random.default_rng(2).normal(size=(2, 6, 6, 1)).astype("float32")
    reference = layers.Conv2D(4, 3)
    reference.build(x.shape)
    out = layer(x).numpy()
    reference.set_weights([standardized(layer.kernel), layer.bias.numpy()])
    np.testing.assert_allclose(out, reference(x).numpy(), rtol=1e-4, atol=1e-5)


def example_model(second=StandardizedConv2DWithOverride):
    return keras.Sequential([
        keras.layers.InputLayer(input_shape=(12, 12, 1)),
        StandardizedConv2DWithCall(4, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        second(6, kernel_size=(3, 3), activation="relu"),
        layers.Flatten(),
        layers.Dropout(0.5),
        layers.Dense(3, activation="softmax"),
    ])


def train(second, run_eagerly):
    rng = np.random.default_rng(0)
    x = rng.random((48, 12, 12, 1)).astype("float32")
    y = keras.utils.to_categorical(rng.integers(0, 3, 48), 3)
    keras.utils.set_random_seed(1)
    model = example_model(second)
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"],
                  run_eagerly=run_eagerly)
    keras.utils.set_random_seed(2)
    history = model.fit(x, y, batch_size=16, epochs=2, verbose=0)
    return model, history


@pytest.mark.parametrize("second, replayed", [(StandardizedConv2DWithOverride, True),
                                              (NumpyScaledConv, False)])
def test_the_example_trains_with_fit_exactly_as_eagerly(second, replayed):
    (compiled, hist_c), (eager, hist_e) = train(second, False), train(second, True)
    assert hist_c.history == hist_e.history
    for a, b in zip(compiled.get_weights(), eager.get_weights()):
        np.testing.assert_array_equal(a, b)
    # An override written with ops is traced and verified; one that is not stays eager.
    replays = list(compiled._compiled_step.replays.values())
    assert any(r is not None for r in replays) is replayed
