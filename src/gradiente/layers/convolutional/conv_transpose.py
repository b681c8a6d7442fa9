"""Conv1DTranspose/2D/3D: transposed convolution with a kernel of (*k, filters, C)."""
from gradiente import constraints, initializers, ops, regularizers
from gradiente.layers.convolutional.arguments import _positive_int, normalize_tuple
from gradiente.layers.convolutional.base_conv import _ConvBase
from gradiente.layers.convolutional.spatial_input_spec import SpatialInputSpec
from gradiente.layers.dense import _constraint_config, _maybe
from gradiente.ops import convolution as conv_ops


class ConvTranspose(_ConvBase):
    """N-D transposed convolution (the gradient of a convolution with respect to its input).

    (batch, *spatial, C) -> (batch, *out, filters); out = in·stride (+ the kernel overhang
    for 'valid'), or set by ``output_padding``. Weights: ``kernel`` (*k, filters, C), ``bias``.
    """

    def __init__(self, filters, kernel_size, strides=1, padding="valid", output_padding=None,
                 data_format=None, dilation_rate=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, **kwargs):
        super().__init__(kernel_size, strides, padding, data_format, dilation_rate, activation, use_bias,
                         bias_initializer, bias_regularizer, activity_regularizer, bias_constraint, **kwargs)
        cls = type(self).__name__
        self.filters = _positive_int(filters, "filters", cls)
        self.output_padding = None
        if output_padding is not None:
            self.output_padding = normalize_tuple(output_padding, self.rank, "output_padding", cls,
                                                  allow_zero=True)
            if any(p >= s for p, s in zip(self.output_padding, self.strides)):
                raise ValueError(
                    f"{cls}: each `output_padding` must be smaller than its stride, received "
                    f"output_padding={output_padding!r} with strides={self.strides}."
                )
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)

    def build(self, input_shape):
        channels = self._input_channels(input_shape)
        self.kernel = self.add_weight("kernel", self.kernel_size + (self.filters, channels),
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        self.bias = self._add_bias(self.filters)
        self.input_spec = SpatialInputSpec(self.rank, self.data_format, axes={self._channel_axis(): channels})
        self.built = True

    def _geometry(self, spatial):
        pads = self._pads.get(spatial)
        if pads is None:
            padding = (None,) * self.rank if self.output_padding is None else self.output_padding
            out = tuple(conv_ops.transpose_output_length(n, k, s, d, self.padding, p)
                        for n, k, s, d, p in zip(spatial, self.kernel_size, self.strides,
                                                 self.dilation_rate, padding))
            before = tuple(conv_ops.transpose_pad_before(n, o, k, s, d, self.padding)
                           for n, o, k, s, d in zip(spatial, out, self.kernel_size, self.strides,
                                                    self.dilation_rate))
            pads = self._pads[spatial] = (out, before)
        return pads

    def call(self, inputs):
        x = self._to_last(inputs)
        out, before = self._geometry(tuple(x.shape[1:-1]))
        y = conv_ops.conv_transpose_nd(x, self.kernel, self.bias, strides=self.strides, dilation=self.dilation_rate,
                               pads_before=before, out_spatial=out)
        if self._fused == "relu":
            y = ops.relu(y)
        return self._finish(y)

    def compute_output_shape(self, input_shape):
        padding = (None,) * self.rank if self.output_padding is None else self.output_padding
        out = tuple(conv_ops.transpose_output_length(n, k, s, d, self.padding, p)
                    for n, k, s, d, p in zip(self._spatial(input_shape), self.kernel_size, self.strides,
                                             self.dilation_rate, padding))
        return self._shape_out(input_shape, out, self.filters)

    def get_config(self):
        config = super().get_config()
        config.update(
            filters=self.filters, output_padding=self.output_padding,
            kernel_initializer=initializers.serialize(self.kernel_initializer),
            kernel_regularizer=_maybe(regularizers.serialize, self.kernel_regularizer),
            kernel_constraint=_maybe(_constraint_config, self.kernel_constraint),
        )
        return config


class Conv1DTranspose(ConvTranspose):
    """Transposed 1D convolution over (batch, steps, channels)."""

    rank = 1


class Conv2DTranspose(ConvTranspose):
    """Transposed 2D convolution over (batch, rows, cols, channels)."""

    rank = 2


class Conv3DTranspose(ConvTranspose):
    """Transposed 3D convolution over (batch, depth, rows, cols, channels)."""

    rank = 3


# Keras's short aliases share the class (and so its automatic name and counter).
Convolution2DTranspose = Conv2DTranspose
