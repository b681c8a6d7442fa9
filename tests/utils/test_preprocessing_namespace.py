"""keras.preprocessing: Keras 3's second home of the dataset makers and image/sequence helpers
(keras-io's weather forecasting tutorial calls keras.preprocessing.timeseries_dataset_from_array),
and smart_resize: the largest centred crop of the target's aspect ratio, then a resize."""
import numpy as np
import pytest

import gradiente as keras


def test_names_are_the_utils_functions():
    pre = keras.preprocessing
    for name in ("image_dataset_from_directory", "text_dataset_from_directory", "timeseries_dataset_from_array"):
        assert getattr(pre, name) is getattr(keras.utils, name)
    for name in ("array_to_img", "img_to_array", "load_img", "save_img"):
        assert getattr(pre.image, name) is getattr(keras.utils, name)
    assert pre.sequence.pad_sequences is keras.utils.pad_sequences
    with pytest.raises(AttributeError, match="no attribute 'Tokenizer'"):
        pre.Tokenizer


def test_smart_resize_crops_the_centre_then_resizes():
    rng = np.random.default_rng(0)
    wide = rng.random((34, 50, 3)).astype("float32")
    out = keras.preprocessing.image.smart_resize(wide, (20, 20))
    assert type(out) is np.ndarray and out.shape == (20, 20, 3)
    # (34, 50) -> a square crop of 34 columns, 8 cut on each side.
    expected = keras.ops.convert_to_numpy(keras.ops.image.resize(wide[:, 8:42], (20, 20)))
    np.testing.assert_allclose(out, expected)
    tall = rng.random((2, 50, 34, 1)).astype("float32")  # a batch: 17 of 50 rows kept, from row 16
    out = keras.preprocessing.image.smart_resize(tall, (17, 34), interpolation="nearest")
    expected = keras.ops.convert_to_numpy(keras.ops.image.resize(tall[:, 16:33], (17, 34), interpolation="nearest"))
    np.testing.assert_allclose(out, expected)


def test_smart_resize_channels_first_and_tensor_input():
    rng = np.random.default_rng(1)
    image = rng.random((3, 10, 30)).astype("float32")
    out = keras.preprocessing.image.smart_resize(keras.ops.convert_to_tensor(image), (5, 5),
                                                 data_format="channels_first")
    assert not isinstance(out, np.ndarray) and tuple(out.shape) == (3, 5, 5)
    expected = keras.ops.image.resize(image[:, :, 10:20], (5, 5), data_format="channels_first")
    np.testing.assert_allclose(keras.ops.convert_to_numpy(out), keras.ops.convert_to_numpy(expected))


def test_smart_resize_refuses_bad_arguments():
    with pytest.raises(ValueError, match="incorrect rank"):
        keras.preprocessing.image.smart_resize(np.zeros((4, 4)), (2, 2))
    with pytest.raises(ValueError, match="tuple of 2 integers"):
        keras.preprocessing.image.smart_resize(np.zeros((4, 4, 1)), (2, 2, 2))
