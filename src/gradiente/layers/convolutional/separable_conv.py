"""SeparableConv1D/2D: a depthwise convolution, then a 1×1 convolution mixing channels."""
from gradiente import constraints, initializers, ops, regularizers
from gradiente.layers.convolutional.arguments import _positive_int
from gradiente.layers.convolutional.base_conv import _ConvBase
from gradiente.layers.convolutional.spatial_input_spec import SpatialInputSpec
from gradiente.layers.dense import _constraint_config, _maybe
from gradiente.ops import convolution as conv_ops


class SeparableConv(_ConvBase):
    """A depthwise convolution, then a 1×1 convolution mixing channels into ``filters``.

    Weights: ``depthwise_kernel`` (*k, C, m), ``pointwise_kernel`` (1,…,1, C·m, filters),
    ``bias`` (filters,).
    """

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 depth_multiplier=1, activation=None, use_bias=True, depthwise_initializer="glorot_uniform",
                 pointwise_initializer="glorot_uniform", bias_initializer="zeros", depthwise_regularizer=None,
                 pointwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, pointwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(kernel_size, strides, padding, data_format, dilation_rate, activation, use_bias,
                         bias_initializer, bias_regularizer, activity_regularizer, bias_constraint, **kwargs)
        cls = type(self).__name__
        self.filters = _positive_int(filters, "filters", cls)
        self.depth_multiplier = _positive_int(depth_multiplier, "depth_multiplier", cls)
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.pointwise_initializer = initializers.get(pointwise_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.pointwise_regularizer = regularizers.get(pointwise_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)
        self.pointwise_constraint = constraints.get(pointwise_constraint)

    def build(self, input_shape):
        channels = self._input_channels(input_shape)
        self._check_fits(self._spatial(input_shape))
        inner = channels * self.depth_multiplier
        self.depthwise_kernel = self.add_weight(
            "depthwise_kernel", self.kernel_size + (channels, self.depth_multiplier),
            initializer=self.depthwise_initializer, regularizer=self.depthwise_regularizer,
            constraint=self.depthwise_constraint)
        self.pointwise_kernel = self.add_weight(
            "pointwise_kernel", (1,) * self.rank + (inner, self.filters),
            initializer=self.pointwise_initializer, regularizer=self.pointwise_regularizer,
            constraint=self.pointwise_constraint)
        self.bias = self._add_bias(self.filters)
        self.input_spec = SpatialInputSpec(self.rank, self.data_format, axes={self._channel_axis(): channels})
        self.built = True

    def call(self, inputs):
        x = self._to_last(inputs)
        channels = x.shape[-1]
        inner = channels * self.depth_multiplier
        grouped = ops.reshape(self.depthwise_kernel, self.kernel_size + (1, inner))
        y = conv_ops.conv_nd(x, grouped, None, strides=self.strides, dilation=self.dilation_rate,
                     pads=self._padding_for(x.shape[1:-1]), groups=channels)
        # A 1×1 convolution is a product over the channel axis alone.
        pointwise = ops.reshape(self.pointwise_kernel, (inner, self.filters))
        y = ops.dense(y, pointwise, self.bias, activation=self._fused)
        return self._finish(y)

    def compute_output_shape(self, input_shape):
        return self._shape_out(input_shape, self._conv_output_spatial(self._spatial(input_shape)), self.filters)

    def get_config(self):
        config = super().get_config()
        config.update(
            filters=self.filters, depth_multiplier=self.depth_multiplier,
            depthwise_initializer=initializers.serialize(self.depthwise_initializer),
            pointwise_initializer=initializers.serialize(self.pointwise_initializer),
            depthwise_regularizer=_maybe(regularizers.serialize, self.depthwise_regularizer),
            pointwise_regularizer=_maybe(regularizers.serialize, self.pointwise_regularizer),
            depthwise_constraint=_maybe(_constraint_config, self.depthwise_constraint),
            pointwise_constraint=_maybe(_constraint_config, self.pointwise_constraint),
        )
        return config


class SeparableConv1D(SeparableConv):
    """Depthwise-separable 1D convolution over (batch, steps, channels)."""

    rank = 1


class SeparableConv2D(SeparableConv):
    """Depthwise-separable 2D convolution over (batch, rows, cols, channels)."""

    rank = 2


# Keras's short aliases share the class (and so its automatic name and counter).
SeparableConvolution2D = SeparableConv2D
