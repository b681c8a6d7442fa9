"""Symbolic tensors and graph nodes, which the Functional API builds from.

``Input(shape)`` returns a KerasTensor: a shape (with ``None`` for the batch) and a dtype,
no data. Calling a layer on KerasTensors records a Node (layer, inputs, call arguments,
outputs) and returns new KerasTensors; a Functional model later replays its nodes in order.
"""
import numpy as np

from gradiente.utils.nest import flatten


class KerasTensor:
    """A placeholder for a tensor in a model graph: ``shape`` (batch axis ``None``) and ``dtype``.

    ``_keras_history`` is ``(layer, node_index, tensor_index)``: which layer call made it.
    ``_keras_mask`` is the symbolic mask (a boolean KerasTensor) when the layer that made it
    produced or passed one on, as Keras 3 attaches it.
    """

    __slots__ = ("shape", "dtype", "name", "_keras_history", "_keras_mask", "__weakref__")
    __array_ufunc__ = None

    def __init__(self, shape, dtype="float32", name=None):
        self.shape = tuple(None if d is None else int(d) for d in shape)
        self.dtype = np.dtype(dtype)
        self.name = name
        self._keras_history = None
        self._keras_mask = None

    @property
    def ndim(self):
        return len(self.shape)

    @property
    def node(self):
        layer, node_index, _ = self._keras_history
        return layer._inbound_nodes[node_index]

    def __repr__(self):
        name = f", name={self.name}" if self.name else ""
        return f"<KerasTensor shape={self.shape}, dtype={self.dtype.name}{name}>"

    def __len__(self):
        raise TypeError(
            "A symbolic tensor (from keras.Input or a layer called on one) has no length: "
            "it stands for data that does not exist yet. Use .shape instead."
        )

    def numpy(self):
        raise TypeError(
            "A symbolic tensor has no value: build a Model(inputs, outputs) and call "
            "model.predict(x) or model(x) on real data."
        )

    # Operators are keras.ops calls (as in Keras 3): on a KerasTensor they add an op's node
    # to the graph (layers/op_layer.py) and return its KerasTensor.
    def __add__(self, other):
        return _ops().add(self, other)

    def __radd__(self, other):
        return _ops().add(other, self)

    def __sub__(self, other):
        return _ops().subtract(self, other)

    def __rsub__(self, other):
        return _ops().subtract(other, self)

    def __mul__(self, other):
        return _ops().multiply(self, other)

    def __rmul__(self, other):
        return _ops().multiply(other, self)

    def __matmul__(self, other):
        return _ops().matmul(self, other)

    def __rmatmul__(self, other):
        return _ops().matmul(other, self)

    def __truediv__(self, other):
        return _ops().true_divide(self, other)

    def __rtruediv__(self, other):
        return _ops().true_divide(other, self)

    def __floordiv__(self, other):
        return _ops().floor_divide(self, other)

    def __rfloordiv__(self, other):
        return _ops().floor_divide(other, self)

    def __mod__(self, other):
        return _ops().mod(self, other)

    def __rmod__(self, other):
        return _ops().mod(other, self)

    def __pow__(self, other):
        return _ops().power(self, other)

    def __rpow__(self, other):
        return _ops().power(other, self)

    def __neg__(self):
        return _ops().negative(self)

    def __abs__(self):
        return _ops().absolute(self)

    def __lt__(self, other):
        return _ops().less(self, other)

    def __le__(self, other):
        return _ops().less_equal(self, other)

    def __gt__(self, other):
        return _ops().greater(self, other)

    def __ge__(self, other):
        return _ops().greater_equal(self, other)

    # As Keras 3: `!=` is an op, `==` stays identity (KerasTensors are dict keys and list
    # members throughout the graph code).
    def __ne__(self, other):
        return _ops().not_equal(self, other)

    __hash__ = object.__hash__

    def __and__(self, other):
        return _ops().logical_and(self, other)

    def __rand__(self, other):
        return _ops().logical_and(other, self)

    def __or__(self, other):
        return _ops().logical_or(self, other)

    def __ror__(self, other):
        return _ops().logical_or(other, self)

    def __xor__(self, other):
        return _ops().logical_xor(self, other)

    def __rxor__(self, other):
        return _ops().logical_xor(other, self)

    def __invert__(self):
        return _ops().logical_not(self)

    def __getitem__(self, key):
        return _ops().get_item(self, key)

    def __round__(self, ndigits=None):
        return _ops().round(self, ndigits or 0)


class Node:
    """One call of ``layer`` in a graph: KerasTensors in, KerasTensors out."""

    def __init__(self, layer, call_inputs, call_kwargs, outputs):
        self.layer = layer
        self.call_inputs = call_inputs  # the structure as passed (tensor, list or dict)
        self.call_kwargs = call_kwargs
        # Every KerasTensor the call used, as Keras 3's node lists them: the first argument's,
        # then those of further positional (``_args``) and keyword arguments.
        self.input_tensors = [t for t in flatten([call_inputs, list(call_kwargs.values())])
                              if isinstance(t, KerasTensor)]
        self.outputs = outputs
        self.output_tensors = flatten(outputs)

    @property
    def parent_nodes(self):
        return [t.node for t in self.input_tensors if t._keras_history is not None]

    @property
    def is_input(self):
        return not self.input_tensors

    def __repr__(self):
        return f"<Node of {self.layer.name}>"


def _ops():
    # Imported on use: gradiente.ops is a level below, but importing it here at module load
    # would run before gradiente.ops finished importing when ops code imports layers.
    from gradiente import ops

    return ops


def is_symbolic(inputs):
    """True when ``inputs`` (a tensor or a nested structure) holds a KerasTensor."""
    if isinstance(inputs, KerasTensor):
        return True
    if isinstance(inputs, (list, tuple, dict)):
        return any(isinstance(t, KerasTensor) for t in flatten(inputs))
    return False
