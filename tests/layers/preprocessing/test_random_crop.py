"""RandomCrop: one window per batch at the offset reproduced from the seed, against slicing;
in range over many calls; smaller images and inference take the central window of the
target's aspect ratio, resized; layouts; errors; gradients; config and save/load."""
import numpy as np
import pytest

import gradiente as keras
from image_layer_testlib import (assert_config_round_trip, assert_saved_and_loaded, check_layer_gradients,
                                 images, uniform_draws)


def test_window_at_the_drawn_offset():
    x = images(3, 8, 9, 2)
    out = keras.layers.RandomCrop(5, 4, seed=3)(x, training=True).numpy()
    top, left = (int(v) for v in uniform_draws(3, ((), 0.0, 4.0), ((), 0.0, 6.0)))
    np.testing.assert_array_equal(out, x[:, top:top + 5, left:left + 4])


def test_every_offset_stays_inside_and_varies():
    x = np.arange(6 * 7, dtype="float32").reshape(1, 6, 7, 1)
    layer = keras.layers.RandomCrop(3, 3, seed=0)
    corners = set()
    for _ in range(60):
        out = layer(x, training=True).numpy()[0, :, :, 0]
        top, left = divmod(int(out[0, 0]), 7)
        np.testing.assert_array_equal(out, x[0, top:top + 3, left:left + 3, 0])
        corners.add((top, left))
    assert len(corners) > 8 and all(0 <= t <= 3 and 0 <= c <= 4 for t, c in corners)


def test_inference_and_small_images_take_the_central_aspect_window():
    x = images(2, 8, 12, 3)
    layer = keras.layers.RandomCrop(4, 4)
    want = keras.ops.image.resize(x[:, :, 2:10], (4, 4)).numpy()  # central 8x8, resized
    np.testing.assert_allclose(layer(x, training=False).numpy(), want)
    small = images(2, 3, 5, 3)
    out = layer(small, training=True).numpy()
    np.testing.assert_allclose(out, keras.ops.image.resize(small[:, :, 1:4], (4, 4)).numpy())


def test_channels_first_and_unbatched():
    x = images(2, 6, 6, 3)
    want = keras.layers.RandomCrop(3, 4, seed=1)(x, training=True).numpy()
    cf = keras.layers.RandomCrop(3, 4, seed=1, data_format="channels_first")(x.transpose(0, 3, 1, 2), training=True)
    np.testing.assert_array_equal(cf.numpy(), want.transpose(0, 3, 1, 2))
    assert keras.layers.RandomCrop(3, 4, seed=1)(x[0], training=True).shape == (3, 4, 3)
    assert keras.layers.RandomCrop(3, 4).compute_output_shape((None, 6, 6, 3)) == (None, 3, 4, 3)


def test_errors():
    with pytest.raises(ValueError, match="height"):
        keras.layers.RandomCrop(0, 3)
    with pytest.raises(ValueError, match="width"):
        keras.layers.RandomCrop(3, 2.5)


def test_gradients():
    check_layer_gradients(keras.layers.RandomCrop(2, 3, seed=2, dtype="float64"), images(2, 4, 5, 1, dtype="float64"))


def test_config_and_save_load(tmp_path):
    layer = keras.layers.RandomCrop(3, 3)
    assert isinstance(layer.seed, int)  # as Keras, the config gets a fixed seed even without one
    assert assert_config_round_trip(layer).seed == layer.seed
    assert_saved_and_loaded(tmp_path, layer, images(2, 5, 5, 3))
