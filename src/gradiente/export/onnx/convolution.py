"""Convolutions of every rank: Conv1D/2D/3D (groups, causal padding), their transposes,
DepthwiseConv1D/2D and SeparableConv1D/2D.

ONNX's Conv is channels-first with kernels (out, in/groups, *k); our layers keep Keras's
channels_last layout and kernels (*k, in/groups, out). So kernels are transposed once here,
and a channels_last input is transposed to (N, C, *S) and back around each convolution (two
such layers in a row share the transposes: the builder folds a pair that cancels).
"""
import numpy as np

from gradiente.export.onnx import activations as act
from gradiente.export.onnx.registry import array, converts, unsupported
from gradiente.layers.convolutional import Conv, ConvTranspose, DepthwiseConv, SeparableConv
from gradiente.ops import convolution as conv_ops

# Activations that read a whole axis (the channels): applied in the channels_last layout;
# the rest are elementwise and run in ONNX's channels-first layout.
_AXIS_ACTIVATIONS = ("softmax", "log_softmax", "glu")


def to_channels_first(g, x, rank, data_format):
    """(N, *S, C) -> (N, C, *S) for channels_last data; channels_first passes."""
    if data_format == "channels_first":
        return x
    return g.transpose(x, [0, rank + 1] + list(range(1, rank + 1)))


def from_channels_first(g, y, rank, data_format):
    if data_format == "channels_first":
        return y
    return g.transpose(y, [0] + list(range(2, rank + 2)) + [1])


def spatial_of(value, rank, data_format):
    shape = value.shape
    return tuple(shape[2:]) if data_format == "channels_first" else tuple(shape[1:1 + rank])


def pad_attrs(spatial, kernel, strides, dilation, padding):
    """ONNX ``pads`` (all befores, then all afters) as gradiente pads, or ``auto_pad`` when a
    'same' padding depends on a size unknown until run time (TensorFlow's split, as
    SAME_UPPER: the odd element after)."""
    if padding == "same" and any(n is None for n in spatial):
        return {"auto_pad": "SAME_UPPER"}
    sizes = tuple(1 if n is None else n for n in spatial)  # 'valid'/'causal' pads ignore sizes
    pairs = conv_ops.padding_pairs(sizes, kernel, strides, dilation, padding)
    return {"pads": [lo for lo, _ in pairs] + [hi for _, hi in pairs]}


def onnx_kernel(kernel, rank):
    """(*k, in, out) -> (out, in, *k)."""
    return np.ascontiguousarray(np.transpose(kernel, (rank + 1, rank) + tuple(range(rank))))


def _finish(g, layer, y):
    """The layer's activation and the way back to its layout."""
    name = getattr(layer.activation, "__name__", "")
    if name in _AXIS_ACTIVATIONS:
        # The layers apply it channels_last (over the channels), whatever their data_format.
        rank = layer.rank
        y = act.apply(g, layer.activation, from_channels_first(g, y, rank, "channels_last"), layer)
        if layer.data_format == "channels_first":
            y = to_channels_first(g, y, rank, "channels_last")
        return y
    y = act.apply(g, layer.activation, y, layer)
    return from_channels_first(g, y, layer.rank, layer.data_format)


def _conv(g, layer, x, kernel, bias, groups, spatial):
    inputs = [x, g.const(onnx_kernel(kernel, layer.rank), "kernel")]
    if bias is not None:
        inputs.append(g.const(bias, "bias"))
    return g.op("Conv", inputs, kernel_shape=list(layer.kernel_size), strides=list(layer.strides),
                dilations=list(layer.dilation_rate), group=groups,
                **pad_attrs(spatial, layer.kernel_size, layer.strides, layer.dilation_rate, layer.padding))


def _bias(layer):
    return None if layer.bias is None else array(layer.bias)


@converts(Conv, masks=True)
def conv(g, layer, ins, outs):
    (x,) = ins
    spatial = spatial_of(x, layer.rank, layer.data_format)
    xc = to_channels_first(g, x.name, layer.rank, layer.data_format)
    y = _conv(g, layer, xc, array(layer.kernel), _bias(layer), layer.groups, spatial)
    return _finish(g, layer, y)


def _depthwise_kernel(layer, kernel, channels):
    """(*k, C, m) -> (*k, 1, C·m): one group per input channel, output c·m + j from channel c."""
    return kernel.reshape(layer.kernel_size + (1, channels * layer.depth_multiplier))


@converts(DepthwiseConv, masks=True)
def depthwise_conv(g, layer, ins, outs):
    (x,) = ins
    spatial = spatial_of(x, layer.rank, layer.data_format)
    channels = array(layer.kernel).shape[-2]
    xc = to_channels_first(g, x.name, layer.rank, layer.data_format)
    kernel = _depthwise_kernel(layer, array(layer.kernel), channels)
    y = _conv(g, layer, xc, kernel, _bias(layer), channels, spatial)
    return _finish(g, layer, y)


@converts(SeparableConv, masks=True)
def separable_conv(g, layer, ins, outs):
    (x,) = ins
    spatial = spatial_of(x, layer.rank, layer.data_format)
    depthwise = array(layer.depthwise_kernel)
    channels = depthwise.shape[-2]
    xc = to_channels_first(g, x.name, layer.rank, layer.data_format)
    y = _conv(g, layer, xc, _depthwise_kernel(layer, depthwise, channels), None, channels, spatial)
    # The pointwise step: a 1×1 convolution mixing the channels.
    pointwise = onnx_kernel(array(layer.pointwise_kernel), layer.rank)
    inputs = [y, g.const(pointwise, "pointwise_kernel")]
    if layer.bias is not None:
        inputs.append(g.const(_bias(layer), "bias"))
    y = g.op("Conv", inputs, kernel_shape=[1] * layer.rank)
    return _finish(g, layer, y)


@converts(ConvTranspose, masks=True)
def conv_transpose(g, layer, ins, outs):
    (x,) = ins
    spatial = spatial_of(x, layer.rank, layer.data_format)
    if any(n is None for n in spatial):
        raise unsupported(layer, f"its input's spatial sizes {spatial} must be known: the output "
                                 "size of a transposed convolution is fixed when the graph is written.")
    out, before = layer._geometry(spatial)
    pads_end, extra = [], []
    for n, o, b, k, s, d in zip(spatial, out, before, layer.kernel_size, layer.strides, layer.dilation_rate):
        full = (n - 1) * s + (k - 1) * d + 1  # the whole scatter of the input
        end = full - b - o
        # Positions past the scatter get no contribution (zeros, then the bias): output_padding.
        pads_end.append(max(end, 0))
        extra.append(max(-end, 0))
    xc = to_channels_first(g, x.name, layer.rank, layer.data_format)
    # (*k, filters, C) is the forward convolution's kernel; ONNX wants it as (C, filters, *k).
    inputs = [xc, g.const(onnx_kernel(array(layer.kernel), layer.rank), "kernel")]
    if layer.bias is not None:
        inputs.append(g.const(_bias(layer), "bias"))
    y = g.op("ConvTranspose", inputs, kernel_shape=list(layer.kernel_size), strides=list(layer.strides),
             dilations=list(layer.dilation_rate), pads=list(before) + pads_end,
             output_padding=extra if any(extra) else None)
    return _finish(g, layer, y)
