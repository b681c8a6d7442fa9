"""UnitNormalization: scale each input to unit L2 norm over ``axis``, as Keras 3."""
from gradiente import ops
from gradiente.layers.layer import Layer


class UnitNormalization(Layer):
    """(batch, ...) -> same shape, each slice along ``axis`` (an int or a list of ints)
    divided by its L2 norm (at least 1e-12, so zero slices stay zero). No weights."""

    traceable = True  # call is ops on inputs only: fit may replay it

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, (list, tuple)) and all(isinstance(a, int) and not isinstance(a, bool) for a in axis):
            self.axis = list(axis)
        elif isinstance(axis, int) and not isinstance(axis, bool):
            self.axis = axis
        else:
            raise TypeError(
                f"Invalid value for `axis` argument: expected an int or a list/tuple of ints. Received: axis={axis}"
            )
        self.supports_masking = True
        self._build_at_init()

    def call(self, inputs):
        self._check_axes(inputs.shape)
        axis = tuple(self.axis) if isinstance(self.axis, list) else self.axis
        return ops.normalize(inputs, axis=axis, order=2, epsilon=1e-12)

    def _check_axes(self, shape):
        for a in self.axis if isinstance(self.axis, list) else [self.axis]:
            if not -len(shape) <= a < len(shape):
                raise ValueError(f"Axis {self.axis} is out of bounds for input shape {tuple(shape)}.")

    def compute_output_shape(self, input_shape):
        self._check_axes(input_shape)
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update(axis=self.axis)
        return config
