"""Dropout: during training, zero each input with probability ``rate`` and scale the rest
by 1 / (1 − rate) ("inverted dropout"), so the expected value is unchanged and inference
needs no rescaling. Outside training it is the identity."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from gradiente import backend, ops
from gradiente.layers.layer import Layer

if TYPE_CHECKING:
    from gradiente.hints import Shape


class Dropout(Layer):
    """(batch, ...) -> (batch, ...). Active only when called with ``training=True``.

    ``noise_shape``: the shape of the keep/drop mask, broadcast over the input (None
    entries take the input's size), e.g. ``(batch, 1, features)`` drops the same features
    at every time step. ``seed``: a private generator instead of the library's.
    """

    supports_masking = True
    _builds_at_init = True

    def __init__(self, rate: float, noise_shape: Shape | None = None, seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if isinstance(rate, bool) or not isinstance(rate, (int, float, np.number)) or not 0 <= rate < 1:
            raise ValueError(
                "Dropout: `rate` is the fraction of inputs to drop and must be a number in [0, 1), "
                f"received rate={rate!r}."
            )
        self.rate = float(rate)
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)
        self.seed = seed
        self._rng = None if seed is None else backend.make_rng(seed)

    def call(self, inputs, training=None):
        if not training or self.rate == 0:
            return inputs
        shape = inputs.shape
        if self.noise_shape is not None:
            if len(self.noise_shape) != len(shape):
                raise ValueError(
                    f"Dropout layer '{self.name}': noise_shape={self.noise_shape} must have one entry "
                    f"per axis of its input, which has shape {tuple(shape)}."
                )
            shape = tuple(s if n is None else n for n, s in zip(self.noise_shape, shape))
        # The mask is drawn inside the op, at call time (set_random_seed replaces the
        # library's generator), so fit's replayed steps draw new masks too.
        return ops.dropout(inputs, rate=self.rate, noise_shape=None if shape == inputs.shape else shape,
                           generator=self._rng, cache={})

    @property
    def traceable(self):
        """Replayable when drawing from the library's generator, whose state fit can rewind
        to check a replay against the eager step."""
        return self._rng is None

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update(rate=self.rate, noise_shape=self.noise_shape, seed=self.seed)
        return config
