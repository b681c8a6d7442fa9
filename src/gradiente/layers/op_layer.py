"""A ``keras.ops`` function applied in a Functional graph, as a layer.

``x + y`` or ``ops.sum(x, axis=1)`` on KerasTensors (Keras 3 records an Operation node for
them) becomes a call of an ``OpLayer``: it holds the op's public name and the call's
arguments with each KerasTensor replaced by a numbered slot; the graph passes it those
tensors as its inputs. So graph walking, summary, the replayed ``fit`` step and configs all
reuse the layer machinery. Output shapes come from the usual dry run on placeholders.

In a config the op is its ``keras.ops`` name; loading resolves only names of
``gradiente.ops`` (``symbolic_dispatch.WRAPPED``) and only data records among the arguments
(numbers, strings, lists, tuples, slices, ``...``, arrays): a file never names code.
"""
import numpy as np

from gradiente.autodiff.tensor import Tensor
from gradiente.layers.layer import Layer
from gradiente.layers.node import KerasTensor
from gradiente.ops import symbolic_dispatch
from gradiente.utils import naming
from gradiente.utils.nest import flatten


class _Slot:
    """Where the ``index``-th KerasTensor of the call goes in the op's arguments."""

    __slots__ = ("index",)

    def __init__(self, index):
        self.index = index

    def __repr__(self):
        return f"<input {self.index}>"


class OpLayer(Layer):
    """``keras.ops.<op>(*args, **kwargs)`` in a graph; ``args``/``kwargs`` hold ``_Slot``s
    where the call had KerasTensors."""

    traceable = True  # call is one op on its inputs and constants: fit may replay it

    def __init__(self, op, args=(), kwargs=None, name=None, **base):
        self.op = _resolve(op)
        self.op_name = op
        self._args = tuple(args)
        self._kwargs = dict(kwargs or {})
        self._slot_count = len([v for v in flatten([list(self._args), self._kwargs])
                                if isinstance(v, _Slot)])
        self._dry_dtype = None
        super().__init__(name=name or naming.uniquify(op), **base)

    def call(self, inputs):
        tensors = list(inputs) if self._slot_count > 1 else [inputs]
        args = _fill(self._args, tensors)
        kwargs = _fill(self._kwargs, tensors)
        with np.errstate(all="ignore"):  # the dry run's zeros may divide by zero: shapes only
            out = self.op(*args, **kwargs)
        first = flatten(out)[0] if isinstance(out, (list, tuple)) else out
        self._dry_dtype = first.data.dtype if isinstance(first, Tensor) else None
        return out

    def _output_dtype(self, in_specs):
        # The dry run that gave the output shape has just run `call`: its result's dtype is
        # the op's (a comparison gives bool, a cast its target), not this layer's floatx.
        return self._dry_dtype if self._dry_dtype is not None else self._dtype

    def _convert_inputs(self, inputs):
        # An op takes tensors as they are (Keras casts nothing), unlike a layer's float inputs.
        if isinstance(inputs, (list, tuple)):
            return [self._convert_inputs(v) for v in inputs]
        return inputs if isinstance(inputs, Tensor) else Tensor(np.asarray(inputs))

    def get_config(self):
        config = super().get_config()
        config.update(op=self.op_name, arguments={
            "args": [_encode(v, self) for v in self._args],
            "kwargs": {k: _encode(v, self) for k, v in self._kwargs.items()}})
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        arguments = config.pop("arguments", None) or {}
        if not isinstance(arguments, dict) or set(arguments) - {"args", "kwargs"}:
            raise ValueError("OpLayer config: 'arguments' must be a dict of 'args' and 'kwargs'.")
        args, kwargs = arguments.get("args", []), arguments.get("kwargs", {})
        if not isinstance(args, list) or not isinstance(kwargs, dict):
            raise ValueError("OpLayer config: 'args' must be a list and 'kwargs' a dict.")
        return cls(args=[_decode(v) for v in args], kwargs={k: _decode(v) for k, v in kwargs.items()},
                   **config)

    @property
    def _display_class(self):
        # The summary's type column shows the op as Keras 3 does: its class name (Add, GetItem).
        return "".join(part.capitalize() for part in self.op_name.split("_"))


def _resolve(op):
    fn = symbolic_dispatch.WRAPPED.get(op) if isinstance(op, str) else None
    if fn is None:
        raise ValueError(f"OpLayer: {op!r:.60} is not the name of a keras.ops function that "
                         "gradiente implements.")
    return fn


def _fill(template, tensors):
    if isinstance(template, _Slot):
        return tensors[template.index]
    if isinstance(template, (list, tuple)):
        return type(template)(_fill(v, tensors) for v in template)
    if isinstance(template, dict):
        return {k: _fill(v, tensors) for k, v in template.items()}
    return template


# --- the symbolic call ---------------------------------------------------------------
def apply_symbolic(name, fn, args, kwargs):
    """``keras.ops.<name>(*args, **kwargs)`` where some argument is a KerasTensor: the
    op's layer called on those tensors (the handler ``symbolic_dispatch`` calls)."""
    tensors = []

    def take(value):
        if isinstance(value, KerasTensor):
            tensors.append(value)
            return _Slot(len(tensors) - 1)
        if isinstance(value, (list, tuple)):
            return type(value)(take(v) for v in value)
        if isinstance(value, dict):
            return {k: take(v) for k, v in value.items()}
        return value

    args_t, kwargs_t = take(tuple(args)), take(dict(kwargs))
    layer = OpLayer(name, args_t, kwargs_t)
    try:
        return layer(tensors[0] if len(tensors) == 1 else tensors)
    except (ValueError, TypeError) as err:
        raise type(err)(f"keras.ops.{name} cannot be applied to {_describe(args, kwargs)} "
                        f"(tried on placeholder data, unknown axes of size 2): {err}") from None


def _describe(args, kwargs):
    def one(v):
        if isinstance(v, KerasTensor):
            return f"KerasTensor of shape {v.shape}"
        if isinstance(v, (np.ndarray, Tensor)):
            return f"{type(v).__name__} of shape {tuple(v.shape)}"
        if isinstance(v, (list, tuple)) and any(isinstance(x, (KerasTensor, np.ndarray, Tensor)) for x in v):
            return "[" + ", ".join(one(x) for x in v) + "]"
        return f"{v!r:.40}"

    parts = [one(a) for a in args] + [f"{k}={one(v)}" for k, v in kwargs.items()]
    return ", ".join(parts)


symbolic_dispatch.register([KerasTensor], apply_symbolic)


# --- arguments in a config ---------------------------------------------------------------
_DATA_RECORDS = ("__numpy__", "__tensor__", "__slice__", "__ellipsis__")


def _encode(value, layer):
    from gradiente.saving.serialization_lib import serialize_keras_object

    if isinstance(value, _Slot):
        return {"class_name": "__input__", "config": {"index": value.index}}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, tuple):  # JSON has no tuples; x[:, 0] needs its key back as one
        return {"class_name": "__tuple__", "config": {"value": [_encode(v, layer) for v in value]}}
    if isinstance(value, list):
        return [_encode(v, layer) for v in value]
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {"class_name": "__dict__", "config": {k: _encode(v, layer) for k, v in value.items()}}
    if isinstance(value, (np.ndarray, np.generic, np.dtype, Tensor, slice)) or value is Ellipsis:
        return serialize_keras_object(value)
    raise ValueError(
        f"Layer '{layer.name}' (keras.ops.{layer.op_name} in a graph) has the argument "
        f"{value!r:.60} of type {type(value).__name__}, which cannot be saved in a config: only "
        "numbers, strings, lists, tuples, slices, arrays and tensors can."
    )


def _decode(value):
    from gradiente.saving.serialization_lib import deserialize_keras_object

    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if not isinstance(value, dict) or not isinstance(value.get("config"), dict):
        raise ValueError(f"OpLayer config: unexpected argument record {value!r:.80}.")
    kind, inner = value.get("class_name"), value["config"]
    if kind == "__input__" and isinstance(inner.get("index"), int) and inner["index"] >= 0:
        return _Slot(inner["index"])
    if kind == "__tuple__" and isinstance(inner.get("value"), list):
        return tuple(_decode(v) for v in inner["value"])
    if kind == "__dict__":
        return {k: _decode(v) for k, v in inner.items()}
    if kind in _DATA_RECORDS:
        return deserialize_keras_object(value)
    raise ValueError(f"OpLayer config: unexpected argument record {value!r:.80}.")
