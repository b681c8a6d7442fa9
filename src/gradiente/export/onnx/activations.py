"""Activation functions as ONNX nodes: ``apply(g, fn, x, layer)`` for the function objects
``gradiente.activations`` (and the same-named ``ops``) hand to layers.

Each translation computes the formula gradiente's op computes (e.g. hard_sigmoid is
relu6(x + 3) / 6 = HardSigmoid(alpha=1/6, beta=1/2)), with the op's default arguments."""
import math

import numpy as np

from gradiente import activations, ops
from gradiente.export.onnx.registry import unsupported

_F = np.float32


def _mul_const(g, x, c):
    return g.op("Mul", [x, g.scalar(c, _F)])


def _add_const(g, x, c):
    return g.op("Add", [x, g.scalar(c, _F)])


def _gelu(g, x, approximate):
    if approximate:
        # 0.5·x·(1 + tanh(sqrt(2/pi)·(x + 0.044715·x³)))
        cube = g.op("Mul", [g.op("Mul", [x, x]), x])
        inner = _mul_const(g, g.op("Add", [x, _mul_const(g, cube, 0.044715)]), math.sqrt(2.0 / math.pi))
        return g.op("Mul", [_mul_const(g, x, 0.5), _add_const(g, g.op("Tanh", [inner]), 1.0)])
    erf = g.op("Erf", [_mul_const(g, x, 1.0 / math.sqrt(2.0))])
    return g.op("Mul", [_mul_const(g, x, 0.5), _add_const(g, erf, 1.0)])


def _heaviside(g, x):
    # 0 below zero, 1 from zero up (np.heaviside(x, 1)).
    return g.op("Cast", [g.op("GreaterOrEqual", [x, g.scalar(0, _F)])], to=1)


def _glu(g, x, axis=-1):
    a, b = g.op("Split", [x], outputs=2, axis=axis, num_outputs=2)
    return g.op("Mul", [a, g.op("Sigmoid", [b])])


def _sparse_plus(g, x):
    # 0 for x <= -1, (x + 1)²/4 on (-1, 1), x from 1 up.
    shifted = _add_const(g, x, 1.0)
    quad = _mul_const(g, g.op("Mul", [shifted, shifted]), 0.25)
    inner = g.op("Where", [g.op("Less", [x, g.scalar(1, _F)]), quad, x])
    return g.op("Where", [g.op("LessOrEqual", [x, g.scalar(-1, _F)]), g.scalar(0, _F), inner])


def _squareplus(g, x, b=4.0):
    root = g.op("Sqrt", [_add_const(g, g.op("Mul", [x, x]), b)])
    return _mul_const(g, g.op("Add", [x, root]), 0.5)


def _relu6(g, x):
    return g.op("Clip", [x, g.scalar(0, _F), g.scalar(6, _F)])


def _hard_sigmoid(g, x):
    return g.op("HardSigmoid", [x], alpha=1.0 / 6.0, beta=0.5)


# name -> fn(g, x): the activation with gradiente's defaults.
_BY_NAME = {
    "linear": lambda g, x: x,
    "heaviside": _heaviside,
    "sign": lambda g, x: g.op("Sign", [x]),
    "sigmoid": lambda g, x: g.op("Sigmoid", [x]),
    "tanh": lambda g, x: g.op("Tanh", [x]),
    "relu": lambda g, x: g.op("Relu", [x]),
    "leaky_relu": lambda g, x: g.op("LeakyRelu", [x], alpha=0.2),
    "relu6": _relu6,
    "elu": lambda g, x: g.op("Elu", [x], alpha=1.0),
    "selu": lambda g, x: g.op("Selu", [x], alpha=1.6732632423543772, gamma=1.0507009873554805),
    "gelu": lambda g, x: _gelu(g, x, approximate=False),
    "softmax": lambda g, x: g.op("Softmax", [x], axis=-1),
    "log_softmax": lambda g, x: g.op("LogSoftmax", [x], axis=-1),
    "softplus": lambda g, x: g.op("Softplus", [x]),
    "softsign": lambda g, x: g.op("Softsign", [x]),
    "silu": lambda g, x: g.op("Mul", [x, g.op("Sigmoid", [x])]),
    "hard_sigmoid": _hard_sigmoid,
    "hard_silu": lambda g, x: g.op("Mul", [x, _hard_sigmoid(g, x)]),
    "exponential": lambda g, x: g.op("Exp", [x]),
    "mish": lambda g, x: g.op("Mul", [x, g.op("Tanh", [g.op("Softplus", [x])])]),
    "log_sigmoid": lambda g, x: g.op("Neg", [g.op("Softplus", [g.op("Neg", [x])])]),
    "celu": lambda g, x: g.op("Celu", [x], alpha=1.0),
    "glu": _glu,
    "hard_tanh": lambda g, x: g.op("Clip", [x, g.scalar(-1, _F), g.scalar(1, _F)]),
    "hard_shrink": lambda g, x: g.op("Shrink", [x], lambd=0.5, bias=0.0),
    "soft_shrink": lambda g, x: g.op("Shrink", [x], lambd=0.5, bias=0.5),
    "tanh_shrink": lambda g, x: g.op("Sub", [x, g.op("Tanh", [x])]),
    "sparse_plus": _sparse_plus,
    "sparse_sigmoid": lambda g, x: g.op("Clip", [_mul_const(g, _add_const(g, x, 1.0), 0.5),
                                                 g.scalar(0, _F), g.scalar(1, _F)]),
    "squareplus": _squareplus,
}

_TABLE = {id(getattr(activations, name)): fn for name, fn in _BY_NAME.items()}
# The ops of the same name, where their defaults agree with the activation's.
for _name in ("sigmoid", "tanh", "relu", "leaky_relu", "relu6", "elu", "selu", "softmax", "log_softmax",
              "softplus", "softsign", "silu", "hard_sigmoid", "hard_silu", "mish", "log_sigmoid", "celu",
              "glu", "hard_tanh", "hard_shrink", "soft_shrink", "tanh_shrink", "sparse_plus",
              "sparse_sigmoid", "squareplus", "sign"):
    _TABLE[id(getattr(ops, _name))] = _BY_NAME[_name]
_TABLE[id(ops.exp)] = _BY_NAME["exponential"]
_TABLE[id(ops.gelu)] = lambda g, x: _gelu(g, x, approximate=True)  # ops.gelu's default is the tanh form
_TABLE[id(activations.swish)] = _BY_NAME["silu"]
_TABLE[id(activations.hard_swish)] = _BY_NAME["hard_silu"]


def apply(g, fn, x, layer, what="activation"):
    """ONNX nodes computing ``fn(x)``; refuses (naming ``layer``) a function with no translation."""
    emit = _TABLE.get(id(fn))
    if emit is None:
        name = getattr(fn, "__name__", repr(fn))
        raise unsupported(layer, f"its {what} {name!r} has no ONNX translation (a custom function, or "
                                 "one needing arguments such as threshold, or sparsemax).")
    return emit(g, x)


def is_linear(fn):
    return fn is activations.linear
