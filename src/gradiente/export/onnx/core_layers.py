"""Core layers: Dense, the activation layers, Dropout and the noise layers (identity at
inference), Identity, Embedding, Masking, Rescaling, Normalization, UnitNormalization."""
import numpy as np

from gradiente import backend
from gradiente.export.onnx import activations as act
from gradiente.export.onnx.registry import array, converts, unsupported
from gradiente.layers.activation_layers import ELU, PReLU, Activation, LeakyReLU, ReLU, Softmax
from gradiente.layers.dense import Dense
from gradiente.layers.dropout import Dropout
from gradiente.layers.embedding import Embedding
from gradiente.layers.identity import Identity
from gradiente.layers.masking import Masking
from gradiente.layers.noise import AlphaDropout, GaussianDropout, GaussianNoise, SpatialDropout1D, SpatialDropout2D
from gradiente.layers.preprocessing import Normalization, Rescaling
from gradiente.layers.unit_normalization import UnitNormalization

_F = np.float32


def matmul_bias(g, x, kernel, bias):
    """x (batch, ..., n) @ kernel (n, m) [+ bias (m,)]: Gemm on matrices, MatMul + Add above."""
    if x.ndim == 2:
        inputs = [x.name, g.const(kernel, "kernel")] + ([g.const(bias, "bias")] if bias is not None else [])
        return g.op("Gemm", inputs)
    out = g.op("MatMul", [x.name, g.const(kernel, "kernel")])
    return out if bias is None else g.op("Add", [out, g.const(bias, "bias")])


@converts(Dense, masks=True)
def dense(g, layer, ins, outs):
    (x,) = ins
    bias = None if layer.bias is None else array(layer.bias)
    y = matmul_bias(g, x, array(layer.kernel), bias)  # with LoRA, the merged kernel
    return act.apply(g, layer.activation, y, layer)


@converts(Activation, masks=True)
def activation(g, layer, ins, outs):
    return act.apply(g, layer.activation, ins[0].name, layer)


@converts(ReLU, masks=True)
def relu(g, layer, ins, outs):
    x = ins[0].name
    if layer.threshold:
        # x above the threshold, negative_slope·(x - threshold) at or below it.
        t = g.scalar(layer.threshold, _F)
        below = g.op("Mul", [g.scalar(layer.negative_slope, _F), g.op("Sub", [x, t])])
        out = g.op("Where", [g.op("Greater", [x, t]), x, below])
    elif layer.negative_slope:
        out = g.op("LeakyRelu", [x], alpha=layer.negative_slope)
    else:
        out = g.op("Relu", [x])
    if layer.max_value is not None:
        out = g.op("Min", [out, g.scalar(layer.max_value, _F)])
    return out


@converts(LeakyReLU, masks=True)
def leaky_relu(g, layer, ins, outs):
    return g.op("LeakyRelu", [ins[0].name], alpha=layer.negative_slope)


@converts(ELU, masks=True)
def elu(g, layer, ins, outs):
    return g.op("Elu", [ins[0].name], alpha=layer.alpha)


@converts(PReLU, masks=True)
def prelu(g, layer, ins, outs):
    # ONNX PRelu broadcasts the slope from the last axis, as alpha (the non-batch shape) does.
    return g.op("PRelu", [ins[0].name, g.const(array(layer.alpha), "alpha")])


@converts(Softmax)
def softmax(g, layer, ins, outs):
    x = ins[0]
    if isinstance(layer.axis, tuple):
        # exp(x - logsumexp(x)) over several axes.
        axes = g.ints([a % x.ndim for a in layer.axis], "axes")
        lse = g.op("ReduceLogSumExp", [x.name, axes], keepdims=1)
        return g.op("Exp", [g.op("Sub", [x.name, lse])])
    return g.op("Softmax", [x.name], axis=layer.axis)


@converts(Dropout, AlphaDropout, GaussianDropout, GaussianNoise, SpatialDropout1D, SpatialDropout2D, Identity,
          masks=True)
def identity(g, layer, ins, outs):
    """Noise and dropout act only in training; the inference graph passes inputs through."""
    return [v.name for v in ins] if len(outs) > 1 else ins[0].name


@converts(Embedding)
def embedding(g, layer, ins, outs):
    (ids,) = ins
    # gradiente refuses negative and non-integral ids; ONNX's Gather would read a negative id
    # from the end of the table and a Cast would truncate 2.5. Such ids are sent out of range,
    # so ONNX Runtime fails on them too instead of returning another row.
    itype = np.int64 if ids.dtype.kind == "f" else ids.dtype
    idx = g.op("Cast", [ids.name], to=7) if ids.dtype.kind == "f" else ids.name
    bad = g.op("Less", [idx, g.scalar(0, itype)])
    if ids.dtype.kind == "f":
        bad = g.op("Or", [bad, g.op("Not", [g.op("Equal", [g.op("Floor", [ids.name]), ids.name])])])
    idx = g.op("Where", [bad, g.scalar(layer.input_dim, itype), idx])
    return g.op("Gather", [g.const(array(layer.embeddings), "embeddings"), idx], axis=0)


@converts(Masking)
def masking(g, layer, ins, outs):
    x = ins[0].name
    differs = g.op("Not", [g.op("Equal", [x, g.scalar(layer.mask_value, _F)])])
    keep = g.op("ReduceMax", [g.op("Cast", [differs], to=1), g.ints([-1], "axes")], keepdims=1)
    return g.op("Where", [g.op("Cast", [keep], to=9), x, g.scalar(0, _F)])


@converts(Rescaling, masks=True)
def rescaling(g, layer, ins, outs):
    out = g.op("Mul", [ins[0].name, g.scalar(layer.scale, _F)])
    return g.op("Add", [out, g.scalar(layer.offset, _F)]) if layer.offset else out


@converts(Normalization, masks=True)
def normalization(g, layer, ins, outs):
    if layer.input_mean is None and not array(layer.count, np.int64):
        raise unsupported(layer, "it has no statistics yet: call layer.adapt(data) first.")
    mean = array(layer.mean).reshape(layer._broadcast_shape)
    std = np.maximum(np.sqrt(array(layer.variance).reshape(layer._broadcast_shape)), _F(backend.epsilon()))
    mean, std = g.const(mean, "mean"), g.const(std.astype(_F), "std")
    x = ins[0].name
    if layer.invert:
        return g.op("Add", [g.op("Mul", [x, std]), mean])
    return g.op("Div", [g.op("Sub", [x, mean]), std])


@converts(UnitNormalization, masks=True)
def unit_normalization(g, layer, ins, outs):
    x = ins[0]
    axes = layer.axis if isinstance(layer.axis, list) else [layer.axis]
    squares = g.op("ReduceSumSquare", [x.name, g.ints([a % x.ndim for a in axes], "axes")], keepdims=1)
    floor = g.scalar(1e-24, _F)  # epsilon² with epsilon 1e-12, as the layer clamps
    return g.op("Mul", [x.name, g.op("Reciprocal", [g.op("Sqrt", [g.op("Max", [squares, floor])])])])
