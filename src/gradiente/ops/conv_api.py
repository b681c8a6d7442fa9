"""``keras.ops.conv``, ``depthwise_conv``, ``separable_conv``, ``conv_transpose``,
``max_pool``, ``average_pool`` and ``moments``: Keras's public forms, built on the
primitives of ``ops.convolution`` (so a tape and fit's traced step see through them).

``conv(inputs, kernel)``: inputs (batch, *spatial, C) (``channels_first``: (batch, C,
*spatial)), kernel (*kernel_size, C / groups, filters); groups follow from C and the
kernel's input channels, as in Keras.
"""
import numpy as np

from gradiente import backend
from gradiente.ops import convolution as conv_ops
from gradiente.ops.arithmetic import square, subtract
from gradiente.ops.reduction import mean
from gradiente.ops.shape import reshape, squeeze, transpose


def _per_axis(value, rank, name):
    if isinstance(value, (int, np.integer)):
        return (int(value),) * rank
    value = tuple(int(v) for v in value)
    if len(value) != rank:
        raise ValueError(f"conv: `{name}` needs {rank} entries (one per spatial axis), received {value}.")
    return value


def conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """N-D convolution (cross-correlation) with Keras's arguments; padding 'valid' or 'same'."""
    data_format = data_format or backend.image_data_format()
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(f"conv: `data_format` must be 'channels_last' or 'channels_first', received {data_format!r}.")
    padding = str(padding).lower()
    if padding not in ("valid", "same"):
        raise ValueError(f"conv: `padding` must be 'valid' or 'same', received {padding!r}.")
    rank = len(inputs.shape) - 2
    if rank < 1 or len(kernel.shape) != rank + 2:
        raise ValueError(
            f"conv: inputs of shape {tuple(inputs.shape)} need a kernel of rank {rank + 2} "
            f"(*kernel_size, in_channels, filters), received kernel shape {tuple(kernel.shape)}."
        )
    first = data_format == "channels_first"
    x = transpose(inputs, (0,) + tuple(range(2, rank + 2)) + (1,)) if first else inputs
    channels, kernel_in = x.shape[-1], kernel.shape[-2]
    if channels % kernel_in:
        raise ValueError(
            f"conv: the input's {channels} channels must be a multiple of the kernel's "
            f"{kernel_in} input channels (kernel shape {tuple(kernel.shape)})."
        )
    strides = _per_axis(strides, rank, "strides")
    dilation = _per_axis(dilation_rate, rank, "dilation_rate")
    spatial = tuple(x.shape[1:-1])
    pads = conv_ops.padding_pairs(spatial, kernel.shape[:-2], strides, dilation, padding)
    if any(conv_ops.output_length(n + sum(p), k, s, d, "valid") < 1
           for n, p, k, s, d in zip(spatial, pads, kernel.shape[:-2], strides, dilation)):
        raise ValueError(
            f"conv: the kernel {tuple(kernel.shape[:-2])} does not fit in the input's spatial shape "
            f"{spatial} with padding={padding!r}."
        )
    y = conv_ops.conv_nd(x, kernel, None, strides=strides, dilation=dilation, pads=pads,
                         groups=channels // kernel_in)
    return transpose(y, (0, rank + 1) + tuple(range(1, rank + 1))) if first else y


def moments(x, axes, keepdims=False, synchronized=False):
    """(mean, variance) of ``x`` over ``axes``; the variance is E[x²] − E[x]², as Keras computes it."""
    if synchronized:
        raise NotImplementedError("moments(synchronized=True) needs a distributed backend; gradiente runs on one process here.")
    axes = tuple(axes) if isinstance(axes, (list, tuple)) else (axes,)
    m = mean(x, axis=axes, keepdims=True)
    variance = subtract(mean(square(x), axis=axes, keepdims=True), square(m))
    if not keepdims:
        m, variance = squeeze(m, axis=axes), squeeze(variance, axis=axes)
    return m, variance


def _check_format_and_padding(name, data_format, padding, allowed=("valid", "same")):
    data_format = data_format or backend.image_data_format()
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(f"{name}: `data_format` must be 'channels_last' or 'channels_first', received {data_format!r}.")
    padding = str(padding).lower()
    if padding not in allowed:
        raise ValueError(f"{name}: `padding` must be one of {allowed}, received {padding!r}.")
    return data_format, padding


def depthwise_conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """Each input channel convolved with its own ``depth_multiplier`` filters: kernel
    (*kernel_size, C, depth_multiplier) -> outputs with C · depth_multiplier channels."""
    data_format, padding = _check_format_and_padding("depthwise_conv", data_format, padding)
    channels = inputs.shape[1] if data_format == "channels_first" else inputs.shape[-1]
    if kernel.shape[-2] != channels:
        raise ValueError(
            f"depthwise_conv: the input's {channels} channels must match the kernel's input channels "
            f"(kernel shape {tuple(kernel.shape)}: (*kernel_size, channels, depth_multiplier))."
        )
    grouped = reshape(kernel, tuple(kernel.shape[:-2]) + (1, channels * kernel.shape[-1]))
    return conv(inputs, grouped, strides, padding, data_format, dilation_rate)


def separable_conv(inputs, depthwise_kernel, pointwise_kernel, strides=1, padding="valid", data_format=None,
                   dilation_rate=1):
    """A depthwise convolution then a 1×1 convolution with ``pointwise_kernel``
    (1, ..., 1, C · depth_multiplier, filters)."""
    mid = depthwise_conv(inputs, depthwise_kernel, strides, padding, data_format, dilation_rate)
    return conv(mid, pointwise_kernel, 1, "valid", data_format, dilation_rate)


def conv_transpose(inputs, kernel, strides=1, padding="valid", output_padding=None, data_format=None,
                   dilation_rate=1):
    """Transposed convolution (the gradient of ``conv`` with respect to its input): kernel
    (*kernel_size, filters, C); output lengths as Keras computes them, ``output_padding``
    adding to the far side of each axis."""
    data_format, padding = _check_format_and_padding("conv_transpose", data_format, padding)
    rank = len(inputs.shape) - 2
    first = data_format == "channels_first"
    x = transpose(inputs, (0,) + tuple(range(2, rank + 2)) + (1,)) if first else inputs
    if kernel.shape[-1] != x.shape[-1]:
        raise ValueError(
            f"conv_transpose: the input channels must match the kernel's last axis: the input has "
            f"{x.shape[-1]} channels, the kernel shape is {tuple(kernel.shape)} (*kernel_size, filters, in_channels)."
        )
    strides = _per_axis(strides, rank, "strides")
    dilation = _per_axis(dilation_rate, rank, "dilation_rate")
    extra = (None,) * rank if output_padding is None else _per_axis(output_padding, rank, "output_padding")
    spatial, sizes = tuple(x.shape[1:-1]), tuple(kernel.shape[:-2])
    out = tuple(conv_ops.transpose_output_length(n, k, s, d, padding, p)
                for n, k, s, d, p in zip(spatial, sizes, strides, dilation, extra))
    before = tuple(conv_ops.transpose_pad_before(n, o, k, s, d, padding)
                   for n, o, k, s, d in zip(spatial, out, sizes, strides, dilation))
    y = conv_ops.conv_transpose_nd(x, kernel, None, strides=strides, dilation=dilation, pads_before=before,
                                   out_spatial=out)
    return transpose(y, (0, rank + 1) + tuple(range(1, rank + 1))) if first else y


def _pool(name, primitive, inputs, pool_size, strides, padding, data_format):
    data_format, padding = _check_format_and_padding(name, data_format, padding)
    rank = len(inputs.shape) - 2
    pool = _per_axis(pool_size, rank, "pool_size")
    strides = pool if strides is None else _per_axis(strides, rank, "strides")
    first = data_format == "channels_first"
    x = transpose(inputs, (0,) + tuple(range(2, rank + 2)) + (1,)) if first else inputs
    spatial = tuple(x.shape[1:-1])
    if padding == "valid" and any(n < p for n, p in zip(spatial, pool)):
        raise ValueError(f"{name}: the pool {pool} is larger than the input's spatial shape {spatial} with padding='valid'.")
    pads = conv_ops.padding_pairs(spatial, pool, strides, (1,) * rank, padding)
    y = primitive(x, pool=pool, strides=strides, pads=pads)
    return transpose(y, (0, rank + 1) + tuple(range(1, rank + 1))) if first else y


def max_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """Maximum over windows of ``pool_size`` (strides default to the pool size)."""
    return _pool("max_pool", conv_ops.max_pool_nd, inputs, pool_size, strides, padding, data_format)


def average_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """Mean over windows; with padding='same', over each window's real elements only."""
    return _pool("average_pool", conv_ops.avg_pool_nd, inputs, pool_size, strides, padding, data_format)
