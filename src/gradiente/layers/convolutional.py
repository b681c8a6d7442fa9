"""Convolution layers: Conv1D/2D/3D, their transposes, depthwise and separable convolutions.

All compute channels_last (batch, *spatial, channels); ``data_format="channels_first"``
inputs are transposed in and out. Kernels use Keras's layouts: Conv (*k, C/groups, filters),
ConvTranspose (*k, filters, C), Depthwise (*k, C, depth_multiplier).
"""
from gradiente import activations, backend, constraints, initializers, ops, regularizers
from gradiente.layers.dense import _constraint_config, _maybe
from gradiente.layers.input_spec import InputSpec
from gradiente.layers.layer import Layer
from gradiente.ops import convolution as conv_ops

_SPATIAL = {1: ("steps",), 2: ("rows", "cols"), 3: ("depth", "rows", "cols")}


# --- argument checks (shared with pooling and spatial layers) ----------------------------
def normalize_tuple(value, rank, arg, layer, allow_zero=False):
    """An int or a sequence of ``rank`` ints -> a tuple; anything else is rejected."""
    items = (value,) * rank if isinstance(value, int) and not isinstance(value, bool) else value
    try:
        items = tuple(items)
    except TypeError:
        items = ()
    least = 0 if allow_zero else 1
    if len(items) != rank or not all(isinstance(v, int) and not isinstance(v, bool) and v >= least
                                      for v in items):
        kind = "non-negative" if allow_zero else "positive"
        raise ValueError(
            f"{layer}: `{arg}` must be a {kind} integer or a tuple of {rank} {kind} integers, "
            f"received {arg}={value!r}."
        )
    return items


def normalize_padding(value, layer, allowed=("valid", "same")):
    padding = value.lower() if isinstance(value, str) else value
    if padding not in allowed:
        raise ValueError(
            f"{layer}: `padding` must be one of {', '.join(repr(a) for a in allowed)}, "
            f"received padding={value!r}."
        )
    return padding


def normalize_data_format(value, layer):
    fmt = backend.image_data_format() if value is None else value
    if fmt not in ("channels_last", "channels_first"):
        raise ValueError(
            f"{layer}: `data_format` must be 'channels_last' or 'channels_first', "
            f"received data_format={value!r}."
        )
    return fmt


def layout(rank, data_format):
    """The input layout in words, e.g. '(batch, rows, cols, channels)'."""
    names = _SPATIAL[rank]
    axes = ("channels",) + names if data_format == "channels_first" else names + ("channels",)
    return "(batch, " + ", ".join(axes) + ")"


class SpatialInputSpec(InputSpec):
    """An InputSpec for (batch, *spatial, channels) inputs. When the channel axis is
    missing, the error shows the exact Reshape / indexing that adds it."""

    __slots__ = ("channels_first", "rank")

    def __init__(self, rank, data_format, axes=None, exact=False):
        # Keras words it "expected min_ndim=4" for convolutions, "expected ndim=4" for pooling.
        bounds = dict(ndim=rank + 2) if exact else dict(min_ndim=rank + 2, max_ndim=rank + 2)
        super().__init__(axes=axes, layout=layout(rank, data_format), **bounds)
        self.channels_first = data_format == "channels_first"
        self.rank = rank

    def check(self, layer, shape, index=0):
        if len(shape) == self.rank + 1:
            dims = tuple(shape[1:])
            target = (1,) + dims if self.channels_first else dims + (1,)
            shown = "(" + ", ".join("None" if d is None else str(d) for d in target) + (",)" if len(target) == 1 else ")")
            index_fix = "x[:, None]" if self.channels_first else "x[..., None]"
            self.hint = (
                f"If each sample has a single channel, add a channel axis of size 1: put "
                f"`layers.Reshape({shown})` before this layer, or pass `{index_fix}` instead of `x`."
            )
        else:
            self.hint = None
        super().check(layer, shape, index)


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


def _positive_int(value, arg, layer):
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ValueError(f"{layer}: `{arg}` must be a positive integer, received {arg}={value!r}.")
    return value


class Conv(_ConvBase):
    """N-D convolution (cross-correlation, as Keras). (batch, *spatial, C) -> (batch, *out, filters).

    Weights: ``kernel`` (*kernel_size, C/groups, filters), ``bias`` (filters,).
    """

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, **kwargs):
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
Convolution1D, Convolution2D, Convolution3D = Conv1D, Conv2D, Conv3D
Convolution2DTranspose = Conv2DTranspose
SeparableConvolution2D = SeparableConv2D
