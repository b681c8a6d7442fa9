"""``keras.ops.conv`` and ``keras.ops.moments``: Keras's public forms, built on the
primitives (so a tape and fit's traced step see through them).

``conv(inputs, kernel)``: inputs (batch, *spatial, C) (``channels_first``: (batch, C,
*spatial)), kernel (*kernel_size, C / groups, filters); groups follow from C and the
kernel's input channels, as in Keras.
"""
import numpy as np

from gradiente import backend
from gradiente.ops import convolution as conv_ops
from gradiente.ops.math import square, subtract
from gradiente.ops.reduction import mean
from gradiente.ops.shape import squeeze, transpose


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
