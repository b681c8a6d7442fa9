"""``keras.ops.image.resize``: half-pixel-centred resizing as ``tf.image.resize`` (v2) and
Keras 3's other backends do it.

Every method but nearest is linear and separable: the output is ``Wh^T @ image @ Ww`` per
channel, with one (input, output) weight matrix per axis, so the forward is two matrix
products and the VJP the same products with the matrices transposed. Kernel methods
(bilinear, bicubic, lanczos3/5) sample the kernel at the half-pixel-centred source position
and renormalize the weights that fall inside the image (TensorFlow's and JAX's border rule);
``antialias`` widens the kernel by the downscale factor. ``area`` weights each input pixel by
how much of it the output pixel's footprint covers (TensorFlow's resize_area).
"""
import functools

import numpy as np

from gradiente.autodiff.tensor import Tensor
from gradiente.ops.image_layout import to_nhwc
from gradiente.ops.primitive import primitive
from gradiente.ops.shape import concatenate, getitem

INTERPOLATIONS = ("bilinear", "nearest", "bicubic", "area", "lanczos3", "lanczos5")


def _triangle(x):
    return np.maximum(0.0, 1.0 - x)


def _keys_cubic(x):
    # Keys' cubic convolution with a = -0.5, as TensorFlow's half-pixel bicubic.
    near = ((1.5 * x - 2.5) * x) * x + 1.0
    far = ((-0.5 * x + 2.5) * x - 4.0) * x + 2.0
    return np.where(x >= 2.0, 0.0, np.where(x >= 1.0, far, near))


def _lanczos(radius):
    def kernel(x):
        with np.errstate(divide="ignore", invalid="ignore"):
            y = radius * np.sin(np.pi * x) * np.sin(np.pi * x / radius) / (np.pi ** 2 * x ** 2)
        return np.where(x > radius, 0.0, np.where(x > 1e-3, y, 1.0))
    return kernel


_KERNELS = {"bilinear": _triangle, "bicubic": _keys_cubic, "lanczos3": _lanczos(3.0), "lanczos5": _lanczos(5.0)}


@functools.lru_cache(maxsize=256)
def weight_matrix(n_in, n_out, method, antialias):
    """(n_in, n_out) float64 matrix mapping one axis of length n_in to n_out."""
    scale = n_out / n_in
    if method == "nearest":
        src = np.minimum(np.floor((np.arange(n_out) + 0.5) / scale).astype(np.int64), n_in - 1)
        w = np.zeros((n_in, n_out))
        w[src, np.arange(n_out)] = 1.0
        return w
    if method == "area":
        step = n_in / n_out  # each output pixel covers [o * step, (o + 1) * step) of the input
        lo = np.arange(n_out) * step
        hi = lo + step
        i = np.arange(n_in)[:, None]
        overlap = np.clip(np.minimum(i + 1, hi) - np.maximum(i, lo), 0.0, None)
        return overlap / step
    widen = max(1.0 / scale, 1.0) if antialias else 1.0
    centres = (np.arange(n_out) + 0.5) / scale - 0.5
    w = _KERNELS[method](np.abs(centres[None, :] - np.arange(n_in)[:, None]) / widen)
    total = w.sum(axis=0, keepdims=True)
    return np.where(np.abs(total) > 1000.0 * np.finfo(np.float32).eps, w / np.where(total != 0, total, 1.0), 0.0)


def _apply(x, wh, ww):
    """(B, H, W, C) through the height matrix ``wh`` (H, H') and width matrix ``ww`` (W, W');
    None leaves that axis alone."""
    if wh is not None:
        x = np.matmul(wh.T, x.reshape(x.shape[0], x.shape[1], -1)).reshape(
            (x.shape[0], wh.shape[1]) + x.shape[2:])
    if ww is not None:
        x = np.einsum("bhwc,wv->bhvc", x, ww, optimize=True)
    return x


def _matrices(shape_in, size, method, antialias, dtype):
    (h, w), (oh, ow) = shape_in, size
    wh = None if h == oh else weight_matrix(h, oh, method, antialias).astype(dtype)
    ww = None if w == ow else weight_matrix(w, ow, method, antialias).astype(dtype)
    return wh, ww


@primitive
def resize_nhwc(x, size=(1, 1), method="bilinear", antialias=False):
    """(B, H, W, C) -> (B, size[0], size[1], C), float in, same dtype out."""
    if method == "nearest":  # a gather: cheaper than a product with a one-hot matrix
        (h, w), (oh, ow) = x.shape[1:3], size
        if h != oh:
            x = x[:, np.argmax(weight_matrix(h, oh, "nearest", False), axis=0)]
        if w != ow:
            x = x[:, :, np.argmax(weight_matrix(w, ow, "nearest", False), axis=0)]
        return np.array(x, copy=True) if (h, w) == tuple(size) else x
    wh, ww = _matrices(x.shape[1:3], size, method, antialias, x.dtype)
    return x.copy() if wh is None and ww is None else _apply(x, wh, ww)


@resize_nhwc.defvjp
def _(g, ans, needs, x, size=(1, 1), method="bilinear", antialias=False):
    wh, ww = _matrices(x.shape[1:3], size, method, antialias, g.dtype)
    return (_apply(g, None if wh is None else wh.T, None if ww is None else ww.T),)


@primitive(name="resize_integers")
def _resize_integers(x, size=(1, 1), method="bilinear", antialias=False):
    """Integer images: resized in float32, rounded and kept within the input's range, as Keras."""
    out = resize_nhwc.forward(x.astype(np.float32), size, method, antialias)
    if x.size:
        out = np.clip(np.round(out), x.min(), x.max())
    return out.astype(x.dtype)


def _check_size(size):
    if not isinstance(size, (tuple, list)) or len(size) != 2:
        raise ValueError(f"resize: expected `size` to be a tuple of 2 integers. Received: size={size!r}")
    for s in size:
        if isinstance(s, bool) or not isinstance(s, (int, np.integer)):
            raise TypeError(f"resize: `size` must hold two integers (height, width). Received: size={size!r}")
        if s <= 0:
            raise ValueError(f"resize: `size` must have positive height and width. Received: size={tuple(size)}")
    return int(size[0]), int(size[1])


def aspect_box(height, width, target_height, target_width, grow):
    """(box height, box width): the largest box of the target's aspect ratio inside the
    image (``grow=False``), or the smallest one holding it (``grow=True``)."""
    box_h = int(float(width * target_height) / target_width)
    box_w = int(float(height * target_width) / target_height)
    if grow:
        return max(height, box_h), max(width, box_w)
    return max(min(height, box_h), 1), max(min(width, box_w), 1)


def _pad_to_aspect(x, target, fill_value):
    height, width = x.shape[1:3]
    pad_h, pad_w = aspect_box(height, width, *target, grow=True)
    # Keras pads the short side by the same amount on both ends (the box's odd pixel is dropped).
    top, left = int(float(pad_h - height) / 2), int(float(pad_w - width) / 2)
    if top > 0:
        band = Tensor(np.full((x.shape[0], top, width, x.shape[3]), fill_value, dtype=x.dtype))
        return concatenate([band, x, band], axis=1)
    if left > 0:
        band = Tensor(np.full((x.shape[0], height, left, x.shape[3]), fill_value, dtype=x.dtype))
        return concatenate([band, x, band], axis=2)
    return x


def resize(images, size, interpolation="bilinear", antialias=False, crop_to_aspect_ratio=False,
           pad_to_aspect_ratio=False, fill_mode="constant", fill_value=0.0, data_format=None):
    """Images (batch?, H, W, C) -> (batch?, size[0], size[1], C) (channels first for
    ``data_format="channels_first"``). Differentiable with respect to float images."""
    size = _check_size(size)
    if interpolation not in INTERPOLATIONS:
        raise ValueError(f"resize: invalid value for argument `interpolation`. Expected one of {INTERPOLATIONS}. "
                         f"Received: interpolation={interpolation!r}")
    if fill_mode != "constant":
        raise ValueError("resize: invalid value for argument `fill_mode`. Only 'constant' is supported. "
                         f"Received: fill_mode={fill_mode!r}")
    if pad_to_aspect_ratio and crop_to_aspect_ratio:
        raise ValueError("resize: only one of `pad_to_aspect_ratio` & `crop_to_aspect_ratio` can be `True`.")
    x, restore = to_nhwc(images, data_format, "resize")
    if 0 in x.shape[1:3]:
        raise ValueError(f"resize: the images have no pixels (height and width {tuple(x.shape[1:3])}).")
    if crop_to_aspect_ratio:
        height, width = x.shape[1:3]
        box_h, box_w = aspect_box(height, width, *size, grow=False)
        top, left = int(float(height - box_h) / 2), int(float(width - box_w) / 2)
        x = getitem(x, (slice(None), slice(top, top + box_h), slice(left, left + box_w)))
    elif pad_to_aspect_ratio:
        x = _pad_to_aspect(x, size, fill_value)
    kind = x.data.dtype.kind
    if kind == "b" or kind not in "iuf":
        raise TypeError(f"resize: images must be of a numeric dtype, received {x.data.dtype}.")
    op = resize_nhwc if kind == "f" else _resize_integers
    return restore(op(x, size=size, method=interpolation, antialias=bool(antialias)))
