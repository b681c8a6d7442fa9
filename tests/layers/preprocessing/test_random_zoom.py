"""RandomZoom against sampling at coordinates scaled about the centre, one draw per image
(the height draw reused for width when width_factor is None), identity at inference,
factor validation, gradients, config and save/load."""
import numpy as np
import pytest

import gradiente as keras
from image_layer_testlib import (assert_config_round_trip, assert_saved_and_loaded, check_layer_gradients,
                                 images, uniform_draws)


def zoomed_reference(image, zy, zx, fill_mode):
    h, w = image.shape[:2]
    y, x = np.meshgrid(np.arange(h), np.arange(w), indexing="ij")
    src = np.stack([zy * (y - (h - 1) / 2) + (h - 1) / 2, zx * (x - (w - 1) / 2) + (w - 1) / 2])
    return np.stack([keras.ops.image.map_coordinates(image[..., c], src, 1, fill_mode=fill_mode).numpy()
                     for c in range(image.shape[-1])], axis=-1)


@pytest.mark.parametrize("width_factor", [None, (-0.3, 0.1)])
@pytest.mark.parametrize("fill_mode", ["reflect", "constant"])
def test_zoom_scales_about_the_centre(width_factor, fill_mode):
    x = images(3, 6, 8, 2)
    layer = keras.layers.RandomZoom(0.4, width_factor, fill_mode=fill_mode, seed=6)
    out = layer(x, training=True).numpy()
    draws = [((3,), 0.6, 1.4)] + ([] if width_factor is None else [((3,), 0.7, 1.1)])
    zooms = uniform_draws(6, *draws)
    zy, zx = zooms[0], zooms[-1]
    want = np.stack([zoomed_reference(im, a, b, fill_mode) for im, a, b in zip(x, zy, zx)])
    np.testing.assert_allclose(out, want, atol=2e-3)


def test_zoom_in_by_half_picks_the_centre():
    x = images(1, 4, 4, 1)
    out = keras.layers.RandomZoom((-0.5, -0.5), interpolation="bilinear")(x, training=True).numpy()
    # Output pixel (0, 0) reads source position (0.75, 0.75): bilinear weights 1/16, 3/16, 3/16, 9/16.
    np.testing.assert_allclose(out[0, 0, 0, 0], x[0, 0, 0, 0] * 0.0625 + x[0, 0, 1, 0] * 0.1875
                               + x[0, 1, 0, 0] * 0.1875 + x[0, 1, 1, 0] * 0.5625, rtol=1e-5)


def test_inference_identity_and_errors():
    x = images(2, 4, 4, 3)
    np.testing.assert_array_equal(keras.layers.RandomZoom(0.2)(x, training=False).numpy(), x)
    with pytest.raises(ValueError, match=r"\(-1.0, 1.0\]"):
        keras.layers.RandomZoom(-1.0)
    with pytest.raises(ValueError, match="width_factor"):
        keras.layers.RandomZoom(0.1, width_factor=(0.1, 2.0))
    with pytest.raises(NotImplementedError, match="fill_mode"):
        keras.layers.RandomZoom(0.1, fill_mode="mirror")


def test_gradients():
    check_layer_gradients(keras.layers.RandomZoom(0.3, seed=2, dtype="float64"), images(2, 4, 5, 1, dtype="float64"))


def test_config_and_save_load(tmp_path):
    layer = keras.layers.RandomZoom((-0.2, 0.3), width_factor=0.1, interpolation="nearest", seed=4)
    again = assert_config_round_trip(layer)
    assert again.height_factor == [-0.2, 0.3] and again.width_factor == 0.1
    assert_saved_and_loaded(tmp_path, layer, images(2, 6, 6, 3))
