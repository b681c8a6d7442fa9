"""``keras.preprocessing.image``: Keras 3's image file helpers, plus ``smart_resize``."""
import numpy as np

from gradiente import ops
from gradiente.utils.image_utils import array_to_img, img_to_array, load_img, save_img

__all__ = ["array_to_img", "img_to_array", "load_img", "save_img", "smart_resize"]


def smart_resize(x, size, interpolation="bilinear", data_format="channels_last"):
    """Resize an image (H, W, C) or a batch (N, H, W, C) to ``size`` without distorting it, as
    Keras: take the largest centred crop with ``size``'s aspect ratio, then resize the crop.
    A NumPy input gives a NumPy array; anything else a Tensor."""
    if len(size) != 2:
        raise ValueError(f"Expected `size` to be a tuple of 2 integers, but got: {size}.")
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(f"smart_resize: `data_format` must be 'channels_last' or 'channels_first', "
                         f"received {data_format!r}.")
    img = ops.convert_to_tensor(x)
    if not 3 <= img.ndim <= 4:
        raise ValueError(
            "Expected an image array with shape `(height, width, channels)`, or `(batch_size, "
            f"height, width, channels)`, but got input with incorrect rank, of shape {img.shape}.")
    rows = img.ndim - 3 if data_format == "channels_last" else img.ndim - 2  # the height axis
    height, width = img.shape[rows], img.shape[rows + 1]
    target_height, target_width = size
    # Keras's arithmetic (float division, then truncation), so the crops agree pixel for pixel.
    crop_height = max(min(height, int(float(width * target_height) / target_width)), 1)
    crop_width = max(min(width, int(float(height * target_width) / target_height)), 1)
    top, left = int(float(height - crop_height) / 2), int(float(width - crop_width) / 2)
    box = [slice(None)] * img.ndim
    box[rows], box[rows + 1] = slice(top, top + crop_height), slice(left, left + crop_width)
    resized = ops.image.resize(img[tuple(box)], size=size, interpolation=interpolation, data_format=data_format)
    return np.asarray(ops.convert_to_numpy(resized)) if isinstance(x, np.ndarray) else resized
