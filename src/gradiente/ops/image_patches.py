"""``keras.ops.image.extract_patches`` and ``extract_patches_3d``: every (dilated, strided)
window of an image or volume laid out as one feature vector, as Keras 3 gives them (its
backends convolve with an identity kernel; here each of the patch's offsets is one strided
slice, forward and backward, so the cost is a copy, not a matmul)."""
import itertools

import numpy as np

from gradiente import backend
from gradiente.autodiff.tensor import Tensor, to_array
from gradiente.ops.convolution import padding_pairs
from gradiente.ops.primitive import primitive
from gradiente.ops.shape import expand_dims, squeeze, transpose


def _offset_slices(offsets, dilation, out, strides):
    """Per spatial axis, the slice of the padded input that patch offset ``o`` reads."""
    return tuple(slice(o * d, o * d + (m - 1) * s + 1, s) for o, d, m, s in zip(offsets, dilation, out, strides))


def _geometry(spatial, size, strides, dilation, pads):
    padded = tuple(n + lo + hi for n, (lo, hi) in zip(spatial, pads))
    return padded, tuple((n - (k - 1) * d - 1) // s + 1 for n, k, s, d in zip(padded, size, strides, dilation))


@primitive
def extract_patches_nd(x, size, strides, dilation, pads):
    """(batch, *spatial, C) channels-last -> (batch, *out, prod(size) * C), each patch
    flattened in (offsets..., channel) order, as TensorFlow's extract_patches orders it."""
    nd = len(size)
    padded, out = _geometry(x.shape[1:-1], size, strides, dilation, pads)
    if any(lo or hi for lo, hi in pads):
        x = np.pad(x, ((0, 0),) + tuple(pads) + ((0, 0),))
    result = np.empty((x.shape[0],) + out + tuple(size) + (x.shape[-1],), dtype=x.dtype)
    lead = (slice(None),) * (1 + nd)
    for offsets in itertools.product(*map(range, size)):
        result[lead + offsets] = x[(slice(None),) + _offset_slices(offsets, dilation, out, strides)]
    return result.reshape(result.shape[:1 + nd] + (-1,))


@extract_patches_nd.defvjp
def _(g, ans, needs, x, size, strides, dilation, pads):
    nd = len(size)
    padded, out = _geometry(x.shape[1:-1], size, strides, dilation, pads)
    g = g.reshape(g.shape[:1 + nd] + tuple(size) + (x.shape[-1],))
    grad = np.zeros((x.shape[0],) + padded + (x.shape[-1],), dtype=g.dtype)
    lead = (slice(None),) * (1 + nd)
    for offsets in itertools.product(*map(range, size)):  # overlapping patches add up
        grad[(slice(None),) + _offset_slices(offsets, dilation, out, strides)] += g[lead + offsets]
    crop = (slice(None),) + tuple(slice(lo, lo + n) for (lo, _), n in zip(pads, x.shape[1:-1]))
    return (grad[crop],)


def _tuple(name, value, nd):
    values = (value,) * nd if isinstance(value, (int, np.integer)) and not isinstance(value, bool) else value
    if (not isinstance(values, (tuple, list)) or len(values) != nd
            or not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v >= 1 for v in values)):
        raise ValueError(f"extract_patches: `{name}` must be a positive int or a tuple of {nd} positive ints. "
                         f"Received: {name}={value!r}")
    return tuple(int(v) for v in values)


def _extract(images, size, strides, dilation_rate, padding, data_format, nd):
    x = images if isinstance(images, Tensor) else Tensor(to_array(images))
    size = _tuple("size", size, nd)
    strides = size if not strides else _tuple("strides", strides, nd)
    dilation = _tuple("dilation_rate", dilation_rate, nd)
    if padding not in ("valid", "same"):
        raise ValueError(f"extract_patches: `padding` must be 'valid' or 'same'. Received: padding={padding!r}")
    data_format = backend.image_data_format() if data_format is None else data_format
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError("extract_patches: `data_format` must be 'channels_last' or 'channels_first'. "
                         f"Received: data_format={data_format!r}")
    if x.ndim not in (nd + 1, nd + 2):
        kind = "images" if nd == 2 else "volumes"
        raise ValueError(f"extract_patches: {nd}-D patches need {kind} of rank {nd + 1} (unbatched) or "
                         f"{nd + 2} (batched). Received shape {tuple(x.shape)}.")
    unbatched = x.ndim == nd + 1
    if unbatched:
        x = expand_dims(x, 0)
    channels_first = data_format == "channels_first"
    if channels_first:
        x = transpose(x, (0,) + tuple(range(2, nd + 2)) + (1,))
    spatial = tuple(x.shape[1:-1])
    pads = padding_pairs(spatial, size, strides, dilation, padding)
    _, out = _geometry(spatial, size, strides, dilation, pads)
    if min(out) < 1:
        raise ValueError(f"extract_patches: patches of size {size} with dilation {dilation} do not fit in "
                         f"the spatial shape {spatial} with padding='valid'.")
    patches = extract_patches_nd(x, size=size, strides=strides, dilation=dilation, pads=pads)
    if channels_first:
        patches = transpose(patches, (0, nd + 1) + tuple(range(1, nd + 1)))
    return squeeze(patches, 0) if unbatched else patches


def extract_patches(images, size, strides=None, dilation_rate=1, padding="valid", data_format=None):
    """Images (batch?, H, W, C) -> patches (batch?, H', W', ph * pw * C) (channels move
    first for channels_first). ``size``: an int or (ph, pw), or (pd, ph, pw) for volumes;
    ``strides`` default to ``size`` (non-overlapping patches)."""
    if not isinstance(size, (int, np.integer)):
        if not isinstance(size, (tuple, list)):
            raise TypeError("Invalid `size` argument. Expected an int or a tuple. "
                            f"Received: size={size} of type {type(size).__name__}")
        if len(size) not in (2, 3):
            raise ValueError("Invalid `size` argument. Expected a tuple of length 2 or 3. "
                             f"Received: size={size} with length {len(size)}")
    nd = 3 if not isinstance(size, (int, np.integer)) and len(size) == 3 else 2
    return _extract(images, size, strides, dilation_rate, padding, data_format, nd)


def extract_patches_3d(volumes, size, strides=None, dilation_rate=1, padding="valid", data_format=None):
    """Volumes (batch?, D, H, W, C) -> patches (batch?, D', H', W', pd * ph * pw * C)."""
    if not isinstance(size, (int, np.integer)) and not (isinstance(size, (tuple, list)) and len(size) == 3):
        raise TypeError(f"Invalid `size` argument. Expected an int or a tuple of length 3. Received: size={size}")
    return _extract(volumes, size, strides, dilation_rate, padding, data_format, 3)
