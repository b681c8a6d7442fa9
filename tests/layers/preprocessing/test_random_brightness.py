"""RandomBrightness against its closed form clip(x + d * (high - low), low, high) with d
reproduced from the seed; one offset per image; value_range sorted and clipping; identity
at inference; errors; gradients; config and save/load."""
import numpy as np
import pytest

import gradiente as keras
from image_layer_testlib import (assert_config_round_trip, assert_saved_and_loaded, check_layer_gradients,
                                 images, uniform_draws)


def test_closed_form_with_the_drawn_offsets():
    x = images(5, 4, 4, 3)
    out = keras.layers.RandomBrightness(0.3, seed=6)(x, training=True).numpy()
    (d,) = uniform_draws(6, ((5, 1, 1, 1), -0.3, 0.3))
    np.testing.assert_allclose(out, np.clip(x + (d * 255).astype("float32"), 0, 255), rtol=1e-6)
    inside = (out > 0) & (out < 255)
    offsets = (out - x)[inside]
    assert np.ptp(offsets) > 1  # different images got different offsets


def test_value_range_and_pair_factor():
    x = images(3, 2, 2, 1, low=-1, high=1)
    layer = keras.layers.RandomBrightness((0.5, 0.9), value_range=(1, -1), seed=1)
    assert layer.value_range == [-1, 1]
    out = layer(x, training=True).numpy()
    (d,) = uniform_draws(1, ((3, 1, 1, 1), 0.5, 0.9))
    np.testing.assert_allclose(out, np.clip(x + d * 2, -1, 1), rtol=1e-6)
    assert out.max() == 1.0


def test_inference_identity_and_unbatched():
    x = images(4, 4, 3)
    np.testing.assert_array_equal(keras.layers.RandomBrightness(0.5)(x, training=False).numpy(), x)
    one = keras.layers.RandomBrightness(0.2, seed=2)(x, training=True).numpy()
    (d,) = uniform_draws(2, ((1, 1, 1, 1), -0.2, 0.2))
    np.testing.assert_allclose(one, np.clip(x + d[0] * 255, 0, 255), rtol=1e-6)


def test_errors():
    with pytest.raises(ValueError, match="factor"):
        keras.layers.RandomBrightness(1.1)
    with pytest.raises(ValueError, match="factor"):
        keras.layers.RandomBrightness("bright")
    with pytest.raises(ValueError, match="value_range"):
        keras.layers.RandomBrightness(0.1, value_range=255)


def test_gradients():
    x = images(2, 3, 3, 1, low=100, high=150, dtype="float64")
    check_layer_gradients(keras.layers.RandomBrightness(0.1, seed=3, dtype="float64"), x)


def test_config_and_save_load(tmp_path):
    layer = keras.layers.RandomBrightness((-0.2, 0.1), seed=7)
    assert tuple(assert_config_round_trip(layer).factor) == (-0.2, 0.1)
    assert_saved_and_loaded(tmp_path, layer, images(2, 4, 4, 3))
