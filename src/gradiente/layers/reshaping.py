"""Layers that move data without changing it: Flatten, Reshape, Permute, RepeatVector.

None has weights; each keeps the batch axis and rearranges the others.
"""
from __future__ import annotations

from typing import Any

import math

from gradiente import backend, ops
from gradiente.layers.input_spec import InputSpec
from gradiente.layers.layer import Layer


def _positive_int(layer, name, value):
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"{layer}: `{name}` must be a positive integer, received {name}={value!r}.")
    return value


def _product(dims):
    """Product of ``dims``, or None when one of them is unknown."""
    return None if any(d is None for d in dims) else math.prod(dims)


class Flatten(Layer):
    """(batch, d1, d2, ...) -> (batch, d1·d2·...). A 1-D input (batch,) becomes (batch, 1).

    With ``data_format="channels_first"`` the channel axis is moved last before
    flattening, so the result matches the channels_last ordering of the same image.
    """
    traceable = True  # call is ops on inputs and weights only: fit may replay it

    def __init__(self, data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        data_format = data_format or backend.image_data_format()
        if data_format not in ("channels_last", "channels_first"):
            raise ValueError(
                f"Flatten: `data_format` must be 'channels_last' or 'channels_first', "
                f"received data_format={data_format!r}."
            )
        self.data_format = data_format
        self.input_spec = InputSpec(min_ndim=1, layout="(batch, ...)")

    def call(self, inputs):
        if self.data_format == "channels_first" and inputs.ndim > 2:
            inputs = ops.transpose(inputs, (0, *range(2, inputs.ndim), 1))
        return ops.reshape(inputs, (inputs.shape[0], math.prod(inputs.shape[1:])))

    def compute_output_shape(self, input_shape):
        return (input_shape[0], _product(input_shape[1:]))

    def get_config(self):
        config = super().get_config()
        config["data_format"] = self.data_format
        return config


class Reshape(Layer):
    """(batch, ...) -> (batch, *target_shape). One entry of ``target_shape`` may be -1:
    it is inferred from the number of elements."""
    traceable = True  # call is ops on inputs and weights only: fit may replay it
    _builds_at_init = True

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        if isinstance(target_shape, int) or not hasattr(target_shape, "__iter__"):
            raise ValueError(
                f"Reshape: `target_shape` must be a tuple of integers (without the batch axis), "
                f"received target_shape={target_shape!r}. For one axis write ({target_shape},)."
            )
        target_shape = tuple(target_shape)
        bad = [d for d in target_shape if isinstance(d, bool) or not isinstance(d, int) or (d <= 0 and d != -1)]
        if bad or target_shape.count(-1) > 1:
            raise ValueError(
                f"Reshape: `target_shape` must hold positive integers and at most one -1 (an axis "
                f"to infer), received target_shape={target_shape}."
            )
        self.target_shape = target_shape

    def _resolve(self, input_shape):
        """``target_shape`` with its -1 replaced (by None when the input size is unknown)."""
        size = _product(input_shape[1:])
        if -1 not in self.target_shape:
            if size is not None and size != math.prod(self.target_shape):
                raise self._mismatch(input_shape, size)
            return self.target_shape
        known = math.prod(d for d in self.target_shape if d != -1)
        if size is None:
            return tuple(None if d == -1 else d for d in self.target_shape)
        if size % known:
            raise self._mismatch(input_shape, size)
        return tuple(size // known if d == -1 else d for d in self.target_shape)

    def _mismatch(self, input_shape, size):
        return ValueError(
            f"Reshape layer '{self.name}' cannot reshape an input of shape {tuple(input_shape)} "
            f"({size} values per sample) into target_shape={self.target_shape}: the number of values "
            "per sample must stay the same. Choose a target_shape whose product is "
            f"{size}, or use -1 for one axis to have it inferred."
        )

    def call(self, inputs):
        return ops.reshape(inputs, (inputs.shape[0],) + self._resolve(inputs.shape))

    def compute_output_shape(self, input_shape):
        return (input_shape[0],) + self._resolve(input_shape)

    def get_config(self):
        config = super().get_config()
        config["target_shape"] = self.target_shape
        return config


class Permute(Layer):
    """Reorders the non-batch axes. ``dims`` is 1-based: ``Permute((2, 1))`` turns
    (batch, a, b) into (batch, b, a)."""
    traceable = True  # call is ops on inputs and weights only: fit may replay it

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        dims = tuple(dims)
        if sorted(dims) != list(range(1, len(dims) + 1)):
            raise ValueError(
                f"Permute: `dims` must be a permutation of 1..{len(dims)} (the non-batch axes, "
                f"1-based), received dims={dims}."
            )
        self.dims = dims
        self.input_spec = InputSpec(
            ndim=len(dims) + 1, layout=f"(batch, {', '.join(f'd{i}' for i in range(1, len(dims) + 1))})",
            hint=f"dims={dims} has one entry per non-batch axis, so the input must have "
                 f"{len(dims)} of them besides the batch.",
        )

    def call(self, inputs):
        return ops.transpose(inputs, (0,) + self.dims)

    def compute_output_shape(self, input_shape):
        return (input_shape[0],) + tuple(input_shape[d] for d in self.dims)

    def get_config(self):
        config = super().get_config()
        config["dims"] = self.dims
        return config


class RepeatVector(Layer):
    """(batch, features) -> (batch, n, features): each vector repeated ``n`` times."""
    traceable = True  # call is ops on inputs and weights only: fit may replay it

    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        self.n = _positive_int("RepeatVector", "n", n)
        self.input_spec = InputSpec(
            ndim=2, layout="(batch, features)",
            hint="Flatten (or Reshape) the input to (batch, features) first.",
        )

    def call(self, inputs):
        return ops.repeat(ops.expand_dims(inputs, 1), self.n, axis=1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.n, input_shape[1])

    def get_config(self):
        config = super().get_config()
        config["n"] = self.n
        return config
