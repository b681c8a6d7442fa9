"""keras.ops.image.extract_patches / extract_patches_3d (ops/image_patches.py): a direct
NumPy loop over output positions and patch offsets as reference (TensorFlow's patch order),
for sizes, strides, dilations and both paddings; Keras's image_test.py shapes for both data
formats, batched and not; errors; and a float64 gradient check with overlapping patches."""
import itertools

import numpy as np
import pytest

import gradiente as keras
from ops_testlib import gradcheck, rand

GRADIENT_CHECKED = {"extract_patches_nd"}
image_ops = keras.ops.image


def reference(x, size, strides, dilation, padding):
    """Batched channels-last patches, one output position and offset at a time."""
    nd = len(size)
    spatial = x.shape[1:-1]
    if padding == "same":
        out = [-(-n // s) for n, s in zip(spatial, strides)]
        totals = [max((o - 1) * s + (k - 1) * d + 1 - n, 0) for o, s, k, d, n in zip(out, strides, size, dilation, spatial)]
        x = np.pad(x, [(0, 0)] + [(t // 2, t - t // 2) for t in totals] + [(0, 0)])
    else:
        out = [(n - (k - 1) * d - 1) // s + 1 for n, k, s, d in zip(spatial, size, strides, dilation)]
    result = np.zeros((x.shape[0], *out, int(np.prod(size)) * x.shape[-1]))
    for b in range(x.shape[0]):
        for pos in itertools.product(*map(range, out)):
            vector = [x[(b,) + tuple(p * s + o * d for p, s, o, d in zip(pos, strides, offs, dilation))]
                      for offs in itertools.product(*map(range, size))]
            result[(b,) + pos] = np.concatenate(vector)
    assert nd == len(out)
    return result


@pytest.mark.parametrize("size", [(3, 3), (5, 5), (2, 3)])
@pytest.mark.parametrize("strides", [None, (1, 1), (2, 2)])
@pytest.mark.parametrize("dilation", [1, 3])
@pytest.mark.parametrize("padding", ["valid", "same"])
def test_matches_loop_2d(size, strides, dilation, padding):
    x = rand(1, 20, 20, 3, seed=1)
    got = image_ops.extract_patches(x, size, strides=strides, dilation_rate=dilation, padding=padding)
    want = reference(x, size, strides or size, (dilation,) * 2, padding)
    np.testing.assert_array_equal(got.numpy(), want)
    # channels_first moves the channels (and the patch vectors) to axis 1.
    first = image_ops.extract_patches(np.transpose(x, (0, 3, 1, 2)), size, strides=strides, dilation_rate=dilation,
                                      padding=padding, data_format="channels_first")
    np.testing.assert_array_equal(first.numpy(), np.transpose(want, (0, 3, 1, 2)))


def test_3d_and_unbatched():
    x = rand(2, 6, 7, 5, 2, seed=2)
    want = reference(x, (2, 3, 2), (2, 1, 2), (1, 1, 2), "same")
    got = image_ops.extract_patches(x, (2, 3, 2), strides=(2, 1, 2), dilation_rate=(1, 1, 2), padding="same")
    np.testing.assert_array_equal(got.numpy(), want)
    np.testing.assert_array_equal(image_ops.extract_patches_3d(x, (2, 3, 2), (2, 1, 2), (1, 1, 2), "same").numpy(), want)
    np.testing.assert_array_equal(image_ops.extract_patches(x[0], (2, 2, 2)).numpy(),
                                  reference(x[:1], (2, 2, 2), (2, 2, 2), (1, 1, 1), "valid")[0])
    # A rank-4 input with a 2-D size is a batch of images.
    np.testing.assert_array_equal(image_ops.extract_patches(x[0], 2).numpy(), reference(x[0], (2, 2), (2, 2), (1, 1), "valid"))


def test_keras_shapes():
    image = np.zeros((2, 20, 20, 3), "float32")
    assert image_ops.extract_patches(image, (5, 5)).shape == (2, 4, 4, 75)
    assert image_ops.extract_patches(image, 5, strides=1).shape == (2, 16, 16, 75)
    assert image_ops.extract_patches(image, 5, strides=(2, 3)).shape == (2, 8, 6, 75)
    assert image_ops.extract_patches(image[0], (3, 3), (1, 1)).shape == (18, 18, 27)
    assert image_ops.extract_patches(np.zeros((2, 10, 10, 10, 3)), (3, 3, 3)).shape == (2, 3, 3, 3, 81)
    assert image_ops.extract_patches(np.zeros((10, 10, 10, 3)), (3, 3, 3)).shape == (3, 3, 3, 81)
    assert image_ops.extract_patches_3d(np.zeros((3, 20, 20, 20)), 5, data_format="channels_first").shape == (375, 4, 4, 4)
    keras.backend.set_image_data_format("channels_first")
    try:
        assert image_ops.extract_patches(np.zeros((2, 3, 20, 20)), 5, strides=(2, 3)).shape == (2, 75, 8, 6)
    finally:
        keras.backend.set_image_data_format("channels_last")
    assert image_ops.extract_patches(image, 4).dtype == np.float32


def test_errors():
    image = np.zeros((1, 8, 8, 3))
    with pytest.raises(TypeError, match="Expected an int or a tuple"):
        image_ops.extract_patches(image, "3")
    with pytest.raises(ValueError, match="Expected a tuple of length 2 or 3"):
        image_ops.extract_patches(image, (1, 2, 3, 4))
    with pytest.raises(ValueError, match="padding"):
        image_ops.extract_patches(image, 2, padding="full")
    with pytest.raises(ValueError, match="rank 3 .* or 4"):
        image_ops.extract_patches(np.zeros((8, 8)), 2)
    with pytest.raises(ValueError, match="do not fit"):
        image_ops.extract_patches(image, 9)
    with pytest.raises(ValueError, match="strides"):
        image_ops.extract_patches(image, 2, strides=(1, 0))


@pytest.mark.parametrize("padding", ["valid", "same"])
def test_gradient(padding):
    # Overlapping, dilated patches: each input element feeds several outputs.
    gradcheck("extract_patches_nd",
              lambda x: image_ops.extract_patches(x, (2, 3), strides=(1, 2), dilation_rate=(2, 1), padding=padding),
              rand(2, 6, 7, 2, seed=3))
    gradcheck("extract_patches_nd", lambda x: image_ops.extract_patches(x, 2, data_format="channels_first"),
              rand(3, 4, 4, seed=4))


def test_namespace():
    # As in Keras, the patch ops live in keras.ops.image only.
    assert {"extract_patches", "extract_patches_3d"} <= set(dir(image_ops))
    assert not hasattr(keras.ops, "extract_patches")
