"""DepthwiseConv1D/2D: each input channel convolved with its own filters, with a kernel
of (*k, C, depth_multiplier)."""
from gradiente import constraints, initializers, ops, regularizers
from gradiente.layers.convolutional.arguments import _positive_int
from gradiente.layers.convolutional.base_conv import _ConvBase
from gradiente.layers.convolutional.spatial_input_spec import SpatialInputSpec
from gradiente.layers.dense import _constraint_config, _maybe
from gradiente.ops import convolution as conv_ops


class DepthwiseConv(_ConvBase):
    """Each input channel convolved with its own ``depth_multiplier`` filters.

    (batch, *spatial, C) -> (batch, *out, C·depth_multiplier); output channel c·m + j comes
    from input channel c. Weights: ``kernel`` (*k, C, depth_multiplier), ``bias`` (C·m,).
    """

    def __init__(self, kernel_size, strides=1, padding="valid", depth_multiplier=1, data_format=None,
                 dilation_rate=1, activation=None, use_bias=True, depthwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, depthwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(kernel_size, strides, padding, data_format, dilation_rate, activation, use_bias,
                         bias_initializer, bias_regularizer, activity_regularizer, bias_constraint, **kwargs)
        self.depth_multiplier = _positive_int(depth_multiplier, "depth_multiplier", type(self).__name__)
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)

    def build(self, input_shape):
        channels = self._input_channels(input_shape)
        self._check_fits(self._spatial(input_shape))
        self.kernel = self.add_weight("kernel", self.kernel_size + (channels, self.depth_multiplier),
                                      initializer=self.depthwise_initializer,
                                      regularizer=self.depthwise_regularizer,
                                      constraint=self.depthwise_constraint)
        self.bias = self._add_bias(channels * self.depth_multiplier)
        self.input_spec = SpatialInputSpec(self.rank, self.data_format, axes={self._channel_axis(): channels})
        self.built = True

    def _depthwise(self, x, activation):
        """The depthwise step: a convolution with one group per input channel."""
        channels = x.shape[-1]
        grouped = ops.reshape(self.kernel, self.kernel_size + (1, channels * self.depth_multiplier))
        return conv_ops.conv_nd(x, grouped, self.bias, strides=self.strides, dilation=self.dilation_rate,
                        pads=self._padding_for(x.shape[1:-1]), groups=channels, activation=activation)

    def call(self, inputs):
        return self._finish(self._depthwise(self._to_last(inputs), self._fused))

    def compute_output_shape(self, input_shape):
        channels = input_shape[self._channel_axis()]
        out_channels = None if channels is None else channels * self.depth_multiplier
        return self._shape_out(input_shape, self._conv_output_spatial(self._spatial(input_shape)), out_channels)

    def get_config(self):
        config = super().get_config()
        config.update(
            depth_multiplier=self.depth_multiplier,
            depthwise_initializer=initializers.serialize(self.depthwise_initializer),
            depthwise_regularizer=_maybe(regularizers.serialize, self.depthwise_regularizer),
            depthwise_constraint=_maybe(_constraint_config, self.depthwise_constraint),
        )
        return config


class DepthwiseConv1D(DepthwiseConv):
    """Depthwise 1D convolution over (batch, steps, channels)."""

    rank = 1


class DepthwiseConv2D(DepthwiseConv):
    """Depthwise 2D convolution over (batch, rows, cols, channels)."""

    rank = 2
