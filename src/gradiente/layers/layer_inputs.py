"""Layer's call inputs: taking them by keyword, converting arrays to Tensors of the layer's
dtype, and checking them against ``input_spec``.

A mixin of ``Layer`` (layers/layer.py), whose ``__call__`` uses these.
"""
import numpy as np

from gradiente import ops
from gradiente.autodiff.tensor import Tensor
from gradiente.layers import call_spec
from gradiente.utils.nest import flatten, map_structure


class LayerInputs:
    """Conversion and checks of what a layer is called on."""

    def _inputs_from_keywords(self, kwargs):
        """``layer(query=a, value=b)``: the first argument of ``call`` given by name."""
        name = call_spec.first_parameter(self)
        if name is None or name not in kwargs:
            raise TypeError(
                f"Layer '{self.name}' ({type(self).__name__}) was called without inputs: pass "
                f"them first, e.g. layer(x), or by the name `call` gives them"
                + (f" ({name}=...)." if name else ".")
            )
        return kwargs.pop(name)

    def _convert_arguments(self, args, kwargs):
        """Arrays passed as further arguments become Tensors (floats in this layer's dtype;
        boolean masks and integer ids keep theirs)."""
        def convert(value):
            if isinstance(value, np.ndarray):
                if value.dtype.kind == "f" and value.dtype != self._dtype:
                    value = value.astype(self._dtype)
                return Tensor(value)
            return value

        def walk(value):
            if isinstance(value, (list, tuple, dict)):
                return map_structure(convert, value)
            return convert(value)

        return tuple(walk(a) for a in args), {k: walk(v) for k, v in kwargs.items()}

    @property
    def keeps_integer_inputs(self):
        """Whether integer (and boolean) inputs reach ``call`` unconverted. Our layers that
        look things up by index (Embedding) say so; our others compute in their float dtype,
        so an int array fed to Dense does not silently become float64. A ``call`` written
        outside gradiente gets integers as they are, as in Keras 3 (it may look ids up)."""
        cls = type(self)
        cached = cls.__dict__.get("_own_call_cache")
        if cached is None:
            cached = not getattr(cls.call, "__module__", "").startswith("gradiente.")
            cls._own_call_cache = cached
        return cached

    def _convert_inputs(self, inputs):
        if isinstance(inputs, Tensor):
            data = inputs.data
            if data.dtype != self._dtype and self._should_cast(data.dtype):
                cast = ops.cast(inputs, self._dtype)  # an op, so a tape sees through the cast
                cast._keras_mask = inputs._keras_mask
                return cast
            return inputs
        if isinstance(inputs, np.ndarray):
            return Tensor(inputs.astype(self._dtype) if self._should_cast(inputs.dtype) and inputs.dtype != self._dtype else inputs)
        if inputs is None:
            return None
        if isinstance(inputs, dict):
            return {k: self._convert_inputs(v) for k, v in inputs.items()}
        if isinstance(inputs, (list, tuple)) and inputs and not _is_numeric_nested(inputs):
            return [self._convert_inputs(i) for i in inputs]
        arr = np.asarray(getattr(inputs, "values", inputs))  # pandas objects have .values
        if arr.dtype == object:
            raise TypeError(f"Layer '{self.name}' cannot take inputs of type {type(inputs).__name__}.")
        return self._convert_inputs(arr)

    def _should_cast(self, dtype):
        return dtype.kind == "f" or (dtype.kind in "iub" and not self.keeps_integer_inputs)

    def _check_input_spec(self, inputs):
        specs = self.input_spec if isinstance(self.input_spec, (list, tuple)) else [self.input_spec]
        tensors = [t for t in flatten(inputs) if t is not None]
        for i, (spec, t) in enumerate(zip(specs, tensors)):
            if spec is not None:
                spec.check(self, tuple(t.shape), i)


def _is_numeric_nested(value):
    """True for nested Python lists of numbers (one array), not lists of arrays."""
    first = value[0]
    while isinstance(first, (list, tuple)) and first:
        first = first[0]
    return isinstance(first, (int, float, np.number, bool))
