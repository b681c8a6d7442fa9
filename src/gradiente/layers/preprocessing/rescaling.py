"""Rescaling: ``x * scale + offset`` inside the model."""
import numpy as np

from gradiente import ops
from gradiente.layers.layer import Layer


class Rescaling(Layer):
    """``inputs * scale + offset``, e.g. ``Rescaling(1 / 255)`` for 8-bit images. Any shape."""

    traceable = True  # call is ops on inputs and weights only: fit may replay it
    supports_masking = True

    def __init__(self, scale, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        self.scale, self.offset = float(scale), float(offset)

    def call(self, inputs):
        out = ops.multiply(inputs, np.asarray(self.scale, dtype=self._dtype))
        return ops.add(out, np.asarray(self.offset, dtype=self._dtype)) if self.offset else out

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(scale=self.scale, offset=self.offset)
        return config
