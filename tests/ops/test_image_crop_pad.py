"""keras.ops.image.crop_images, pad_images (ops/image_crop_pad.py) and rgb_to_grayscale
(ops/image_color.py) against slicing, np.pad and tf.image's luma weights; Keras's "two of
three" argument rule and its errors; both layouts; float64 gradient checks, including
crop_at, the crop whose offset is an array read when the op runs."""
import numpy as np
import pytest

import gradiente as keras
from gradiente.ops.image_crop_pad import crop_at
from gradiente.testing import check_gradients
from ops_testlib import gradcheck, rand

GRADIENT_CHECKED = {"crop_at"}
image_ops = keras.ops.image


def test_crop_images_any_two_of_three():
    x = rand(2, 6, 7, 3)
    want = x[:, 1:4, 2:7]
    for kwargs in ({"top_cropping": 1, "target_height": 3}, {"top_cropping": 1, "bottom_cropping": 2},
                   {"bottom_cropping": 2, "target_height": 3}):
        got = image_ops.crop_images(x, left_cropping=2, right_cropping=0, **kwargs)
        np.testing.assert_array_equal(got.numpy(), want)
    np.testing.assert_array_equal(image_ops.crop_images(x[0], 1, 2, target_height=3, target_width=5).numpy(), want[0])
    cf = image_ops.crop_images(x.transpose(0, 3, 1, 2), 1, 2, target_height=3, target_width=5,
                               data_format="channels_first")
    np.testing.assert_array_equal(cf.numpy(), want.transpose(0, 3, 1, 2))


def test_pad_images_any_two_of_three():
    x = rand(15, 25, 3)
    got = image_ops.pad_images(x, 2, 3, target_height=20, target_width=30)
    np.testing.assert_array_equal(got.numpy(), np.pad(x, ((2, 3), (3, 2), (0, 0))))
    got = image_ops.pad_images(x, bottom_padding=1, target_height=17, left_padding=0, right_padding=4)
    np.testing.assert_array_equal(got.numpy(), np.pad(x, ((1, 1), (0, 4), (0, 0))))
    cf = image_ops.pad_images(x.transpose(2, 0, 1)[None], 2, 3, 1, 1, data_format="channels_first")
    assert cf.shape == (1, 3, 18, 29)


def test_crop_and_pad_errors():
    x = np.zeros((4, 4, 1), dtype="float32")
    with pytest.raises(ValueError, match="exactly two of top_cropping, bottom_cropping, target_height"):
        image_ops.crop_images(x, 1, 1, 1, 1, target_height=2, target_width=2)
    with pytest.raises(ValueError, match="exactly two of left_padding"):
        image_ops.pad_images(x, 1, None, 1, None)
    with pytest.raises(ValueError, match="top_cropping must be >= 0"):
        image_ops.crop_images(x, -1, 0, target_height=2, target_width=2)
    with pytest.raises(ValueError, match="does not fit"):
        image_ops.crop_images(x, 3, 0, target_height=2, target_width=2)
    with pytest.raises(ValueError, match="top_padding must be >= 0"):
        image_ops.pad_images(x, bottom_padding=3, target_height=5, left_padding=0, right_padding=0)
    with pytest.raises(ValueError, match="rank"):
        image_ops.pad_images(np.zeros((4, 4)), 1, 1, 1, 1)


def test_crop_pad_gradients():
    check_gradients(lambda x: image_ops.crop_images(x, 1, 0, target_height=2, target_width=3), rand(2, 4, 5, 2))
    check_gradients(lambda x: image_ops.pad_images(x, 1, 2, 0, 1, data_format="channels_first"), rand(2, 3, 4))


def test_crop_at_reads_its_offset_at_run_time():
    x = rand(2, 5, 6, 1)
    offsets = np.array([2, 1])
    np.testing.assert_array_equal(crop_at(x, offsets, height=3, width=4).numpy(), x[:, 2:5, 1:5])
    gradcheck("crop_at", lambda v: crop_at(v, offsets, height=2, width=2), x)


def test_rgb_to_grayscale():
    x = rand(2, 3, 4, 3, low=0, high=1)
    want = (x @ np.array([0.2989, 0.5870, 0.1140]))[..., None]
    np.testing.assert_allclose(image_ops.rgb_to_grayscale(x).numpy(), want)
    cf = image_ops.rgb_to_grayscale(x.transpose(0, 3, 1, 2), data_format="channels_first")
    np.testing.assert_allclose(cf.numpy(), want.transpose(0, 3, 1, 2))
    ints = (x * 255).astype("uint8")
    got = image_ops.rgb_to_grayscale(ints)
    assert got.dtype == "uint8"
    np.testing.assert_array_equal(got.numpy(), (ints.astype("float32") @ np.float32([0.2989, 0.5870, 0.1140]))
                                  .astype("uint8")[..., None])
    np.testing.assert_array_equal(image_ops.rgb_to_grayscale(x[..., :1]).numpy(), x[..., :1])
    with pytest.raises(ValueError, match="channel"):
        image_ops.rgb_to_grayscale(rand(3, 3, 2))
    check_gradients(image_ops.rgb_to_grayscale, x)
