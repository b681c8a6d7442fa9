"""The image ops' shared argument handling: images of rank 3 or 4 in either layout are
brought to one batched channels-last Tensor, and the result back to the caller's layout."""
from gradiente import backend
from gradiente.autodiff.tensor import Tensor, to_array
from gradiente.ops.shape import expand_dims, squeeze, transpose


def data_format_of(data_format, fn):
    """``data_format`` checked, None meaning ``keras.config.image_data_format()``."""
    data_format = backend.image_data_format() if data_format is None else data_format
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(f"{fn}: `data_format` must be 'channels_last' or 'channels_first'. "
                         f"Received: data_format={data_format!r}")
    return data_format


def as_tensor(images):
    return images if isinstance(images, Tensor) else Tensor(to_array(images))


def check_rank(images, fn):
    if images.ndim not in (3, 4):
        raise ValueError(f"{fn}: invalid images rank: expected rank 3 (single image) or rank 4 (batch of "
                         f"images). Received input with shape: images.shape={tuple(images.shape)}")


def to_nhwc(images, data_format, fn):
    """(x, restore): ``x`` is (batch, H, W, C); ``restore(y)`` puts a (batch, H', W', C')
    result back in the input's rank and layout."""
    x = as_tensor(images)
    check_rank(x, fn)
    data_format = data_format_of(data_format, fn)
    unbatched = x.ndim == 3
    if unbatched:
        x = expand_dims(x, 0)
    channels_first = data_format == "channels_first"
    if channels_first:
        x = transpose(x, (0, 2, 3, 1))

    def restore(y):
        if channels_first:
            y = transpose(y, (0, 3, 1, 2))
        return squeeze(y, 0) if unbatched else y

    return x, restore

