"""Merging layers: Add, Subtract, Multiply, Average, Maximum, Minimum (ONNX broadcasts as
NumPy does), Concatenate and Dot (an Einsum with the layer's own subscripts)."""
import numpy as np

from gradiente.export.onnx.registry import converts
from gradiente.layers.merging import Add, Average, Maximum, Minimum, Multiply, Subtract
from gradiente.layers.merging_axes import Concatenate, Dot

_F = np.float32


def _fold(g, op_type, names):
    out = names[0]
    for name in names[1:]:
        out = g.op(op_type, [out, name])
    return out


@converts(Add, masks=True)
def add(g, layer, ins, outs):
    return _fold(g, "Add", [v.name for v in ins])


@converts(Subtract, masks=True)
def subtract(g, layer, ins, outs):
    return g.op("Sub", [ins[0].name, ins[1].name])


# Multiply, Maximum and Minimum read masks (a masked position counts as 1, or is skipped),
# so they keep masks=False and a masked input is refused.
@converts(Multiply)
def multiply(g, layer, ins, outs):
    return _fold(g, "Mul", [v.name for v in ins])


@converts(Maximum)
def maximum(g, layer, ins, outs):
    return _fold(g, "Max", [v.name for v in ins])


@converts(Minimum)
def minimum(g, layer, ins, outs):
    return _fold(g, "Min", [v.name for v in ins])


@converts(Average, masks=True)
def average(g, layer, ins, outs):
    total = _fold(g, "Add", [v.name for v in ins])
    return g.op("Mul", [total, g.scalar(1.0 / len(ins), _F)])


@converts(Concatenate, masks=True)
def concatenate(g, layer, ins, outs):
    return g.op("Concat", [v.name for v in ins], axis=layer.axis)


def _l2_normalize(g, x, axis):
    squares = g.op("ReduceSumSquare", [x, g.ints([axis], "axes")], keepdims=1)
    return g.op("Div", [x, g.op("Sqrt", [g.op("Max", [squares, g.scalar(1e-12, _F)])])])


@converts(Dot)
def dot(g, layer, ins, outs):
    x1, x2 = ins
    a1, a2 = layer._resolve_axes((x1.shape, x2.shape))
    n1, n2 = x1.name, x2.name
    if layer.normalize:
        n1, n2 = _l2_normalize(g, n1, a1), _l2_normalize(g, n2, a2)
    out = g.op("Einsum", [n1, n2], equation=layer._subscripts(x1.ndim, x2.ndim, a1, a2))
    if x1.ndim + x2.ndim - 3 == 1:  # (batch,) results come back as (batch, 1)
        out = g.op("Unsqueeze", [out, g.ints([-1], "axes")])
    return out
