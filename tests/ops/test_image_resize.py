"""keras.ops.image.resize (ops/image_resize.py) against direct per-pixel loops written from
TensorFlow's definitions (half-pixel centres: bilinear with clamped neighbours, nearest by
floor, area by footprint overlap, Keys bicubic renormalized at the border), known values,
crop/pad to aspect ratio, both layouts batched and not, integer images, errors, and float64
gradient checks of every method."""
import math

import numpy as np
import pytest

import gradiente as keras
from ops_testlib import gradcheck, rand

GRADIENT_CHECKED = {"resize_nhwc"}
NOT_DIFFERENTIABLE = {"resize_integers"}
image_ops = keras.ops.image


def _src(o, n_in, n_out):
    return (o + 0.5) * n_in / n_out - 0.5


def ref_bilinear(img, oh, ow):
    h, w, c = img.shape
    out = np.zeros((oh, ow, c))
    for i in range(oh):
        for j in range(ow):
            y, x = _src(i, h, oh), _src(j, w, ow)
            y0, x0 = math.floor(y), math.floor(x)
            fy, fx = y - y0, x - x0
            acc = 0.0
            for yy, wy in ((y0, 1 - fy), (y0 + 1, fy)):
                for xx, wx in ((x0, 1 - fx), (x0 + 1, fx)):
                    acc = acc + wy * wx * img[min(max(yy, 0), h - 1), min(max(xx, 0), w - 1)]
            out[i, j] = acc
    return out


def ref_nearest(img, oh, ow):
    h, w, _ = img.shape
    rows = [min(math.floor((i + 0.5) * h / oh), h - 1) for i in range(oh)]
    cols = [min(math.floor((j + 0.5) * w / ow), w - 1) for j in range(ow)]
    return np.array([[img[r, c] for c in cols] for r in rows])


def _area_weights(n_in, n_out):
    scale = n_in / n_out
    weights = []
    for o in range(n_out):
        lo, hi = o * scale, (o + 1) * scale
        row = {}
        for i in range(math.floor(lo), math.ceil(hi)):
            row[min(i, n_in - 1)] = row.get(min(i, n_in - 1), 0.0) + min(i + 1, hi) - max(i, lo)
        weights.append(row)
    return weights, scale


def ref_area(img, oh, ow):
    (wy, sy), (wx, sx) = _area_weights(img.shape[0], oh), _area_weights(img.shape[1], ow)
    out = np.zeros((oh, ow, img.shape[2]))
    for i in range(oh):
        for j in range(ow):
            out[i, j] = sum(a * b * img[r, c] for r, a in wy[i].items() for c, b in wx[j].items()) / (sy * sx)
    return out


def keys(t):
    t = abs(t)
    if t < 1:
        return (1.5 * t - 2.5) * t * t + 1
    if t < 2:
        return ((-0.5 * t + 2.5) * t - 4) * t + 2
    return 0.0


def ref_bicubic(img, oh, ow):
    h, w, c = img.shape
    out = np.zeros((oh, ow, c))
    for i in range(oh):
        for j in range(ow):
            y, x = _src(i, h, oh), _src(j, w, ow)
            ry = [(r, keys(y - r)) for r in range(math.floor(y) - 1, math.floor(y) + 3) if 0 <= r < h]
            rx = [(q, keys(x - q)) for q in range(math.floor(x) - 1, math.floor(x) + 3) if 0 <= q < w]
            ny, nx = sum(v for _, v in ry), sum(v for _, v in rx)
            out[i, j] = sum(a * b * img[r, q] for r, a in ry for q, b in rx) / (ny * nx)
    return out


REFERENCES = {"bilinear": ref_bilinear, "nearest": ref_nearest, "area": ref_area, "bicubic": ref_bicubic}
SIZES = [((4, 4), (2, 2)), ((3, 5), (7, 4)), ((6, 4), (4, 9)), ((5, 5), (5, 3)), ((2, 3), (5, 5))]


@pytest.mark.parametrize("method", sorted(REFERENCES))
@pytest.mark.parametrize("shapes", SIZES)
def test_resize_matches_a_direct_loop(method, shapes):
    (h, w), (oh, ow) = shapes
    images = rand(2, h, w, 3, seed=h * 10 + w)
    got = image_ops.resize(images, (oh, ow), interpolation=method).numpy()
    want = np.stack([REFERENCES[method](im, oh, ow) for im in images])
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-10)


def test_known_values():
    x = np.arange(16, dtype="float32").reshape(1, 4, 4, 1)
    np.testing.assert_array_equal(image_ops.resize(x, (2, 2))[0, ..., 0].numpy(), [[2.5, 4.5], [10.5, 12.5]])
    np.testing.assert_array_equal(image_ops.resize(x, (2, 2), interpolation="nearest")[0, ..., 0].numpy(),
                                  [[5, 7], [13, 15]])
    up = image_ops.resize(np.array([[0.0], [4.0]], dtype="float32").reshape(2, 1, 1), (4, 1))
    np.testing.assert_array_equal(up.numpy().ravel(), [0, 1, 3, 4])  # edges clamp, inner 1/4 and 3/4
    assert image_ops.resize(x, (2, 2)).dtype == "float32"


def test_antialias_widens_the_kernel_when_downsampling():
    row = np.array([0, 0, 0, 8, 8, 8, 8, 0], dtype="float64").reshape(1, 8, 1)
    plain = image_ops.resize(row, (1, 2), interpolation="bilinear").numpy().ravel()
    smooth = image_ops.resize(row, (1, 2), interpolation="bilinear", antialias=True).numpy().ravel()
    np.testing.assert_allclose(plain, [0, 8])  # source positions 1.5 and 5.5: two pixels each
    # Downscaling by 4 stretches the triangle to a half-width of 4 pixels, renormalized.
    for out, centre in zip(smooth, (1.5, 5.5)):
        weights = np.maximum(0.0, 1.0 - np.abs(centre - np.arange(8)) / 4.0)
        assert out == pytest.approx(weights @ row.ravel() / weights.sum())
    assert 0 < smooth[0] < 4 and 4 < smooth[1] < 8
    upsampled = image_ops.resize(row, (1, 16), antialias=True).numpy()
    np.testing.assert_allclose(upsampled, image_ops.resize(row, (1, 16)).numpy())


def test_lanczos_reproduces_constants_and_interpolates_samples():
    flat = np.full((5, 7, 2), 3.0)
    for method in ("lanczos3", "lanczos5"):
        np.testing.assert_allclose(image_ops.resize(flat, (9, 4), interpolation=method).numpy(), 3.0)
    x = rand(6, 6, 1)
    np.testing.assert_allclose(image_ops.resize(x, (6, 6), interpolation="lanczos3").numpy(), x)


@pytest.mark.parametrize("method", ["bilinear", "nearest", "area"])
def test_layouts_and_unbatched_images_agree(method):
    images = rand(2, 5, 6, 3)
    want = image_ops.resize(images, (3, 4), interpolation=method).numpy()
    cf = image_ops.resize(images.transpose(0, 3, 1, 2), (3, 4), interpolation=method, data_format="channels_first")
    np.testing.assert_allclose(cf.numpy().transpose(0, 2, 3, 1), want)
    one = image_ops.resize(images[1], (3, 4), interpolation=method)
    np.testing.assert_allclose(one.numpy(), want[1])
    one_cf = image_ops.resize(images[1].transpose(2, 0, 1), (3, 4), interpolation=method,
                              data_format="channels_first")
    assert one_cf.shape == (3, 3, 4)


def test_crop_and_pad_to_aspect_ratio():
    x = rand(1, 4, 8, 1)
    cropped = image_ops.resize(x, (2, 2), crop_to_aspect_ratio=True).numpy()
    np.testing.assert_allclose(cropped, image_ops.resize(x[:, :, 2:6], (2, 2)).numpy())  # central 4x4
    padded = image_ops.resize(x, (4, 4), pad_to_aspect_ratio=True, fill_value=-1.0, interpolation="nearest")
    want = np.full((1, 8, 8, 1), -1.0)
    want[:, 2:6] = x
    np.testing.assert_allclose(padded.numpy(), image_ops.resize(want, (4, 4), interpolation="nearest").numpy())
    tall = rand(6, 2, 1)
    padded = image_ops.resize(tall, (6, 6), pad_to_aspect_ratio=True, interpolation="nearest").numpy()
    np.testing.assert_allclose(padded[:, :2], 0.0)
    np.testing.assert_allclose(padded[:, 2:4], tall)


def test_integer_images_are_rounded_and_kept_in_range():
    x = np.array([[0, 255], [255, 0]], dtype="uint8").reshape(2, 2, 1)
    out = image_ops.resize(x, (4, 4), interpolation="bicubic")
    assert out.dtype == "uint8"
    want = np.clip(np.round(image_ops.resize(x.astype("float32"), (4, 4), interpolation="bicubic").numpy()), 0, 255)
    np.testing.assert_array_equal(out.numpy(), want)


def test_errors():
    x = np.zeros((4, 4, 3), dtype="float32")
    with pytest.raises(ValueError, match="rank"):
        image_ops.resize(np.zeros((4, 4)), (2, 2))
    with pytest.raises(ValueError, match="positive"):
        image_ops.resize(x, (0, 2))
    with pytest.raises(ValueError, match="tuple of 2"):
        image_ops.resize(x, (2, 2, 2))
    with pytest.raises(ValueError, match="interpolation"):
        image_ops.resize(x, (2, 2), interpolation="cubic")
    with pytest.raises(ValueError, match="fill_mode"):
        image_ops.resize(x, (2, 2), fill_mode="reflect")
    with pytest.raises(ValueError, match="only one"):
        image_ops.resize(x, (2, 2), crop_to_aspect_ratio=True, pad_to_aspect_ratio=True)
    with pytest.raises(ValueError, match="data_format"):
        image_ops.resize(x, (2, 2), data_format="NHWC")


@pytest.mark.parametrize("method", ["bilinear", "nearest", "area", "bicubic", "lanczos3"])
@pytest.mark.parametrize("size", [(3, 7), (5, 2)])
def test_gradients(method, size):
    gradcheck("resize_nhwc", lambda x: image_ops.resize(x, size, interpolation=method), rand(2, 4, 5, 2))


def test_gradients_through_antialias_layouts_and_aspect_ratio():
    gradcheck("resize_nhwc", lambda x: image_ops.resize(x, (2, 3), antialias=True, data_format="channels_first"),
              rand(3, 6, 7))
    gradcheck("resize_nhwc", lambda x: image_ops.resize(x, (3, 3), crop_to_aspect_ratio=True), rand(4, 7, 2))
    gradcheck("resize_nhwc", lambda x: image_ops.resize(x, (3, 3), pad_to_aspect_ratio=True, fill_value=2.0),
              rand(1, 4, 7, 2))
