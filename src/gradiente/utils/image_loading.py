"""Decoding image files into equally sized float32 arrays, for image_dataset_from_directory.

Resizing is ``keras.ops.image.resize`` (half-pixel centres, no antialiasing: tf.image.resize,
which Keras's loader uses).
"""
import io

import numpy as np

KERAS_INTERPOLATIONS = ("bilinear", "nearest", "bicubic", "area", "lanczos3", "lanczos5",
                        "gaussian", "mitchellcubic")
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
            out[i] = _resize(image, size, interpolation, crop_to_aspect_ratio=True)
        elif pad_to_aspect_ratio:
            out[i] = _resize_with_pad(image, size, interpolation)
        else:
            out[i] = _resize(image, size, interpolation)
    return out


def _resize_with_pad(image, size, interpolation):
    # tf.image.resize_with_pad, which Keras's loader uses: fit inside the target keeping the
    # aspect ratio, then pad with 0 (keras.ops.image.resize pads first, then resizes).
    height, width = image.shape[:2]
    ratio = max(width / size[1], height / size[0])
    inner = (max(int(height / ratio), 1), max(int(width / ratio), 1))
    top, left = max(0, int((size[0] - inner[0]) / 2)), max(0, int((size[1] - inner[1]) / 2))
    out = np.zeros((size[0], size[1], image.shape[-1]), dtype=np.float32)
    out[top:top + inner[0], left:left + inner[1]] = _resize(image, inner, interpolation)
    return out


def _resize(image, size, interpolation, crop_to_aspect_ratio=False):
    image = image.astype(np.float32)  # float in, float out: tf.image.resize neither rounds nor clips
    if image.shape[:2] == tuple(size):
        return image
    from gradiente.ops.image import resize

    return resize(image, size, interpolation=interpolation, crop_to_aspect_ratio=crop_to_aspect_ratio).data
