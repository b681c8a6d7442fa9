"""CenterCrop against slicing at ((H - h) // 2, (W - w) // 2), smaller images against the
aspect-ratio crop and bilinear resize, the same in training and inference; layouts,
output shapes, errors, gradients, config and save/load."""
import numpy as np
import pytest

import gradiente as keras
from gradiente.testing import check_gradients
from image_layer_testlib import assert_config_round_trip, assert_saved_and_loaded, images


@pytest.mark.parametrize("shape", [(7, 8), (6, 5), (5, 5)])
def test_central_window(shape):
    x = images(2, *shape, 3)
    out = keras.layers.CenterCrop(4, 3)(x).numpy()
    top, left = (shape[0] - 4) // 2, (shape[1] - 3) // 2
    np.testing.assert_array_equal(out, x[:, top:top + 4, left:left + 3])
    np.testing.assert_array_equal(keras.layers.CenterCrop(4, 3)(x, training=False).numpy(), out)


def test_smaller_images_are_cropped_to_aspect_and_resized():
    x = images(2, 3, 8, 1)
    out = keras.layers.CenterCrop(6, 4)(x).numpy()
    # The largest 3:2 window of a 3x8 image is 3x2 columns 3..5; it is then resized to 6x4.
    np.testing.assert_allclose(out, keras.ops.image.resize(x[:, :, 3:5], (6, 4)).numpy())


def test_layouts_unbatched_and_shapes():
    x = images(2, 6, 7, 3)
    layer = keras.layers.CenterCrop(2, 3, data_format="channels_first")
    np.testing.assert_array_equal(layer(x.transpose(0, 3, 1, 2)).numpy(), x[:, 2:4, 2:5].transpose(0, 3, 1, 2))
    np.testing.assert_array_equal(keras.layers.CenterCrop(2, 3)(x[0]).numpy(), x[0, 2:4, 2:5])
    assert layer.compute_output_shape((None, 3, 6, 7)) == (None, 3, 2, 3)
    assert keras.layers.CenterCrop(2, 3).compute_output_shape((6, 7, 3)) == (2, 3, 3)


def test_errors_and_gradients():
    with pytest.raises(ValueError, match="height"):
        keras.layers.CenterCrop(-1, 3)
    with pytest.raises(ValueError, match="data_format"):
        keras.layers.CenterCrop(2, 2, data_format="NCHW")
    check_gradients(keras.layers.CenterCrop(2, 2, dtype="float64"), images(1, 4, 5, 2, dtype="float64"))


def test_config_and_save_load(tmp_path):
    layer = keras.layers.CenterCrop(3, 2)
    assert assert_config_round_trip(layer).width == 2
    assert_saved_and_loaded(tmp_path, layer, images(2, 5, 5, 3))
