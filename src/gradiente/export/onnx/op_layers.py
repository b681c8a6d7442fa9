"""``keras.ops`` calls on KerasTensors in a graph (OpLayer): arithmetic (``x + y``, ``2 * x``,
``x @ w``), common elementwise functions, reductions over axes, and reshape / transpose /
expand_dims / squeeze / concatenate. Other ops are refused naming the op."""
import inspect

import numpy as np

from gradiente.export.onnx.registry import converts, unsupported
from gradiente.layers.op_layer import OpLayer, _Slot

_BINARY = {"add": "Add", "subtract": "Sub", "multiply": "Mul", "divide": "Div", "true_divide": "Div",
           "maximum": "Max", "minimum": "Min", "power": "Pow", "matmul": "MatMul"}
_UNARY = {"negative": "Neg", "abs": "Abs", "exp": "Exp", "log": "Log", "sqrt": "Sqrt", "tanh": "Tanh",
          "sigmoid": "Sigmoid", "relu": "Relu", "sin": "Sin", "cos": "Cos", "floor": "Floor", "ceil": "Ceil"}
_REDUCE = {"sum": "ReduceSum", "mean": "ReduceMean", "max": "ReduceMax", "min": "ReduceMin"}
_SHAPING = ("square", "reshape", "transpose", "expand_dims", "squeeze", "concatenate")
_SUPPORTED = ", ".join(sorted([*_BINARY, *_UNARY, *_REDUCE, *_SHAPING]))


def _operand(g, layer, ins, value, dtype):
    """A slot's Value name, or a constant operand in the op's result dtype (a Python number
    with a float32 tensor stays float32, as in gradiente)."""
    if isinstance(value, _Slot):
        return ins[value.index].name
    value = getattr(value, "data", value)  # a Tensor constant
    if not (np.isscalar(value) or isinstance(value, np.ndarray)):
        raise unsupported(layer, f"its operand {value!r} is neither a tensor nor a number or array.")
    return g.const(np.asarray(value, dtype=dtype), "operand")


def _arguments(layer):
    try:
        bound = inspect.signature(layer.op).bind(*layer._args, **layer._kwargs)
    except (TypeError, ValueError) as e:
        raise unsupported(layer, f"the arguments of ops.{layer.op_name} could not be read ({e}).") from None
    bound.apply_defaults()
    return bound.arguments


def _axes(value, rank):
    items = [value] if isinstance(value, (int, np.integer)) else list(value)
    return [int(a) % rank for a in items]


@converts(OpLayer)
def op_layer(g, layer, ins, outs):
    name = layer.op_name
    dtype = outs[0].dtype
    args = _arguments(layer)
    values = list(args.values())
    if name in _BINARY:
        a, b = (_operand(g, layer, ins, v, dtype) for v in values[:2])
        return g.op(_BINARY[name], [a, b])
    if name in _UNARY:
        return g.op(_UNARY[name], [_operand(g, layer, ins, values[0], dtype)])
    if name == "square":
        x = _operand(g, layer, ins, values[0], dtype)
        return g.op("Mul", [x, x])
    x_value = values[0]
    if not isinstance(x_value, _Slot) and name != "concatenate":
        raise unsupported(layer, f"ops.{name} is applied to a constant, not a tensor of the graph.")
    if name in _REDUCE:
        if args.get("initial") is not None:
            raise unsupported(layer, f"ops.{name}(initial=...) has no ONNX translation here.")
        x = ins[x_value.index]
        axes = list(range(x.ndim)) if args["axis"] is None else _axes(args["axis"], x.ndim)
        return g.op(_REDUCE[name], [x.name, g.ints(axes, "axes")], keepdims=int(bool(args["keepdims"])))
    if name == "reshape":
        # NumPy's shape: a 0 is a size, not ONNX's 'copy' (allowzero).
        return g.op("Reshape", [ins[x_value.index].name, g.ints(list(args["newshape"]), "shape")], allowzero=1)
    if name == "transpose":
        x = ins[x_value.index]
        axes = list(reversed(range(x.ndim))) if args["axes"] is None else _axes(args["axes"], x.ndim)
        return g.transpose(x.name, axes)
    if name == "expand_dims":
        rank = ins[x_value.index].ndim + (1 if isinstance(args["axis"], (int, np.integer)) else len(args["axis"]))
        return g.op("Unsqueeze", [ins[x_value.index].name, g.ints(_axes(args["axis"], rank), "axes")])
    if name == "squeeze":
        x = ins[x_value.index]
        if args["axis"] is None:
            # Which axes have size 1 (the batch too) is known only at run time.
            raise unsupported(layer, "ops.squeeze without axis; give the axis to squeeze.")
        return g.op("Squeeze", [x.name, g.ints(_axes(args["axis"], x.ndim), "axes")])
    if name == "concatenate":
        parts = [_operand(g, layer, ins, v, dtype) for v in x_value]
        return g.op("Concat", parts, axis=int(args["axis"]))
    raise unsupported(layer, f"ops.{name} has no ONNX translation here (supported: {_SUPPORTED}).")
