"""RandomContrast against its closed form (x - mean) * c + mean per image and channel,
clipped to value_range, with c reproduced from the seed; Keras's factor rule (a number f
gives c in [1, 1 + f]); identity at inference; errors; gradients; config and save/load."""
import numpy as np
import pytest

import gradiente as keras
from image_layer_testlib import (assert_config_round_trip, assert_saved_and_loaded, check_layer_gradients,
                                 images, uniform_draws)


def test_closed_form_with_the_drawn_factors():
    x = images(4, 5, 6, 3)
    out = keras.layers.RandomContrast((0.5, 0.3), seed=2)(x, training=True).numpy()
    # Keras sorts a pair: (0.5, 0.3) is lower 0.3, upper 0.5, so c is in [0.7, 1.5].
    (c,) = uniform_draws(2, ((4, 1, 1, 1), 0.7, 1.5))
    mean = x.mean(axis=(1, 2), keepdims=True)
    np.testing.assert_allclose(out, np.clip((x - mean) * c + mean, 0, 255), rtol=1e-5, atol=1e-3)
    assert (out == 255).any() or (out == 0).any() or c.max() < 1.0


def test_a_number_only_raises_contrast_as_in_keras():
    layer = keras.layers.RandomContrast(0.4)
    assert layer.factor == (0, 0.4)
    x = images(32, 4, 4, 1, low=100, high=150)
    out = layer(x, training=True).numpy()
    spread_in, spread_out = x.std(axis=(1, 2)), out.std(axis=(1, 2))
    assert np.all(spread_out >= spread_in * (1 - 1e-5)) and np.all(spread_out <= spread_in * 1.4 + 1e-3)


def test_value_range_clips():
    x = np.array([[0.0, 1.0], [0.2, 0.9]], dtype="float32").reshape(1, 2, 2, 1)
    out = keras.layers.RandomContrast((0.9, 0.9), value_range=(0, 1), seed=1)(x, training=True).numpy()
    assert out.min() >= 0 and out.max() <= 1
    (c,) = uniform_draws(1, ((1, 1, 1, 1), 0.1, 1.9))
    np.testing.assert_allclose(out, np.clip((x - x.mean()) * c + x.mean(), 0, 1), rtol=1e-6)


def test_inference_identity_unbatched_and_channels_first():
    x = images(2, 3, 4, 3)
    np.testing.assert_array_equal(keras.layers.RandomContrast(0.5)(x, training=False).numpy(), x)
    one = keras.layers.RandomContrast((0.5, 0.5), seed=3)(x[0], training=True).numpy()
    (c,) = uniform_draws(3, ((1, 1, 1, 1), 0.5, 1.5))
    mean = x[0].mean(axis=(0, 1))
    np.testing.assert_allclose(one, np.clip((x[0] - mean) * c[0] + mean, 0, 255), rtol=1e-5, atol=1e-3)
    cf = keras.layers.RandomContrast(0.5, seed=3, data_format="channels_first")(x.transpose(0, 3, 1, 2), training=True)
    want = keras.layers.RandomContrast(0.5, seed=3)(x, training=True).numpy()
    np.testing.assert_allclose(cf.numpy().transpose(0, 2, 3, 1), want, rtol=1e-5)


def test_errors():
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        keras.layers.RandomContrast(1.5)
    with pytest.raises(ValueError, match="factor"):
        keras.layers.RandomContrast(-0.2)
    with pytest.raises(ValueError, match="value_range"):
        keras.layers.RandomContrast(0.2, value_range=(0, 1, 2))
    with pytest.raises(ValueError, match="low <= high"):
        keras.layers.RandomContrast(0.2, value_range=(1, 0))


def test_gradients():
    x = images(2, 3, 3, 2, low=100, high=150, dtype="float64")  # inside value_range: no clipping kinks
    check_layer_gradients(keras.layers.RandomContrast(0.2, seed=5, dtype="float64"), x)


def test_config_and_save_load(tmp_path):
    layer = keras.layers.RandomContrast((0.1, 0.3), value_range=(0, 1), seed=4)
    again = assert_config_round_trip(layer)
    assert tuple(again.factor) == (0.1, 0.3) and list(again.value_range) == [0, 1]
    assert_saved_and_loaded(tmp_path, layer, images(2, 4, 4, 3, high=1.0))
