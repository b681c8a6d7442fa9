"""Conv1D/2D/3D: convolution (cross-correlation, as Keras) with a kernel of
(*kernel_size, C/groups, filters)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gradiente import constraints, initializers, ops, regularizers
from gradiente.layers.convolutional.arguments import _positive_int
from gradiente.layers.convolutional.base_conv import _ConvBase
from gradiente.layers.convolutional.spatial_input_spec import SpatialInputSpec
from gradiente.layers.dense import _constraint_config, _maybe
from gradiente.ops import convolution as conv_ops

if TYPE_CHECKING:
    from gradiente.hints import ActivationArg, ConstraintArg, InitializerArg, IntOrTuple, RegularizerArg


class Conv(_ConvBase):
    """N-D convolution (cross-correlation, as Keras). (batch, *spatial, C) -> (batch, *out, filters).

    Weights: ``kernel`` (*kernel_size, C/groups, filters), ``bias`` (filters,).
    """

    def __init__(self, filters: int, kernel_size: IntOrTuple, strides: IntOrTuple = 1, padding: str = "valid",
                 data_format: str | None = None, dilation_rate: IntOrTuple = 1, groups: int = 1,
                 activation: ActivationArg = None, use_bias: bool = True,
                 kernel_initializer: InitializerArg = "glorot_uniform", bias_initializer: InitializerArg = "zeros",
                 kernel_regularizer: RegularizerArg = None, bias_regularizer: RegularizerArg = None,
                 activity_regularizer: RegularizerArg = None, kernel_constraint: ConstraintArg = None,
                 bias_constraint: ConstraintArg = None, **kwargs: Any) -> None:
        super().__init__(kernel_size, strides, padding, data_format, dilation_rate, activation, use_bias,
                         bias_initializer, bias_regularizer, activity_regularizer, bias_constraint, **kwargs)
        cls = type(self).__name__
        self.filters = _positive_int(filters, "filters", cls)
        self.groups = _positive_int(groups, "groups", cls)
        if filters % groups:
            raise ValueError(
                f"{cls}: `filters` must be divisible by `groups`, received filters={filters}, groups={groups}."
            )
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)

    def build(self, input_shape):
        channels = self._input_channels(input_shape)
        if channels % self.groups:
            raise ValueError(
                f"{type(self).__name__} layer '{self.name}': the number of input channels ({channels}) "
                f"must be divisible by groups={self.groups}."
            )
        self._check_fits(self._spatial(input_shape))
        self.kernel = self.add_weight("kernel", self.kernel_size + (channels // self.groups, self.filters),
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        self.bias = self._add_bias(self.filters)
        self.input_spec = SpatialInputSpec(self.rank, self.data_format, axes={self._channel_axis(): channels})
        self.built = True

    def convolution_op(self, inputs, kernel):
        """``inputs`` ⋆ ``kernel`` with this layer's strides, padding, dilation, groups and
        data_format, without bias or activation. Subclasses may override it (e.g. to
        standardize the kernel); ``call`` then adds the bias and applies the activation."""
        x = self._to_last(inputs)
        y = conv_ops.conv_nd(x, kernel, None, strides=self.strides, dilation=self.dilation_rate,
                             pads=self._padding_for(x.shape[1:-1]), groups=self.groups)
        return self._from_last(y)

    def call(self, inputs):
        if type(self).convolution_op is not Conv.convolution_op:
            return self._call_with_convolution_op(inputs)
        # The built-in op fuses bias and relu into the convolution primitive.
        x = self._to_last(inputs)
        y = conv_ops.conv_nd(x, self.kernel, self.bias, strides=self.strides, dilation=self.dilation_rate,
                     pads=self._padding_for(x.shape[1:-1]), groups=self.groups, activation=self._fused)
        return self._finish(y)

    def _call_with_convolution_op(self, inputs):
        outputs = self.convolution_op(inputs, self.kernel)
        if self.use_bias:
            shape = [1] * (self.rank + 2)
            shape[self._channel_axis()] = self.filters
            outputs = ops.add(outputs, ops.reshape(self.bias, tuple(shape)))
        return self.activation(outputs)

    def compute_output_shape(self, input_shape):
        return self._shape_out(input_shape, self._conv_output_spatial(self._spatial(input_shape)), self.filters)

    def get_config(self):
        config = super().get_config()
        config.update(
            filters=self.filters, groups=self.groups,
            kernel_initializer=initializers.serialize(self.kernel_initializer),
            kernel_regularizer=_maybe(regularizers.serialize, self.kernel_regularizer),
            kernel_constraint=_maybe(_constraint_config, self.kernel_constraint),
        )
        return config


class Conv1D(Conv):
    """1D convolution over (batch, steps, channels); ``padding="causal"`` pads only the past."""

    rank = 1
    paddings = ("valid", "same", "causal")


class Conv2D(Conv):
    """2D convolution over (batch, rows, cols, channels)."""

    rank = 2


class Conv3D(Conv):
    """3D convolution over (batch, depth, rows, cols, channels)."""

    rank = 3


# Keras's short aliases share the class (and so its automatic name and counter).
Convolution1D, Convolution2D, Convolution3D = Conv1D, Conv2D, Conv3D
