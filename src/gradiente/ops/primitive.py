"""The primitive table: each op's forward (on NumPy arrays) beside its VJP.

A primitive is declared as::

    @primitive
    def exp(x):
        return np.exp(x)

    @exp.defvjp
    def _(g, ans, needs, x):
        return (g * ans,)

The forward takes arrays and plain parameters. The VJP gets the upstream gradient ``g``,
the forward's output ``ans``, ``needs`` (which inputs want a gradient, so expensive ones can
be skipped), then the same arguments; it returns one gradient (or ``None``) per positional
argument. Unbroadcasting, accumulation and skipping constants are the engine's job
(``autodiff.tape``), never the VJP's.

``@primitive(promote="common")`` casts the operands (positional arguments ``operands``,
a slice) to their Keras result dtype before the forward runs (``gradiente.dtypes``);
``promote="float"`` also sends integers and booleans to floatx, as Keras's sqrt or divide
do. The forward and the VJP then see operands of one dtype.
"""
import functools

import numpy as np

from gradiente import dtypes as _dtypes
from gradiente.autodiff import tape as _tape
from gradiente.autodiff import trace as _trace
from gradiente.autodiff.tensor import Tensor

PRIMITIVES = {}  # name -> the public op; its .vjp is None for non-differentiable ops


def _shapes(args):
    return ", ".join(str(a.shape) for a in args if hasattr(a, "shape"))


def _promotion(kind, operands):
    cast = {"common": _dtypes.promoted, "float": _dtypes.float_promoted}[kind]
    same_float = _dtypes.same_float

    def promote(arrays):
        part = arrays[operands]
        if same_float(part):  # the usual case: NumPy's result dtype already is Keras's
            return arrays
        new = cast(part)
        if new is part:
            return arrays
        arrays = list(arrays)
        arrays[operands] = new
        return arrays

    return promote


def primitive(forward=None, *, name=None, promote=None, operands=slice(None)):
    """Make ``forward`` (arrays in, array out) into an op on tensors, and register it."""
    if forward is None:
        return functools.partial(primitive, name=name, promote=promote, operands=operands)
    op_name = name or forward.__name__
    promote_operands = None if promote is None else _promotion(promote, operands)
    active = _tape.ACTIVE_TAPES
    record = _tape.record
    traces = _trace.ACTIVE_TRACES

    def op(*args, **params):
        arrays = [a.data if isinstance(a, Tensor) else a for a in args]
        if promote_operands is not None:
            arrays = promote_operands(arrays)
        try:
            out = forward(*arrays, **params)
        except ValueError as err:
            raise ValueError(f"{op_name}: invalid inputs of shapes {_shapes(arrays)}: {err}") from None
        if type(out) is not np.ndarray or out.ndim == 0:
            out = np.asarray(out) if op.sets_dtype else _tape.result_array(out, arrays)
        result = Tensor(out)
        if active and op.vjp is not None:
            record(op.vjp, result, args, arrays, params)
        if traces:
            for trace in traces:
                trace.record(op, args, params, result)
        return result

    def defvjp(vjp):
        op.vjp = vjp
        return vjp

    functools.update_wrapper(op, forward)
    op.vjp = None
    op.sets_dtype = False  # True for ops whose result dtype is their purpose (cast)
    op.defvjp = defvjp
    op.forward = forward
    op.op_name = op_name
    PRIMITIVES[op_name] = op
    return op
