"""ONNX export of the normalization layers, with random (trained-looking) weights and statistics."""
import pytest

import gradiente as keras
from gradiente import layers


@pytest.mark.parametrize("axis", [-1, 1, [1, 3]])
@pytest.mark.parametrize("center,scale", [(True, True), (False, False), (True, False)])
def test_batch_and_layer_normalization(axis, center, scale, check_export, randomized, rng):
    inputs = keras.Input((3, 4, 5))
    outputs = [layers.BatchNormalization(axis=axis, center=center, scale=scale, epsilon=1e-2)(inputs),
               layers.LayerNormalization(axis=axis, center=center, scale=scale)(inputs)]
    model = randomized(keras.Model(inputs, outputs))
    check_export(model, rng.normal(1.0, 2.0, (4, 3, 4, 5)).astype("float32"))


def test_rms_layer_normalization_and_rms_normalization(check_export, randomized, rng):
    inputs = keras.Input((6, 4))
    outputs = [layers.LayerNormalization(rms_scaling=True)(inputs),
               layers.RMSNormalization(axis=[1, 2])(inputs), layers.RMSNormalization()(inputs)]
    model = randomized(keras.Model(inputs, outputs))
    check_export(model, rng.normal(size=(3, 6, 4)).astype("float32"))


@pytest.mark.parametrize("groups,axis,shape", [(2, -1, (5, 6)), (3, -1, (4, 3, 6)), (2, 1, (4, 3, 5)),
                                               (4, -1, (4,))])
def test_group_normalization(groups, axis, shape, check_export, randomized, rng):
    model = randomized(keras.Sequential([keras.Input(shape), layers.GroupNormalization(groups, axis=axis)]))
    check_export(model, rng.normal(size=(3,) + shape).astype("float32"))


def test_conv_block_with_batch_normalization(check_export, randomized, rng):
    model = keras.Sequential([keras.Input((8, 8, 3)), layers.Conv2D(4, 3, padding="same"),
                              layers.BatchNormalization(), layers.ReLU(), layers.MaxPooling2D(),
                              layers.Conv2D(4, 3), layers.BatchNormalization(), layers.Activation("relu"),
                              layers.GlobalAveragePooling2D(), layers.Dense(3, activation="softmax")])
    check_export(randomized(model), rng.normal(size=(4, 8, 8, 3)).astype("float32"))
