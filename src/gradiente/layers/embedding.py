"""Embedding: integer ids (batch, ...) -> learned vectors (batch, ..., output_dim)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import warnings

import numpy as np

from gradiente import constraints, initializers, ops, regularizers
from gradiente.layers.layer import Layer
from gradiente.ops.primitive import primitive

if TYPE_CHECKING:
    from gradiente.hints import ConstraintArg, InitializerArg, RegularizerArg


def _check_ids(ids, input_dim, layer_name):
    """Integer ids (as intp) in [0, input_dim), or a clear error; runs inside the primitive
    so a replayed step checks each new batch too. Cost: one min/max pass over the ids."""
    if ids.dtype.kind == "f":
        if not np.all(ids == np.round(ids)):
            raise TypeError(f"Embedding layer '{layer_name}' looks up integer ids, but received "
                            "non-integer values. Convert the data to token ids (integers) first.")
    elif ids.dtype.kind not in "iub":
        raise TypeError(f"Embedding layer '{layer_name}' expects integer ids, received dtype {ids.dtype}.")
    if ids.size:
        low, high = ids.min(), ids.max()
        if low < 0 or high >= input_dim:
            bad = int(low if low < 0 else high)
            raise ValueError(
                f"Embedding layer '{layer_name}': index {bad} is out of range for input_dim={input_dim} "
                f"(valid ids are 0 to {input_dim - 1}). Make input_dim the vocabulary size "
                "(largest id + 1).")
    return ids if ids.dtype == np.intp else ids.astype(np.intp)


@primitive
def embedding_lookup(embeddings, ids, layer_name="embedding"):
    """Rows of ``embeddings`` (input_dim, dim) for ``ids`` (batch, ...) -> (batch, ..., dim);
    float ids holding integers are cast here, as Keras casts them."""
    return embeddings[_check_ids(np.asarray(ids), embeddings.shape[0], layer_name)]


@embedding_lookup.defvjp
def _(g, ans, needs, embeddings, ids, layer_name="embedding"):
    # Repeated ids add up: a scatter-add over flat positions (NumPy's add.at is several
    # times faster on a flat array than with a row index into a 2-D one).
    n, width = embeddings.shape
    rows = np.asarray(ids).astype(np.intp, copy=False).reshape(-1, 1)
    out = np.zeros(n * width, dtype=embeddings.dtype)
    np.add.at(out, (rows * width + np.arange(width)).ravel(), g.reshape(-1, width).ravel())
    return out.reshape(n, width), None


class Embedding(Layer):
    """Looks up row ``i`` of ``embeddings`` (input_dim, output_dim) for each id ``i``.

    Ids must lie in [0, input_dim). With ``mask_zero=True`` the id 0 is padding: the output
    carries a mask (ids != 0) that recurrent layers use to skip those steps (so the
    vocabulary then needs input_dim = largest id + 1, with 0 reserved).
    """

    keeps_integer_inputs = True

    def __init__(self, input_dim: int, output_dim: int, embeddings_initializer: InitializerArg = "uniform",
                 embeddings_regularizer: RegularizerArg = None, embeddings_constraint: ConstraintArg = None,
                 mask_zero: bool = False, activity_regularizer: RegularizerArg = None, **kwargs: Any) -> None:
        input_length = kwargs.pop("input_length", None)
        if input_length is not None:
            warnings.warn(
                "Argument `input_length` is deprecated; it is used only as the input shape. "
                "Prefer an `Input((length,))` before the Embedding.", UserWarning, stacklevel=2)
            kwargs.setdefault("input_shape", (input_length,))
        kwargs.pop("sparse", None)
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        for arg, value in (("input_dim", input_dim), ("output_dim", output_dim)):
            if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"Embedding: `{arg}` must be a positive integer, received {arg}={value!r}.")
        self.input_dim = int(input_dim)
        self.output_dim = int(output_dim)
        self.input_length = input_length
        if embeddings_initializer == "uniform":
            embeddings_initializer = initializers.RandomUniform(-0.05, 0.05)
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.embeddings_constraint = constraints.get(embeddings_constraint)
        self.mask_zero = bool(mask_zero)
        self.supports_masking = self.mask_zero

    def build(self, input_shape=None):
        self.embeddings = self.add_weight(
            "embeddings", (self.input_dim, self.output_dim), initializer=self.embeddings_initializer,
            regularizer=self.embeddings_regularizer, constraint=self.embeddings_constraint)
        self.built = True

    # The lookup is one primitive on the batch's ids, and mask_zero's mask one op on them,
    # so a replay feeds both new ids. A layer that reads the mask as NumPy instead (masks.
    # mask_array) marks the trace, and that step stays eager.
    traceable = True

    def call(self, inputs):
        return embedding_lookup(self.embeddings, inputs, layer_name=self.name)

    def compute_mask(self, inputs, mask=None):
        """(batch, ...) boolean Tensor, False where the id is 0 (padding); None without mask_zero."""
        if not self.mask_zero:
            return None
        return ops.not_equal(inputs, 0)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape) + (self.output_dim,)

    def _output_dtype(self, in_specs):
        return self._dtype

    def get_config(self):
        config = super().get_config()
        config.update(
            input_dim=self.input_dim,
            output_dim=self.output_dim,
            embeddings_initializer=initializers.serialize(self.embeddings_initializer),
            embeddings_regularizer=None if self.embeddings_regularizer is None
            else regularizers.serialize(self.embeddings_regularizer),
            embeddings_constraint=None if self.embeddings_constraint is None
            else {"class_name": type(self.embeddings_constraint).__name__,
                  "config": self.embeddings_constraint.get_config()},
            mask_zero=self.mask_zero,
        )
        return config
