"""``keras.ops.image.crop_images`` and ``pad_images`` (Keras 3's arguments: two of the
leading amount, the trailing amount and the target size per axis), and ``crop_at``, a crop
whose offset is read from an array when the op runs, so a replayed training step can crop
where each step's random draw says (RandomCrop)."""
import numpy as np

from gradiente.ops.image_layout import to_nhwc
from gradiente.ops.primitive import primitive
from gradiente.ops.shape import getitem, pad


def _check_amount(name, value):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"`{name}` must be an int or None. Received: {name}={value!r}")
    if value < 0:
        raise ValueError(f"{name} must be >= 0. Received: {name}={value}")
    return int(value)


def _two_of_three(kind, lead, trail, target, axis_names):
    names = (f"{axis_names[0]}_{kind}", f"{axis_names[1]}_{kind}", axis_names[2])
    if [lead, trail, target].count(None) != 1:
        raise ValueError(f"Must specify exactly two of {', '.join(names)}. Received: {names[0]}={lead}, "
                         f"{names[1]}={trail}, {names[2]}={target}")
    return tuple(_check_amount(n, v) for n, v in zip(names, (lead, trail, target)))


def crop_images(images, top_cropping=None, left_cropping=None, bottom_cropping=None, right_cropping=None,
                target_height=None, target_width=None, data_format=None):
    """Images (batch?, H, W, C) -> (batch?, target_height, target_width, C): rows from
    ``top_cropping``, columns from ``left_cropping`` (channels first as ``data_format`` says)."""
    x, restore = to_nhwc(images, data_format, "crop_images")
    top, bottom, th = _two_of_three("cropping", top_cropping, bottom_cropping, target_height,
                                    ("top", "bottom", "target_height"))
    left, right, tw = _two_of_three("cropping", left_cropping, right_cropping, target_width,
                                    ("left", "right", "target_width"))
    height, width = x.shape[1:3]
    top = height - th - bottom if top is None else top
    th = height - bottom - top if th is None else th
    left = width - tw - right if left is None else left
    tw = width - right - left if tw is None else tw
    for name, value in (("top_cropping", top), ("target_height", th), ("left_cropping", left),
                        ("target_width", tw)):
        if value < 0:
            raise ValueError(f"crop_images: {name} must be >= 0. Received: {name}={value} "
                             f"(images of height {height} and width {width}).")
    if top + th > height or left + tw > width:
        raise ValueError(f"crop_images: the crop (rows {top}..{top + th}, columns {left}..{left + tw}) does not fit "
                         f"in images of height {height} and width {width}.")
    return restore(getitem(x, (slice(None), slice(top, top + th), slice(left, left + tw))))


def pad_images(images, top_padding=None, left_padding=None, bottom_padding=None, right_padding=None,
               target_height=None, target_width=None, data_format=None):
    """Images (batch?, H, W, C) -> zero-padded (batch?, target_height, target_width, C)."""
    x, restore = to_nhwc(images, data_format, "pad_images")
    top, bottom, th = _two_of_three("padding", top_padding, bottom_padding, target_height,
                                    ("top", "bottom", "target_height"))
    left, right, tw = _two_of_three("padding", left_padding, right_padding, target_width,
                                    ("left", "right", "target_width"))
    height, width = x.shape[1:3]
    top = th - bottom - height if top is None else top
    bottom = th - top - height if bottom is None else bottom
    left = tw - right - width if left is None else left
    right = tw - left - width if right is None else right
    for name, value in (("top_padding", top), ("bottom_padding", bottom), ("left_padding", left),
                        ("right_padding", right)):
        if value < 0:
            raise ValueError(f"pad_images: {name} must be >= 0. Received: {name}={value} "
                             f"(images of height {height} and width {width}).")
    return restore(pad(x, ((0, 0), (top, bottom), (left, right), (0, 0))))


@primitive
def crop_at(x, offsets, height=1, width=1):
    """x (B, H, W, C), offsets (2,) ints (row, column) -> x[:, r:r + height, c:c + width]."""
    r, c = int(offsets[0]), int(offsets[1])
    return x[:, r:r + height, c:c + width].copy()


@crop_at.defvjp
def _(g, ans, needs, x, offsets, height=1, width=1):
    r, c = int(offsets[0]), int(offsets[1])
    grad = np.zeros(x.shape, dtype=g.dtype)
    grad[:, r:r + height, c:c + width] = g
    return grad, None
