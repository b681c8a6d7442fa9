"""RandomFlip against np.flip: each image is itself or its mirror along the mode's axes (one
draw per image, shared by both axes in horizontal_and_vertical); identity at inference;
Keras's training=True default; seeds; layouts; errors; gradients; config and save/load."""
import numpy as np
import pytest

import gradiente as keras
from image_layer_testlib import (assert_config_round_trip, assert_saved_and_loaded, check_layer_gradients,
                                 images, uniform_draws)

AXES = {"horizontal": (1,), "vertical": (0,), "horizontal_and_vertical": (0, 1)}


@pytest.mark.parametrize("mode", sorted(AXES))
def test_each_image_is_itself_or_flipped_as_the_draw_says(mode):
    x = images(16, 4, 5, 3)
    out = keras.layers.RandomFlip(mode, seed=7)(x, training=True).numpy()
    (draws,) = uniform_draws(7, ((16, 1, 1, 1), 0.0, 1.0))
    flipped = draws.ravel() <= 0.5
    assert 0 < flipped.sum() < 16
    for image, result, flip in zip(x, out, flipped):
        np.testing.assert_array_equal(result, np.flip(image, AXES[mode]) if flip else image)


def test_inference_is_identity_and_training_defaults_to_true():
    x = images(8, 3, 3, 2)
    layer = keras.layers.RandomFlip(seed=1)
    np.testing.assert_array_equal(layer(x, training=False).numpy(), x)
    assert not np.array_equal(layer(x).numpy(), x)  # called alone it augments, as Keras's default


def test_seeds_reproduce_and_successive_calls_differ():
    x = images(16, 4, 4, 1)
    a, b = keras.layers.RandomFlip(seed=3), keras.layers.RandomFlip(seed=3)
    first = a(x, training=True).numpy()
    np.testing.assert_array_equal(first, b(x, training=True).numpy())
    assert not np.array_equal(first, a(x, training=True).numpy())


def test_channels_first_and_unbatched():
    x = images(6, 4, 5, 3)
    want = keras.layers.RandomFlip("horizontal", seed=2)(x, training=True).numpy()
    cf = keras.layers.RandomFlip("horizontal", seed=2, data_format="channels_first")
    np.testing.assert_array_equal(cf(x.transpose(0, 3, 1, 2), training=True).numpy(), want.transpose(0, 3, 1, 2))
    one = keras.layers.RandomFlip("vertical", seed=2)(x[0], training=True).numpy()
    assert one.shape == x[0].shape and (np.array_equal(one, x[0]) or np.array_equal(one, x[0][::-1]))


def test_errors():
    with pytest.raises(ValueError, match="mode"):
        keras.layers.RandomFlip("diagonal")
    with pytest.raises(ValueError, match="seed"):
        keras.layers.RandomFlip(seed=1.5)
    with pytest.raises(ValueError, match="rank 3"):
        keras.layers.RandomFlip()(np.zeros((4, 4), dtype="float32"))


def test_gradients():
    check_layer_gradients(keras.layers.RandomFlip(seed=4, dtype="float64"), images(4, 3, 3, 2, dtype="float64"))


def test_config_and_save_load(tmp_path):
    layer = keras.layers.RandomFlip("vertical", seed=11)
    assert assert_config_round_trip(layer).mode == "vertical"
    assert_saved_and_loaded(tmp_path, layer, images(4, 5, 5, 3))
