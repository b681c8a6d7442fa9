"""Layer's weights: creating them (``add_weight``) and listing, reading and setting them.

A mixin of ``Layer`` (layers/layer.py), which finds the sublayers and attribute Variables
these lists walk.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from gradiente import backend, initializers
from gradiente.autodiff.tensor import Variable
from gradiente.layers.name_scope import weight_path

if TYPE_CHECKING:
    from collections.abc import Sequence


class LayerWeights:
    """``add_weight``, ``weights`` / ``trainable_weights`` / ``non_trainable_weights``
    (and their ``variables`` aliases), ``get_weights`` / ``set_weights``, ``count_params``."""

    def add_weight(self, name=None, shape=None, dtype=None, initializer=None, regularizer=None,
                   trainable=True, constraint=None):
        """Create a Variable owned by this layer; its path is ``"<parents>/<layer>/<name>"``
        as Keras 3 writes it (layers/name_scope.py)."""
        from gradiente import constraints, regularizers

        shape = () if shape is None else tuple(int(d) for d in shape)
        dt = backend.standardize_dtype(dtype) if dtype is not None else self._dtype
        backend.check_new_weight(shape, dt, f"{self.name}/{name}")  # a file being loaded may refuse it
        if initializer is None:
            initializer = "glorot_uniform" if dt.kind == "f" else "zeros"
        init = initializers.get(initializer)
        value = np.asarray(init(shape, dtype=dt.name), dtype=dt)
        if value.shape != shape:
            value = np.broadcast_to(value, shape).copy()
        var = Variable(value, trainable=trainable, name=name or f"variable_{len(self._own_weights)}")
        var.path = weight_path(self, var.name)
        var._layer = self
        var.regularizer = regularizers.get(regularizer)
        var.constraint = constraints.get(constraint)
        self._own_weights.append(var)
        return var

    @property
    def weights(self):
        """All weights: this layer's own first, then its sublayers', each once."""
        out, seen = [], set()
        for layer in self._flatten_layers():
            for v in layer._own_weights + layer._attribute_variables():
                if id(v) not in seen:
                    seen.add(id(v))
                    out.append(v)
        return out

    variables = weights

    @property
    def trainable_weights(self):
        if not self._trainable:
            return []
        out, seen = [], set()
        for layer in self._flatten_layers():
            if not layer._trainable:
                continue
            for v in layer._own_weights + layer._attribute_variables():
                if v.trainable and id(v) not in seen:
                    seen.add(id(v))
                    out.append(v)
        return out

    trainable_variables = trainable_weights

    @property
    def non_trainable_weights(self):
        trainable = {id(v) for v in self.trainable_weights}
        return [v for v in self.weights if id(v) not in trainable]

    non_trainable_variables = non_trainable_weights

    def get_weights(self) -> list[np.ndarray]:
        """The weights' values as NumPy arrays (copies), in ``weights`` order."""
        return [v.data.copy() for v in self.weights]

    def set_weights(self, weights: Sequence[Any]) -> None:
        """Set every weight from a list of arrays, in ``weights`` order; shapes are checked."""
        params = self.weights
        weights = list(weights)
        if len(weights) != len(params):
            raise ValueError(
                f"Layer '{self.name}' expects {len(params)} weight arrays "
                f"({', '.join(v.path for v in params) or 'none'}), but received {len(weights)}."
            )
        arrays = []
        for v, w in zip(params, weights):
            w = np.asarray(w)
            if w.shape != v.shape:
                raise ValueError(
                    f"Layer '{self.name}': weight '{v.path}' has shape {v.shape}, "
                    f"but the value given has shape {w.shape}."
                )
            arrays.append(w)
        for v, w in zip(params, arrays):
            v.assign(w)

    def count_params(self) -> int:
        if not self.built:
            raise ValueError(
                f"You tried to call `count_params` on layer '{self.name}', but the layer isn't "
                "built. You can build it manually via: `layer.build(input_shape)`."
            )
        return int(sum(v.size for v in self.weights))
