"""keras.ops.image.affine_transform and map_coordinates (ops/image_affine.py) against a
per-pixel loop over an image padded by NumPy's matching mode (Keras's NumPy-backend rule:
nearest = edge, mirror = reflect, reflect = symmetric, wrap, constant), for every fill mode
and both interpolations; integer shifts against slicing; batch of different transforms;
layouts; errors; float64 gradient checks."""
import math

import numpy as np
import pytest

import gradiente as keras
from ops_testlib import gradcheck, rand

GRADIENT_CHECKED = {"affine_transform_nhwc", "map_coordinates_op"}
image_ops = keras.ops.image
NP_MODES = {"nearest": "edge", "mirror": "reflect", "reflect": "symmetric", "wrap": "wrap", "constant": "constant"}
PAD = 12


def ref_sample(img, y, x, order, fill_mode, fill_value):
    """One value of ``img`` (H, W, C) at (y, x) from a generously padded copy."""
    kwargs = {"constant_values": fill_value} if fill_mode == "constant" else {}
    pad = max(PAD, int(abs(y)) + 3, int(abs(x)) + 3)
    padded = np.pad(img, ((pad, pad), (pad, pad), (0, 0)), mode=NP_MODES[fill_mode], **kwargs)
    y, x = y + pad, x + pad
    if order == 0:
        return padded[math.floor(y + 0.5), math.floor(x + 0.5)]
    y0, x0 = math.floor(y), math.floor(x)
    fy, fx = y - y0, x - x0
    return ((1 - fy) * (1 - fx) * padded[y0, x0] + (1 - fy) * fx * padded[y0, x0 + 1]
            + fy * (1 - fx) * padded[y0 + 1, x0] + fy * fx * padded[y0 + 1, x0 + 1])


def ref_affine(images, transforms, order, fill_mode, fill_value):
    out = np.zeros_like(images)
    for b, (img, t) in enumerate(zip(images, transforms)):
        for i in range(img.shape[0]):
            for j in range(img.shape[1]):
                k = t[6] * j + t[7] * i + 1
                x = (t[0] * j + t[1] * i + t[2]) / k
                y = (t[3] * j + t[4] * i + t[5]) / k
                out[b, i, j] = ref_sample(img, y, x, order, fill_mode, fill_value)
    return out


TRANSFORMS = np.array([
    [1.3, 0.2, -1.7, -0.3, 0.9, 2.2, 0, 0],     # shear, zoom and shift
    [np.cos(0.7), -np.sin(0.7), 2.0, np.sin(0.7), np.cos(0.7), -1.0, 0, 0],  # rotation
    [0.5, 0.0, 0.3, 0.0, 0.5, 0.25, 0, 0],      # zoom in
])


@pytest.mark.parametrize("fill_mode", ["constant", "nearest", "wrap", "mirror", "reflect"])
@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
def test_affine_transform_matches_a_direct_loop(fill_mode, interpolation):
    images = rand(3, 5, 6, 2)
    got = image_ops.affine_transform(images, TRANSFORMS, interpolation=interpolation, fill_mode=fill_mode,
                                     fill_value=-3.0).numpy()
    want = ref_affine(images, TRANSFORMS, ["nearest", "bilinear"].index(interpolation), fill_mode, -3.0)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_projective_row_divides_by_k():
    images = rand(1, 4, 4, 1)
    t = np.array([[1.0, 0.1, 0.2, 0.0, 1.0, 0.1, 0.05, 0.02]])
    np.testing.assert_allclose(image_ops.affine_transform(images, t).numpy(), ref_affine(images, t, 1, "constant", 0))


def test_integer_shift_is_a_slice_with_fill():
    images = rand(2, 4, 5, 3)
    shift = np.array([1, 0, -2, 0, 1, 1, 0, 0], dtype="float32")  # out(y, x) = in(y + 1, x - 2)
    out = image_ops.affine_transform(images.astype("float32"), np.stack([shift, shift]), fill_value=7).numpy()
    want = np.full(images.shape, 7.0)
    want[:, :3, 2:] = images[:, 1:, :3]
    np.testing.assert_allclose(out, want, rtol=1e-6)
    assert out.dtype == np.float32


def test_unbatched_and_channels_first():
    images = rand(2, 5, 6, 3)
    want = image_ops.affine_transform(images, TRANSFORMS[:2], fill_mode="reflect").numpy()
    cf = image_ops.affine_transform(images.transpose(0, 3, 1, 2), TRANSFORMS[:2], fill_mode="reflect",
                                    data_format="channels_first")
    np.testing.assert_allclose(cf.numpy().transpose(0, 2, 3, 1), want)
    one = image_ops.affine_transform(images[0], TRANSFORMS[0], fill_mode="reflect")
    np.testing.assert_allclose(one.numpy(), want[0])


def test_affine_errors():
    x = np.zeros((2, 4, 4, 1), dtype="float32")
    t = np.zeros((2, 8), dtype="float32")
    with pytest.raises(ValueError, match="interpolation"):
        image_ops.affine_transform(x, t, interpolation="bicubic")
    with pytest.raises(ValueError, match="fill_mode"):
        image_ops.affine_transform(x, t, fill_mode="symmetric")
    with pytest.raises(ValueError, match="rank"):
        image_ops.affine_transform(np.zeros((4, 4)), t[0])
    with pytest.raises(ValueError, match="transform"):
        image_ops.affine_transform(x, np.zeros((2, 6)))
    one = image_ops.affine_transform(x + np.arange(32, dtype="float32").reshape(2, 4, 4, 1), TRANSFORMS[0])
    np.testing.assert_allclose(one.numpy(), image_ops.affine_transform(
        x + np.arange(32, dtype="float32").reshape(2, 4, 4, 1), np.stack([TRANSFORMS[0]] * 2)).numpy())
    with pytest.raises(ValueError, match="3 transforms for a batch of 2"):
        image_ops.affine_transform(x, np.zeros((3, 8)))
    with pytest.raises(TypeError, match="floating point"):
        image_ops.affine_transform(x.astype("uint8"), t)


@pytest.mark.parametrize("fill_mode", ["constant", "reflect", "wrap"])
def test_affine_gradients(fill_mode):
    t = TRANSFORMS[:2]
    gradcheck("affine_transform_nhwc",
              lambda x: image_ops.affine_transform(x, t, fill_mode=fill_mode, fill_value=0.5), rand(2, 4, 5, 2))
    gradcheck("affine_transform_nhwc",
              lambda x: image_ops.affine_transform(x, t, interpolation="nearest", fill_mode=fill_mode),
              rand(2, 4, 5, 2))


@pytest.mark.parametrize("fill_mode", ["constant", "nearest", "wrap", "mirror", "reflect"])
@pytest.mark.parametrize("order", [0, 1])
def test_map_coordinates_matches_a_direct_loop(fill_mode, order):
    image = rand(5, 6, seed=3)
    coords = np.random.default_rng(1).uniform(-4, 9, size=(2, 3, 4))
    got = image_ops.map_coordinates(image, coords, order, fill_mode=fill_mode, fill_value=2.5).numpy()
    want = np.array([ref_sample(image[..., None], y, x, order, fill_mode, 2.5)[0]
                     for y, x in zip(coords[0].ravel(), coords[1].ravel())]).reshape(3, 4)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_map_coordinates_errors_and_gradient():
    image = rand(4, 5)
    with pytest.raises(ValueError, match="leading dim"):
        image_ops.map_coordinates(image, np.zeros((3, 2)), 1)
    with pytest.raises(ValueError, match="order"):
        image_ops.map_coordinates(image, np.zeros((2, 2)), 3)
    with pytest.raises(ValueError, match="fill_mode"):
        image_ops.map_coordinates(image, np.zeros((2, 2)), 1, fill_mode="edge")
    coords = np.random.default_rng(2).uniform(-2, 6, size=(2, 7))
    gradcheck("map_coordinates_op", lambda x: image_ops.map_coordinates(x, coords, 1, fill_mode="mirror"), image)


@pytest.mark.parametrize("fill_mode", ["reflect", "mirror", "wrap"])
def test_far_reaching_transforms_and_single_pixel_axes(fill_mode):
    # Reads many image sizes away (beyond what the forward pads for) take the index-mapping path.
    images = rand(2, 4, 5, 1)
    far = np.array([[9.0, 0.3, -30.0, 0.2, 11.0, 25.0, 0, 0], [1.0, 0, 60.0, 0, 1.0, -45.0, 0, 0]])
    got = image_ops.affine_transform(images, far, fill_mode=fill_mode).numpy()
    np.testing.assert_allclose(got, ref_affine(images, far, 1, fill_mode, 0.0), rtol=1e-12, atol=1e-12)
    column = rand(1, 5, 1, 2)
    shifted = np.array([[1.0, 0, 0.6, 0, 1.0, -1.3, 0, 0]])
    got = image_ops.affine_transform(column, shifted, fill_mode=fill_mode).numpy()
    np.testing.assert_allclose(got, ref_affine(column, shifted, 1, fill_mode, 0.0), rtol=1e-12, atol=1e-12)
