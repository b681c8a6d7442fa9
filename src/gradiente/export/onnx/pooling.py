"""Pooling: Max/AveragePooling1D/2D/3D (channels-first ONNX pools between transposes, the
average not counting padding, as gradiente's) and the global poolings (reductions over the
spatial axes in the user's layout)."""
from gradiente.export.onnx.convolution import from_channels_first, pad_attrs, spatial_of, to_channels_first
from gradiente.export.onnx.registry import converts
from gradiente.layers.pooling import (
    AveragePooling1D, AveragePooling2D, AveragePooling3D, GlobalAveragePooling1D, GlobalAveragePooling2D,
    GlobalAveragePooling3D, GlobalMaxPooling1D, GlobalMaxPooling2D, GlobalMaxPooling3D, MaxPooling1D,
    MaxPooling2D, MaxPooling3D,
)


def _pool(g, layer, ins, op_type, **extra):
    (x,) = ins
    spatial = spatial_of(x, layer.rank, layer.data_format)
    xc = to_channels_first(g, x.name, layer.rank, layer.data_format)
    pads = pad_attrs(spatial, layer.pool_size, layer.strides, (1,) * layer.rank, layer.padding)
    y = g.op(op_type, [xc], kernel_shape=list(layer.pool_size), strides=list(layer.strides), **pads, **extra)
    return from_channels_first(g, y, layer.rank, layer.data_format)


@converts(MaxPooling1D, MaxPooling2D, MaxPooling3D, masks=True)
def max_pooling(g, layer, ins, outs):
    return _pool(g, layer, ins, "MaxPool")


@converts(AveragePooling1D, AveragePooling2D, AveragePooling3D, masks=True)
def average_pooling(g, layer, ins, outs):
    return _pool(g, layer, ins, "AveragePool", count_include_pad=0)


@converts(GlobalMaxPooling1D, GlobalMaxPooling2D, GlobalMaxPooling3D, masks=True)
def global_max_pooling(g, layer, ins, outs):
    return g.op("ReduceMax", [ins[0].name, g.ints(layer._axes, "axes")], keepdims=int(layer.keepdims))


def global_average_pooling(g, layer, ins, outs):
    return g.op("ReduceMean", [ins[0].name, g.ints(layer._axes, "axes")], keepdims=int(layer.keepdims))


# GlobalAveragePooling1D reads a mask (the mean over unmasked steps): there masks stay refused.
converts(GlobalAveragePooling1D)(global_average_pooling)
converts(GlobalAveragePooling2D, GlobalAveragePooling3D, masks=True)(global_average_pooling)
