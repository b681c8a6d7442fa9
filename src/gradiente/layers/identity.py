"""Identity: returns its inputs unchanged (a placeholder, e.g. an optional block switched off)."""
from gradiente.layers.layer import Layer


class Identity(Layer):
    """(batch, ...) -> the same tensor(s); masks pass through."""
    traceable = True  # call is ops on inputs and weights only: fit may replay it

    supports_masking = True
    _builds_at_init = True

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape
