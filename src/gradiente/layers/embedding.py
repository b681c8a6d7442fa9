"""Embedding: integer ids (batch, ...) -> learned vectors (batch, ..., output_dim)."""
import warnings

import numpy as np

from gradiente import constraints, initializers, ops, regularizers
from gradiente.layers.layer import Layer


class Embedding(Layer):
    """Looks up row ``i`` of ``embeddings`` (input_dim, output_dim) for each id ``i``.

    Ids must lie in [0, input_dim). With ``mask_zero=True`` the id 0 is padding: the output
    carries a mask (ids != 0) that recurrent layers use to skip those steps (so the
    vocabulary then needs input_dim = largest id + 1, with 0 reserved).
    """

    keeps_integer_inputs = True

    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform",
                 embeddings_regularizer=None, embeddings_constraint=None, mask_zero=False,
                 activity_regularizer=None, **kwargs):
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

    def _ids(self, inputs):
        ids = inputs.data if hasattr(inputs, "data") else np.asarray(inputs)
        if ids.dtype.kind == "f":
            if not np.all(ids == np.round(ids)):
                raise TypeError(
                    f"Embedding layer '{self.name}' looks up integer ids, but received non-integer "
                    "values. Convert the data to token ids (integers) first."
                )
            ids = ids.astype(np.int64)
        elif ids.dtype.kind not in "iub":
            raise TypeError(f"Embedding layer '{self.name}' expects integer ids, received dtype {ids.dtype}.")
        if ids.size:
            low, high = ids.min(), ids.max()
            if low < 0 or high >= self.input_dim:
                bad = int(low if low < 0 else high)
                raise ValueError(
                    f"Embedding layer '{self.name}': index {bad} is out of range for input_dim="
                    f"{self.input_dim} (valid ids are 0 to {self.input_dim - 1}). Make input_dim the "
                    "vocabulary size (largest id + 1)."
                )
        return ids

    def call(self, inputs):
        return ops.take(self.embeddings, self._ids(inputs), axis=0)

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
