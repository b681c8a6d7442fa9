"""InputLayer and ``Input``: the entry points of a Functional model."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gradiente import backend
from gradiente.layers.layer import Layer
from gradiente.layers.node import KerasTensor, Node
from gradiente.utils import naming

if TYPE_CHECKING:
    from gradiente.hints import Shape


class InputLayer(Layer):
    """Holds a model input. ``shape`` excludes the batch axis; ``batch_size`` may fix it."""
    traceable = True  # call is ops on inputs and weights only: fit may replay it

    def __init__(self, shape=None, batch_size=None, dtype=None, name=None, input_shape=None,
                 batch_shape=None, batch_input_shape=None, sparse=False, **kwargs):
        batch_shape = batch_shape or batch_input_shape
        if batch_shape is None:
            shape = shape if shape is not None else input_shape
            if shape is None:
                raise ValueError("InputLayer needs `shape=` (the shape of one sample, without the batch axis).")
            batch_shape = (batch_size,) + _as_shape(shape)
        if isinstance(dtype, str) and dtype in ("string", "str"):
            dtype = "object"  # strings travel as NumPy object (or str) arrays
        super().__init__(name=name or naming.one_based("input"), dtype=dtype, **kwargs)
        self._batch_shape = tuple(batch_shape)
        self.built = True
        self._dtype = backend.standardize_dtype(dtype)
        tensor = KerasTensor(self._batch_shape, self._dtype, name=self.name)
        node = Node(self, [], {}, tensor)
        self._inbound_nodes.append(node)
        tensor._keras_history = (self, 0, 0)
        self.output_tensor = tensor

    @property
    def batch_shape(self):
        return self._batch_shape

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return self._batch_shape

    def get_config(self):
        dtype = "string" if self._dtype.kind == "O" else self.dtype  # Keras's name for it
        return {"batch_shape": self._batch_shape, "dtype": dtype, "name": self.name}


def _as_shape(shape):
    if isinstance(shape, (int,)) or not hasattr(shape, "__iter__"):
        raise ValueError(f"Cannot convert '{shape}' to a shape: give a tuple such as ({shape},).")
    return tuple(None if d is None else int(d) for d in shape)


def Input(shape: Shape | None = None, batch_size: int | None = None, dtype: Any = None, name: str | None = None,
          batch_shape: Shape | None = None, sparse: bool = False, tensor: Any = None) -> KerasTensor:
    """A symbolic input tensor of shape ``(batch_size, *shape)`` for the Functional API.

    >>> x = Input(shape=(8,))
    >>> x.shape
    (None, 8)
    """
    layer = InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, name=name, batch_shape=batch_shape)
    return layer.output_tensor
