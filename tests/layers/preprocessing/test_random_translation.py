"""RandomTranslation against sampling at shifted coordinates (shift = draw x size), integer
shifts against slicing, identity at inference, factor validation, gradients, config and
save/load."""
import numpy as np
import pytest

import gradiente as keras
from image_layer_testlib import (assert_config_round_trip, assert_saved_and_loaded, check_layer_gradients,
                                 images, uniform_draws)


@pytest.mark.parametrize("fill_mode", ["reflect", "wrap", "nearest", "constant"])
def test_shift_by_the_drawn_fraction(fill_mode):
    x = images(3, 5, 6, 2)
    out = keras.layers.RandomTranslation(0.3, (-0.2, 0.4), fill_mode=fill_mode, seed=9)(x, training=True).numpy()
    dy, dx = uniform_draws(9, ((3,), -0.3, 0.3), ((3,), -0.2, 0.4))
    y, xx = np.meshgrid(np.arange(5), np.arange(6), indexing="ij")
    for image, result, sy, sx in zip(x, out, dy * 5, dx * 6):
        src = np.stack([y - sy, xx - sx])
        want = np.stack([keras.ops.image.map_coordinates(image[..., c], src, 1, fill_mode=fill_mode).numpy()
                         for c in range(2)], axis=-1)
        np.testing.assert_allclose(result, want, atol=2e-3)


def test_whole_pixel_shift_is_a_slice():
    x = images(2, 4, 4, 1)
    # height_factor 0.25 of 4 rows: one row down, the top row filled with the constant.
    out = keras.layers.RandomTranslation((0.25, 0.25), (-0.5, -0.5), fill_mode="constant", fill_value=-1.0)(
        x, training=True).numpy()
    want = np.full_like(x, -1.0)
    want[:, 1:, :2] = x[:, :3, 2:]
    np.testing.assert_allclose(out, want, atol=1e-4)


def test_inference_identity_and_errors():
    x = images(2, 4, 4, 3)
    np.testing.assert_array_equal(keras.layers.RandomTranslation(0.2, 0.2)(x, training=False).numpy(), x)
    with pytest.raises(ValueError, match=r"\[-1.0, 1.0\]"):
        keras.layers.RandomTranslation(1.2, 0.1)
    with pytest.raises(ValueError, match="width_factor"):
        keras.layers.RandomTranslation(0.1, "wide")
    with pytest.raises(NotImplementedError, match="interpolation"):
        keras.layers.RandomTranslation(0.1, 0.1, interpolation="area")


def test_gradients():
    check_layer_gradients(keras.layers.RandomTranslation(0.3, 0.3, seed=1, dtype="float64"),
                          images(2, 4, 4, 2, dtype="float64"))


def test_config_and_save_load(tmp_path):
    layer = keras.layers.RandomTranslation(0.1, (-0.2, 0.1), fill_mode="wrap", seed=3)
    assert assert_config_round_trip(layer).fill_mode == "wrap"
    assert_saved_and_loaded(tmp_path, layer, images(2, 5, 5, 3))
