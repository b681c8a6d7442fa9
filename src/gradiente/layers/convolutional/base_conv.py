"""_ConvBase: what every convolution layer shares (geometry, layout, activation, bias)."""
from gradiente import activations, constraints, initializers, ops, regularizers
from gradiente.layers.convolutional.arguments import normalize_data_format, normalize_padding, normalize_tuple
from gradiente.layers.convolutional.spatial_input_spec import SpatialInputSpec
from gradiente.layers.dense import _constraint_config, _maybe
from gradiente.layers.layer import Layer
from gradiente.ops import convolution as conv_ops


class _ConvBase(Layer):
    """Shared arguments of the convolution layers: geometry, activation, bias."""
    traceable = True  # call is ops on inputs and weights only: fit may replay it

    rank = None
    paddings = ("valid", "same")

    def __init__(self, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 activation=None, use_bias=True, bias_initializer="zeros", bias_regularizer=None,
                 activity_regularizer=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        cls = type(self).__name__
        self.kernel_size = normalize_tuple(kernel_size, self.rank, "kernel_size", cls)
        self.strides = normalize_tuple(strides, self.rank, "strides", cls)
        self.dilation_rate = normalize_tuple(dilation_rate, self.rank, "dilation_rate", cls)
        self.padding = normalize_padding(padding, cls, self.paddings)
        self.data_format = normalize_data_format(data_format, cls)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.bias_initializer = initializers.get(bias_initializer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = SpatialInputSpec(self.rank, self.data_format)
        self._pads = {}  # spatial shape -> (before, after) pairs, so 'same' is solved once
        # relu and linear run inside the conv primitive (bias and relu in place).
        self._fused = {"linear": None, "relu": "relu"}.get(getattr(self.activation, "__name__", None), False)

    # layout helpers
    def _channel_axis(self):
        return 1 if self.data_format == "channels_first" else -1

    def _spatial(self, shape):
        return tuple(shape[2:]) if self.data_format == "channels_first" else tuple(shape[1:-1])

    def _to_last(self, x):
        if self.data_format == "channels_last":
            return x
        return ops.transpose(x, (0,) + tuple(range(2, self.rank + 2)) + (1,))

    def _from_last(self, y):
        if self.data_format == "channels_last":
            return y
        return ops.transpose(y, (0, self.rank + 1) + tuple(range(1, self.rank + 1)))

    def _shape_out(self, input_shape, spatial, channels):
        if self.data_format == "channels_first":
            return (input_shape[0], channels) + tuple(spatial)
        return (input_shape[0],) + tuple(spatial) + (channels,)

    def _input_channels(self, input_shape):
        channels = input_shape[self._channel_axis()]
        if channels is None:
            raise ValueError(
                f"{type(self).__name__} layer '{self.name}' needs to know the number of input "
                f"channels, but the channel axis of its input shape {tuple(input_shape)} is None."
            )
        return channels

    def _padding_for(self, spatial):
        pads = self._pads.get(spatial)
        if pads is None:
            pads = conv_ops.padding_pairs(spatial, self.kernel_size, self.strides, self.dilation_rate,
                                          self.padding)
            self._pads[spatial] = pads
        return pads

    def _check_fits(self, spatial):
        """A 'valid' kernel must fit in its input; say so with both sizes."""
        if self.padding != "valid":
            return
        span = tuple((k - 1) * d + 1 for k, d in zip(self.kernel_size, self.dilation_rate))
        if any(n is not None and n < s for n, s in zip(spatial, span)):
            dil = f" (dilated by {self.dilation_rate} to {span})" if max(self.dilation_rate) > 1 else ""
            raise ValueError(
                f"{type(self).__name__} layer '{self.name}': the kernel {self.kernel_size}{dil} is "
                f"larger than its input {tuple(spatial)} with padding='valid'. Use padding='same', a "
                "smaller kernel_size, or a larger input (e.g. fewer pooling/striding layers before)."
            )

    def _conv_output_spatial(self, spatial):
        self._check_fits(spatial)
        return tuple(conv_ops.output_length(n, k, s, d, self.padding)
                     for n, k, s, d in zip(spatial, self.kernel_size, self.strides, self.dilation_rate))

    def _add_bias(self, channels):
        if not self.use_bias:
            return None
        return self.add_weight("bias", (channels,), initializer=self.bias_initializer,
                               regularizer=self.bias_regularizer, constraint=self.bias_constraint)

    def _finish(self, y):
        if self._fused is False:
            y = self.activation(y)
        return self._from_last(y)

    def get_config(self):
        config = super().get_config()
        config.update(
            kernel_size=self.kernel_size, strides=self.strides, padding=self.padding,
            data_format=self.data_format, dilation_rate=self.dilation_rate,
            activation=activations.serialize(self.activation), use_bias=self.use_bias,
            bias_initializer=initializers.serialize(self.bias_initializer),
            bias_regularizer=_maybe(regularizers.serialize, self.bias_regularizer),
            activity_regularizer=_maybe(regularizers.serialize, self.activity_regularizer),
            bias_constraint=_maybe(_constraint_config, self.bias_constraint),
        )
        return config
