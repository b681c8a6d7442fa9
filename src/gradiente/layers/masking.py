"""Masking: marks time steps whose features all equal ``mask_value`` as padding."""
import numpy as np

from gradiente import ops
from gradiente.autodiff.tensor import Tensor
from gradiente.layers.layer import Layer


class Masking(Layer):
    """(batch, time, features) -> same, with masked steps zeroed and a (batch, time) mask
    that downstream layers (LSTM, GRU, ...) use to skip them."""

    supports_masking = True
    _builds_at_init = True

    def __init__(self, mask_value=0.0, **kwargs):
        super().__init__(**kwargs)
        self.mask_value = mask_value

    def _keep(self, inputs):
        """(batch, time) boolean Tensor: True where some feature differs from mask_value."""
        data = inputs.data if hasattr(inputs, "data") else np.asarray(inputs)
        return Tensor(np.any(data != self.mask_value, axis=-1))

    def call(self, inputs):
        keep = self._keep(inputs)
        # Masked steps become exactly 0 (even if they held inf or nan), as Keras's where does.
        outputs = ops.where(keep.data[..., None], inputs, np.zeros((), dtype=inputs.dtype))
        outputs._keras_mask = keep
        return outputs

    def compute_mask(self, inputs, mask=None):
        return self._keep(inputs)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config["mask_value"] = self.mask_value
        return config
