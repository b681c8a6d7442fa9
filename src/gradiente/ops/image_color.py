"""``keras.ops.image.rgb_to_grayscale``: ITU-R 601 luma, with tf.image's weights."""
import numpy as np

from gradiente.ops.image_layout import as_tensor, check_rank, data_format_of
from gradiente.ops.products import tensordot
from gradiente.ops.shape import cast, expand_dims
from gradiente.autodiff.tensor import Tensor

RGB_WEIGHTS = (0.2989, 0.5870, 0.1140)


def rgb_to_grayscale(images, data_format=None):
    """Images (batch?, H, W, 3 or 1) -> (batch?, H, W, 1) (channel axis first for
    channels_first); one channel is returned as is. Integer images come back rounded down
    to their dtype, as Keras casts them."""
    x = as_tensor(images)
    check_rank(x, "rgb_to_grayscale")
    axis = -1 if data_format_of(data_format, "rgb_to_grayscale") == "channels_last" else -3
    if x.shape[axis] not in (1, 3):
        raise ValueError("rgb_to_grayscale: invalid channel size: expected 3 (RGB) or 1 (Grayscale). "
                         f"Received input with shape: images.shape={tuple(x.shape)}")
    if x.shape[axis] == 1:
        return Tensor(x.data.copy())
    dtype = x.data.dtype
    if dtype.kind != "f":
        x = cast(x, "float32")
    weights = Tensor(np.asarray(RGB_WEIGHTS, dtype=x.data.dtype))
    gray = expand_dims(tensordot(x, weights, axes=([x.ndim + axis], [0])), axis)
    return gray if dtype.kind == "f" else cast(gray, dtype)
