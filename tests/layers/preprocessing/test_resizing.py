"""Resizing: the layer is ops.image.resize with its arguments (itself checked against
per-pixel loops), in training and inference; Keras's defaults and errors; output shapes;
gradients; config and save/load."""
import numpy as np
import pytest

import gradiente as keras
from gradiente.testing import check_gradients
from image_layer_testlib import assert_config_round_trip, assert_saved_and_loaded, images


@pytest.mark.parametrize("kwargs", [{}, {"interpolation": "nearest"}, {"interpolation": "area"},
                                    {"crop_to_aspect_ratio": True}, {"pad_to_aspect_ratio": True, "fill_value": 7.0},
                                    {"interpolation": "bicubic", "antialias": True}])
def test_layer_is_the_op(kwargs):
    x = images(2, 6, 9, 3)
    layer = keras.layers.Resizing(4, 5, **kwargs)
    want = keras.ops.image.resize(x, (4, 5), **kwargs).numpy()
    np.testing.assert_array_equal(layer(x).numpy(), want)
    np.testing.assert_array_equal(layer(x, training=False).numpy(), want)


def test_known_values_and_defaults():
    layer = keras.layers.Resizing(2, 2)
    assert (layer.interpolation, layer.crop_to_aspect_ratio, layer.pad_to_aspect_ratio, layer.fill_mode,
            layer.fill_value, layer.antialias) == ("bilinear", False, False, "constant", 0.0, False)
    x = np.arange(16, dtype="float32").reshape(4, 4, 1)
    np.testing.assert_array_equal(layer(x).numpy()[..., 0], [[2.5, 4.5], [10.5, 12.5]])


def test_integer_images_stay_integer():
    x = images(2, 5, 7, 3).astype("uint8")
    out = keras.layers.Resizing(3, 4, interpolation="bicubic")(x)
    assert out.dtype == "uint8"
    np.testing.assert_array_equal(out.numpy(), keras.ops.image.resize(x, (3, 4), interpolation="bicubic").numpy())


def test_layouts_and_shapes():
    x = images(2, 6, 8, 3)
    cf = keras.layers.Resizing(3, 4, data_format="channels_first")
    want = keras.layers.Resizing(3, 4)(x).numpy()
    np.testing.assert_allclose(cf(x.transpose(0, 3, 1, 2)).numpy(), want.transpose(0, 3, 1, 2), rtol=1e-6)
    assert cf.compute_output_shape((None, 3, 6, 8)) == (None, 3, 3, 4)
    model = keras.Sequential([keras.Input((6, 8, 3)), keras.layers.Resizing(3, 4)])
    assert model.output_shape == (None, 3, 4, 3)


def test_errors():
    with pytest.raises(ValueError, match="interpolation"):
        keras.layers.Resizing(2, 2, interpolation="linear")
    with pytest.raises(ValueError, match="only one"):
        keras.layers.Resizing(2, 2, crop_to_aspect_ratio=True, pad_to_aspect_ratio=True)
    with pytest.raises(ValueError, match="fill_mode"):
        keras.layers.Resizing(2, 2, fill_mode="reflect")
    with pytest.raises(ValueError, match="width"):
        keras.layers.Resizing(2, 0)
    with pytest.raises(ValueError, match="rank 3"):
        keras.layers.Resizing(2, 2)(np.zeros((2, 4, 4, 3, 1), dtype="float32"))


def test_gradients():
    check_gradients(keras.layers.Resizing(3, 5, dtype="float64"), images(2, 4, 4, 2, dtype="float64"))


def test_config_and_save_load(tmp_path):
    layer = keras.layers.Resizing(3, 4, interpolation="area", crop_to_aspect_ratio=True)
    assert assert_config_round_trip(layer).interpolation == "area"
    assert_saved_and_loaded(tmp_path, layer, images(2, 6, 6, 3))
