"""Normalization layers: BatchNormalization (inference: an affine map from the moving
statistics), LayerNormalization (also rms_scaling), GroupNormalization, RMSNormalization.
Statistics are taken over any axes, as the layers allow, with ReduceMean nodes computing
the same biased variance and ``/ sqrt(var + epsilon)`` the layers compute."""
import numpy as np

from gradiente.export.onnx.registry import array, converts
from gradiente.layers.normalization import BatchNormalization, GroupNormalization, LayerNormalization, RMSNormalization

_F = np.float32


def _broadcast(param, axes, rank):
    """A weight over ``axes`` shaped to broadcast against rank-``rank`` inputs."""
    shape = [1] * rank
    for a, n in zip(axes, param.shape):
        shape[a] = n
    return param.reshape(shape)


def _standardize(g, x, axes, epsilon):
    """(x - mean) / sqrt(var + epsilon), the statistics over ``axes`` of each sample."""
    axes = g.ints(axes, "axes")
    centered = g.op("Sub", [x, g.op("ReduceMean", [x, axes], keepdims=1)])
    var = g.op("ReduceMean", [g.op("Mul", [centered, centered]), axes], keepdims=1)
    return g.op("Div", [centered, g.op("Sqrt", [g.op("Add", [var, g.scalar(epsilon, _F)])])])


def _rms_scale(g, x, axes, epsilon):
    """x / sqrt(mean(x²) + epsilon) over ``axes``."""
    mean_square = g.op("ReduceMean", [g.op("Mul", [x, x]), g.ints(axes, "axes")], keepdims=1)
    return g.op("Div", [x, g.op("Sqrt", [g.op("Add", [mean_square, g.scalar(epsilon, _F)])])])


def _affine(g, y, gamma, beta, axes, rank):
    if gamma is not None:
        y = g.op("Mul", [y, g.const(_broadcast(array(gamma), axes, rank), "gamma")])
    if beta is not None:
        y = g.op("Add", [y, g.const(_broadcast(array(beta), axes, rank), "beta")])
    return y


@converts(BatchNormalization, masks=True)
def batch_normalization(g, layer, ins, outs):
    """Inference only reads the moving statistics, so masks do not matter."""
    x = ins[0]
    rank, axes = x.ndim, layer._param_axes
    inv = 1.0 / np.sqrt(array(layer.moving_variance) + _F(layer.epsilon))
    scale = inv if layer.gamma is None else array(layer.gamma) * inv
    shift = -array(layer.moving_mean) * scale
    if layer.beta is not None:
        shift = shift + array(layer.beta)
    y = g.op("Mul", [x.name, g.const(_broadcast(scale.astype(_F), axes, rank), "scale")])
    return g.op("Add", [y, g.const(_broadcast(shift.astype(_F), axes, rank), "shift")])


@converts(LayerNormalization, masks=True)
def layer_normalization(g, layer, ins, outs):
    x = ins[0]
    axes = layer._param_axes
    if layer.rms_scaling:
        return _affine(g, _rms_scale(g, x.name, axes, layer.epsilon), layer.gamma, None, axes, x.ndim)
    return _affine(g, _standardize(g, x.name, axes, layer.epsilon), layer.gamma, layer.beta, axes, x.ndim)


@converts(RMSNormalization, masks=True)
def rms_normalization(g, layer, ins, outs):
    x = ins[0]
    axes = layer._param_axes
    return _affine(g, _rms_scale(g, x.name, axes, layer.epsilon), layer.scale, None, axes, x.ndim)


@converts(GroupNormalization, masks=True)
def group_normalization(g, layer, ins, outs):
    x = ins[0]
    rank = x.ndim
    axis = layer._param_axes[0]
    channels = x.shape[axis]
    name = x.name
    to_last = list(range(axis)) + list(range(axis + 1, rank)) + [axis]
    if axis != rank - 1:
        name = g.transpose(name, to_last)
    per_group = channels // layer.groups
    # (..., C) -> (..., groups, C/groups); 0 keeps each leading axis, known or not.
    grouped = g.reshape(name, [0] * (rank - 1) + [layer.groups, per_group])
    y = _standardize(g, grouped, list(range(1, rank - 1)) + [rank], layer.epsilon)
    if layer.gamma is not None:
        y = g.op("Mul", [y, g.const(array(layer.gamma).reshape(layer.groups, per_group), "gamma")])
    if layer.beta is not None:
        y = g.op("Add", [y, g.const(array(layer.beta).reshape(layer.groups, per_group), "beta")])
    y = g.reshape(y, [0] * (rank - 1) + [channels])
    if axis != rank - 1:
        y = g.transpose(y, list(np.argsort(to_last)))
    return y
