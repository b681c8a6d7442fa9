"""RandomRotation: a quarter turn against np.rot90, random angles against sampling at
coordinates rotated about the centre (map_coordinates, itself checked against loops), fill
modes, identity at inference, factor validation, gradients, config and save/load."""
import math

import numpy as np
import pytest

import gradiente as keras
from image_layer_testlib import (assert_config_round_trip, assert_saved_and_loaded, check_layer_gradients,
                                 images, uniform_draws)


@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
def test_quarter_turn_is_rot90(interpolation):
    x = images(3, 5, 5, 2)
    out = keras.layers.RandomRotation((0.25, 0.25), interpolation=interpolation)(x, training=True).numpy()
    np.testing.assert_allclose(out, np.rot90(x, 1, axes=(1, 2)), atol=1e-3)
    half = keras.layers.RandomRotation((-0.5, -0.5), interpolation=interpolation)(x, training=True).numpy()
    np.testing.assert_allclose(half, np.rot90(x, 2, axes=(1, 2)), atol=1e-3)


def rotated_reference(image, degrees, fill_mode, fill_value):
    h, w = image.shape[:2]
    cy, cx = (h - 1) / 2, (w - 1) / 2
    t = math.radians(degrees)
    y, x = np.meshgrid(np.arange(h), np.arange(w), indexing="ij")
    src_x = math.cos(t) * (x - cx) - math.sin(t) * (y - cy) + cx
    src_y = math.sin(t) * (x - cx) + math.cos(t) * (y - cy) + cy
    return np.stack([keras.ops.image.map_coordinates(image[..., c], np.stack([src_y, src_x]), 1, fill_mode=fill_mode,
                                                     fill_value=fill_value).numpy()
                     for c in range(image.shape[-1])], axis=-1)


@pytest.mark.parametrize("fill_mode", ["reflect", "wrap", "constant", "nearest"])
def test_random_angles_rotate_about_the_centre(fill_mode):
    x = images(4, 6, 7, 2)
    layer = keras.layers.RandomRotation(0.2, fill_mode=fill_mode, fill_value=9.0, seed=5)
    out = layer(x, training=True).numpy()
    (degrees,) = uniform_draws(5, ((4,), -0.2 * 360, 0.2 * 360))
    assert np.all(np.abs(degrees) <= 72)
    want = np.stack([rotated_reference(im, d, fill_mode, 9.0) for im, d in zip(x, degrees)])
    np.testing.assert_allclose(out, want, atol=2e-3)


def test_inference_identity_layouts_and_unbatched():
    x = images(2, 4, 6, 3)
    layer = keras.layers.RandomRotation(0.3, seed=1)
    np.testing.assert_array_equal(layer(x, training=False).numpy(), x)
    want = keras.layers.RandomRotation(0.3, seed=1)(x, training=True).numpy()
    cf = keras.layers.RandomRotation(0.3, seed=1, data_format="channels_first")(x.transpose(0, 3, 1, 2), training=True)
    np.testing.assert_allclose(cf.numpy().transpose(0, 2, 3, 1), want, rtol=1e-6)
    assert keras.layers.RandomRotation(0.3, seed=1)(x[0], training=True).shape == x[0].shape


def test_errors():
    with pytest.raises(ValueError, match="factor"):
        keras.layers.RandomRotation(1.5)
    with pytest.raises(ValueError, match="factor"):
        keras.layers.RandomRotation((0.1, 0.2, 0.3))
    with pytest.raises(NotImplementedError, match="fill_mode"):
        keras.layers.RandomRotation(0.1, fill_mode="mirror")
    with pytest.raises(NotImplementedError, match="interpolation"):
        keras.layers.RandomRotation(0.1, interpolation="bicubic")


def test_gradients():
    check_layer_gradients(keras.layers.RandomRotation(0.1, seed=2, dtype="float64"), images(2, 4, 4, 2, dtype="float64"))


def test_config_and_save_load(tmp_path):
    layer = keras.layers.RandomRotation((-0.1, 0.2), fill_mode="constant", fill_value=3.0, seed=8)
    again = assert_config_round_trip(layer)
    assert again.factor == (-0.1, 0.2) and again.fill_mode == "constant"
    assert_saved_and_loaded(tmp_path, layer, images(2, 5, 5, 3))
