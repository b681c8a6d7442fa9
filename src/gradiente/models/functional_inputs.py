"""A Functional model's call data: one Tensor per model input, in order, checked against
the rank and sizes its Input fixed (with hints for the usual mistakes).

A mixin of ``Functional`` (models/functional.py), whose ``call`` uses it.
"""
import warnings

import numpy as np

from gradiente import ops
from gradiente.autodiff.tensor import Tensor
from gradiente.layers.layer import _is_numeric_nested
from gradiente.utils.nest import flatten


class FunctionalInputs:
    """``_flatten_call_inputs``: arrays, lists or dicts as the model was defined -> Tensors."""

    def _flatten_call_inputs(self, inputs):
        """The call's data as a flat list of Tensors, one per model input, in ``inputs`` order."""
        if len(self.inputs) == 1 and isinstance(inputs, (np.ndarray, Tensor)):
            return [self._prepare_input(0, inputs)]
        return [self._prepare_input(i, x) for i, x in enumerate(self._flat_call_data(inputs))]

    def _flat_call_data(self, inputs):
        """The call's data as given (not yet Tensors), one item per model input, in order."""
        n = len(self.inputs)
        if n == 1 and isinstance(inputs, (np.ndarray, Tensor)):
            return [inputs]
        if isinstance(inputs, dict):
            missing = [k for k in self._input_keys if k not in inputs]
            if missing:
                raise ValueError(
                    f"Model '{self.name}' was called on a dict without the key(s) {missing}: it "
                    f"expects the keys {self._input_keys}."
                )
            extra = sorted(set(inputs) - set(self._input_keys))
            if extra:
                warnings.warn(
                    f"Model '{self.name}' ignores the input key(s) {extra}: it expects {self._input_keys}.",
                    UserWarning, stacklevel=4,
                )
            flat = [inputs[k] for k in self._input_keys]
        elif isinstance(inputs, (list, tuple)) and inputs and not _is_numeric_nested(inputs):
            flat = flatten(inputs)
            if n == 1 and len(flat) != 1:
                raise self._count_error(len(flat))
        else:
            flat = [inputs]
        if len(flat) != n:
            raise self._count_error(len(flat))
        return flat

    def _count_error(self, received):
        return ValueError(
            f"Model '{self.name}' expects {len(self.inputs)} input(s) ({', '.join(self.input_names)}), "
            f"but it was called on {received} input(s). Pass "
            + ("one array." if len(self.inputs) == 1 else
               f"a list of {len(self.inputs)} arrays in this order, or a dict keyed by input name.")
        )

    def _prepare_input(self, i, x):
        if not isinstance(x, Tensor):
            dtype = self.inputs[i].dtype
            arr = x if isinstance(x, np.ndarray) else np.asarray(getattr(x, "values", x))  # pandas: .values
            if arr.dtype == object and dtype.kind != "O":
                raise TypeError(
                    f"Model '{self.name}': input {i} ({self.input_names[i]}) must be a numeric "
                    f"array, received {type(x).__name__}."
                )
            # Integer data stays integer for a float Input (an Embedding wants it so);
            # float data takes the Input's dtype.
            x = Tensor(arr)
            # A string Input (object dtype) takes str, bytes and object arrays as they are.
            if arr.dtype != dtype and dtype.kind != "O" and (dtype.kind != "f" or arr.dtype.kind in "fb"):
                # An op, so a replayed fit step casts each new batch (an array cast here
                # would be recorded as a constant: int64 ids into an int32 Input).
                x = ops.cast(x, dtype)
        shape = x.shape
        rank, fixed = self._input_checks[i]
        # As Keras 3: one axis of size 1 too many or too few at the end is squeezed or added
        # (strings (batch,) into Input(shape=(1,), dtype="string")). Ops, so a replay follows.
        if len(shape) == rank + 1 and shape[-1] == 1:
            x = ops.squeeze(x, -1)
        elif len(shape) == rank - 1 and self.inputs[i].shape[-1] == 1:
            x = ops.expand_dims(x, -1)
        shape = x.shape
        if len(shape) != rank or any(shape[axis] != size for axis, size in fixed):
            expected = self.inputs[i].shape
            hint = ""
            if len(shape) == rank - 1 and tuple(shape) == tuple(expected[1:]):
                hint = " It looks like one sample without the batch axis: use x[None, ...] (or x.reshape(1, ...))."
            elif len(shape) > rank == 2 and expected[1] == int(np.prod(shape[1:])):
                hint = (f" Each sample is an array of shape {tuple(shape[1:])}: add a Flatten layer first "
                        f"(keras.layers.Flatten(input_shape={list(shape[1:])})), or flatten the data "
                        "with x.reshape(len(x), -1).")
            raise ValueError(
                f"Model '{self.name}': input {i} ('{self.input_names[i]}') expects data of shape "
                f"{expected} (None: any size), but received shape {tuple(shape)}.{hint}"
            )
        return x
