"""ONNX export of keras.ops calls and operators on KerasTensors (OpLayer nodes)."""
import numpy as np
import pytest

import gradiente as keras
from gradiente import layers, ops


def test_operators_and_elementwise_ops(check_export, randomized, rng):
    x, y = keras.Input((3, 4)), keras.Input((3, 4))
    h = layers.Dense(4)(x)
    outputs = [h + y, 2.0 * x - y, (x * y) / 3.0, -x, 1.0 - ops.abs(y), ops.maximum(x, y), ops.minimum(x, 0.5),
               ops.exp(ops.tanh(x)), ops.sqrt(ops.square(x) + 1.0), ops.log(ops.sigmoid(y)), ops.relu(x),
               ops.power(ops.abs(x) + 0.1, 2.5), x @ np.ones((4, 2), "float32")]
    model = randomized(keras.Model([x, y], outputs))
    check_export(model, rng.normal(size=(3, 3, 4)).astype("float32"), rng.normal(size=(3, 3, 4)).astype("float32"))


def test_reductions_and_shaping(check_export, rng):
    x = keras.Input((3, 4))
    outputs = [ops.sum(x, axis=1), ops.mean(x, axis=(1, 2), keepdims=True), ops.max(x, axis=-1),
               ops.min(x, axis=1, keepdims=True), ops.reshape(x, (-1, 12)), ops.transpose(x, (0, 2, 1)),
               ops.expand_dims(x, 1), ops.squeeze(ops.expand_dims(x, -1), axis=-1),
               ops.concatenate([x, x * 2.0], axis=1)]
    check_export(keras.Model(x, outputs), rng.normal(size=(3, 3, 4)).astype("float32"))


def test_residual_block_with_operators(check_export, randomized, rng):
    inputs = keras.Input((8, 8, 3))
    h = layers.Conv2D(3, 3, padding="same", activation="relu")(inputs)
    h = layers.Conv2D(3, 3, padding="same")(h) + inputs
    model = randomized(keras.Model(inputs, layers.GlobalAveragePooling2D()(ops.relu(h))))
    check_export(model, rng.normal(size=(3, 8, 8, 3)).astype("float32"))


def test_unsupported_ops_are_refused(tmp_path):
    x = keras.Input((3,))
    model = keras.Model(x, ops.cumsum(x, axis=1))
    with pytest.raises(ValueError, match=r"\(OpLayer\).*ops\.cumsum has no ONNX translation"):
        model.export(tmp_path / "a.onnx", format="onnx", verbose=False)
    model = keras.Model(x, ops.squeeze(ops.expand_dims(x, 1)))
    with pytest.raises(ValueError, match=r"squeeze without axis"):
        model.export(tmp_path / "b.onnx", format="onnx", verbose=False)
