"""Decoding image files into equally sized float32 arrays, for image_dataset_from_directory.

Resizing follows ``tf.image.resize`` (half-pixel centres, no antialiasing), which Keras's
loader uses: bilinear and nearest here in NumPy (TensorFlow's gather-and-lerp), the other
methods through ``keras.ops.image.resize``.
"""
import io

import numpy as np

KERAS_INTERPOLATIONS = ("bilinear", "nearest", "bicubic", "area", "lanczos3", "lanczos5",
                        "gaussian", "mitchellcubic")
LOCAL_INTERPOLATIONS = ("bilinear", "nearest")
MODES = {"rgb": "RGB", "rgba": "RGBA", "grayscale": "L"}


def decode(path, color_mode):
    """The file's first frame as uint8 ``(height, width, channels)``; a file Pillow cannot
    read raises ValueError naming it."""
    from PIL import Image, UnidentifiedImageError

    try:
        with open(path, "rb") as handle:
            data = handle.read()
        with Image.open(io.BytesIO(data)) as img:
            img = img.convert(MODES[color_mode])
            array = np.asarray(img, dtype=np.uint8)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as err:
        raise ValueError(f"Could not decode the image file {path}: {err}") from None
    return array[:, :, None] if array.ndim == 2 else array


def resize_images(images, size, interpolation, crop_to_aspect_ratio, pad_to_aspect_ratio):
    """uint8 images of any sizes -> float32 ``(len(images), size[0], size[1], channels)``."""
    out = np.empty((len(images), size[0], size[1], images[0].shape[-1]), dtype=np.float32)
    for i, image in enumerate(images):
        if crop_to_aspect_ratio:
            image = _crop_to_aspect(image, size)
            out[i] = _resize(image, size, interpolation)
        elif pad_to_aspect_ratio:
            out[i] = _resize_with_pad(image, size, interpolation)
        else:
            out[i] = _resize(image, size, interpolation)
    return out


def _crop_to_aspect(image, size):
    # The largest centred box of the target's aspect ratio (Keras's smart_resize arithmetic).
    height, width = image.shape[:2]
    crop_h = max(min(height, int(float(width * size[0]) / size[1])), 1)
    crop_w = max(min(width, int(float(height * size[1]) / size[0])), 1)
    top, left = int(float(height - crop_h) / 2), int(float(width - crop_w) / 2)
    return image[top:top + crop_h, left:left + crop_w]


def _resize_with_pad(image, size, interpolation):
    # tf.image.resize_with_pad: fit inside the target keeping the aspect ratio, pad with 0.
    height, width = image.shape[:2]
    ratio = max(width / size[1], height / size[0])
    inner = (max(int(height / ratio), 1), max(int(width / ratio), 1))
    top, left = max(0, int((size[0] - inner[0]) / 2)), max(0, int((size[1] - inner[1]) / 2))
    out = np.zeros((size[0], size[1], image.shape[-1]), dtype=np.float32)
    out[top:top + inner[0], left:left + inner[1]] = _resize(image, inner, interpolation)
    return out


def _resize(image, size, interpolation):
    if image.shape[:2] == tuple(size):
        return image.astype(np.float32)
    if interpolation not in LOCAL_INTERPOLATIONS:
        resize = _ops_resize(interpolation)
        return np.asarray(resize(image.astype(np.float32), size, interpolation=interpolation).data)
    if interpolation == "nearest":
        rows = _nearest_index(image.shape[0], size[0])
        cols = _nearest_index(image.shape[1], size[1])
        return image[rows][:, cols].astype(np.float32)
    # TensorFlow's order and rounding: lerp along the width, then along the height, in float32.
    image = image.astype(np.float32)
    top, bottom, y_frac = _bilinear_taps(image.shape[0], size[0])
    left, right, x_frac = _bilinear_taps(image.shape[1], size[1])
    x_frac = x_frac[None, :, None]
    upper = image[top][:, left] + (image[top][:, right] - image[top][:, left]) * x_frac
    lower = image[bottom][:, left] + (image[bottom][:, right] - image[bottom][:, left]) * x_frac
    return upper + (lower - upper) * y_frac[:, None, None]


def _nearest_index(n_in, n_out):
    return np.minimum(np.floor((np.arange(n_out) + 0.5) * (n_in / n_out)).astype(np.int64), n_in - 1)


def _bilinear_taps(n_in, n_out):
    """The two source indices and the weight of the second, at half-pixel-centred positions."""
    source = (np.arange(n_out) + 0.5) * (n_in / n_out) - 0.5
    floor = np.floor(source)
    frac = (source - floor).astype(np.float32)
    low = np.clip(floor, 0, n_in - 1).astype(np.int64)
    high = np.clip(floor + 1, 0, n_in - 1).astype(np.int64)
    return low, high, frac


def _ops_resize(interpolation):
    """keras.ops.image.resize, for the methods beyond bilinear and nearest."""
    from gradiente.ops import image as image_ops

    resize = getattr(image_ops, "resize", None)
    if resize is None:
        raise NotImplementedError(
            f"interpolation={interpolation!r} needs keras.ops.image.resize, which this version of "
            f"gradiente lacks; use 'bilinear' or 'nearest'.")
    return resize
