"""``keras.utils`` image helpers: NumPy arrays <-> PIL images, reading and writing image files.

Pillow is optional: it is imported when one of these functions needs it, never by
``import gradiente``.
"""
import io
import os
import pathlib
import warnings

import numpy as np

from gradiente import backend

INTERPOLATIONS = ("nearest", "bilinear", "bicubic", "hamming", "box", "lanczos")
COLOR_MODES = ("grayscale", "rgb", "rgba")


def _pil_image(caller):
    """PIL.Image, or an ImportError that says how to install it."""
    try:
        from PIL import Image
    except ImportError as error:
        raise ImportError(
            f"`{caller}` needs Pillow (PIL), which is not installed. Install it with "
            "`pip install pillow` (or `pip install gradiente[image]`)."
        ) from error
    return Image


def _data_format(data_format):
    # Keras's rule: None means the global keras.config.image_data_format().
    if data_format is None:
        return backend.image_data_format()
    value = str(data_format).lower()
    if value not in ("channels_first", "channels_last"):
        raise ValueError(
            "The `data_format` argument must be one of {'channels_first', 'channels_last'}. "
            f"Received: data_format={data_format!r}"
        )
    return value


def array_to_img(x, data_format=None, scale=True, dtype=None):
    """A 3D array (one image) as a PIL Image: 1 channel -> "L" (or "I" above 255), 3 -> "RGB",
    4 -> "RGBA". ``scale`` stretches the values so the minimum is 0 and the maximum 255."""
    data_format = _data_format(data_format)
    dtype = backend.floatx() if dtype is None else dtype
    Image = _pil_image("array_to_img")
    x = np.asarray(x, dtype=dtype)
    if x.ndim != 3:
        raise ValueError(f"Expected image array to have rank 3 (single image). Got array with shape: {x.shape}")
    if data_format == "channels_first":
        x = x.transpose(1, 2, 0)
    if scale:
        if not np.issubdtype(x.dtype, np.floating):
            # Keras fails here too (NumPy cannot divide an int array in place); say why.
            raise TypeError(
                f"array_to_img: scale=True rescales in floating point, but dtype is {x.dtype.name}. "
                "Pass a float dtype (or leave dtype=None), or scale=False."
            )
        x = x - np.min(x)
        peak = np.max(x)
        if peak != 0:
            x /= peak
        x *= 255
    channels = x.shape[2]
    if channels == 4:
        return Image.fromarray(x.astype("uint8"), "RGBA")
    if channels == 3:
        return Image.fromarray(x.astype("uint8"), "RGB")
    if channels == 1:
        if np.max(x) > 255:
            # Too wide for 8 bits: PIL's 32-bit signed grayscale mode.
            return Image.fromarray(x[:, :, 0].astype("int32"), "I")
        return Image.fromarray(x[:, :, 0].astype("uint8"), "L")
    raise ValueError(f"Unsupported channel number: {channels} (expected 1, 3 or 4).")


def img_to_array(img, data_format=None, dtype=None):
    """A PIL Image (or anything NumPy can read) as a 3D array, a grayscale image getting a
    channel axis of 1; ``dtype`` defaults to ``keras.config.floatx()``."""
    data_format = _data_format(data_format)
    x = np.asarray(img, dtype=backend.floatx() if dtype is None else dtype)
    if x.ndim == 3:
        if data_format == "channels_first":
            x = x.transpose(2, 0, 1)
    elif x.ndim == 2:
        x = x.reshape((1,) + x.shape if data_format == "channels_first" else x.shape + (1,))
    else:
        raise ValueError(f"Unsupported image shape: {x.shape} (expected 2 or 3 dimensions).")
    return x


def save_img(path, x, data_format=None, file_format=None, scale=True, **kwargs):
    """Write array ``x`` as an image to ``path`` (a path or a file object).

    ``file_format`` defaults to the path's extension; give it for a file object. An RGBA image
    saved as JPEG is converted to RGB with a warning. ``kwargs`` go to ``PIL.Image.save``.
    """
    data_format = _data_format(data_format)
    is_path = isinstance(path, (str, os.PathLike))
    if file_format is None:
        if not is_path:
            raise ValueError("save_img: pass `file_format` (e.g. 'png') when saving to a file object.")
        file_format = pathlib.Path(path).suffix[1:]
        if not file_format:
            raise ValueError(
                f"save_img: cannot tell the image format from {str(path)!r} (no extension); "
                "pass `file_format`, e.g. 'png' or 'jpeg'."
            )
    file_format = file_format.lower()
    if file_format == "jpg":
        file_format = "jpeg"  # Pillow knows the format only by this name
    img = array_to_img(x, data_format=data_format, scale=scale)
    if img.mode == "RGBA" and file_format == "jpeg":
        warnings.warn("The JPEG format does not support RGBA images, converting to RGB.", stacklevel=2)
        img = img.convert("RGB")
    img.save(path, format=file_format, **kwargs)


def load_img(path, color_mode="rgb", target_size=None, interpolation="nearest", keep_aspect_ratio=False):
    """Read an image file into a PIL Image.

    ``color_mode``: "grayscale", "rgb" or "rgba". ``target_size``: ``(height, width)`` or None
    for the file's size. ``interpolation``: one of ``INTERPOLATIONS``. ``keep_aspect_ratio``:
    crop the centre to the target's aspect ratio before resizing instead of distorting it.
    """
    Image = _pil_image("load_img")
    if color_mode not in COLOR_MODES:
        raise ValueError(f'color_mode must be "grayscale", "rgb", or "rgba"; received {color_mode!r}.')
    # Checked up front (Keras checks only when a resize is needed), so a bad name fails on
    # every image rather than on the first one whose size differs.
    if interpolation not in INTERPOLATIONS:
        raise ValueError(
            f"Invalid interpolation method {interpolation!r} specified. Supported methods are "
            f"{', '.join(INTERPOLATIONS)}."
        )
    if target_size is not None:
        target_size = _check_size(target_size)
    if isinstance(path, io.BytesIO):
        img = Image.open(path)
    elif isinstance(path, (str, bytes, os.PathLike)):
        # Read the bytes and close the file at once: PIL would otherwise keep it open.
        with open(path, "rb") as f:
            img = Image.open(io.BytesIO(f.read()))
    else:
        raise TypeError(f"path should be path-like or io.BytesIO, not {type(path)}")
    img = _convert(img, color_mode)
    if target_size is None:
        return img
    width_height = (target_size[1], target_size[0])
    if img.size == width_height:
        return img
    resample = _resampling(Image)[interpolation]
    if not keep_aspect_ratio:
        return img.resize(width_height, resample)
    # The largest centred crop with the target's aspect ratio, in Keras's integer arithmetic.
    width, height = img.size
    crop_height = min(height, (width * width_height[1]) // width_height[0])
    crop_width = min(width, (height * width_height[0]) // width_height[1])
    top, left = (height - crop_height) // 2, (width - crop_width) // 2
    return img.resize(width_height, resample, box=(left, top, left + crop_width, top + crop_height))


def _convert(img, color_mode):
    if color_mode == "grayscale":
        # 8-, 16- and 32-bit grayscale stay as they are; anything else becomes 8-bit.
        return img if img.mode in ("L", "I;16", "I") else img.convert("L")
    wanted = color_mode.upper()
    return img if img.mode == wanted else img.convert(wanted)


def _check_size(target_size):
    try:
        height, width = target_size
        valid = all(isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n > 0
                    for n in (height, width))
    except (TypeError, ValueError):
        valid = False
    if not valid:
        raise ValueError(f"target_size must be a pair of positive ints (height, width); received {target_size!r}.")
    return int(height), int(width)


def _resampling(Image):
    # Pillow >= 9.1 groups the filters in Image.Resampling; older ones keep them on Image.
    filters = getattr(Image, "Resampling", Image)
    return {name: getattr(filters, name.upper()) for name in INTERPOLATIONS}
