"""Pooling layers: max/average over sliding windows, and global max/average over all
spatial positions. channels_last (batch, *spatial, channels) unless data_format says otherwise.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from gradiente import ops
from gradiente.layers.convolutional import (
    SpatialInputSpec, normalize_data_format, normalize_padding, normalize_tuple,
)
from gradiente.layers.layer import Layer
from gradiente.ops import convolution as conv_ops

if TYPE_CHECKING:
    from gradiente.hints import IntOrTuple


class Pooling(Layer):
    """Max or average over windows. (batch, *spatial, C) -> (batch, *out, C), where
    out = floor((n - pool) / stride) + 1 ('valid') or ceil(n / stride) ('same')."""
    traceable = True  # call is ops on inputs and weights only: fit may replay it
    _builds_at_init = True

    rank = None
    _primitive = None

    def __init__(self, pool_size: IntOrTuple = 2, strides: IntOrTuple | None = None, padding: str = "valid",
                 data_format: str | None = None, **kwargs: Any) -> None:
        # An int pool_size (the default, 2) is that size along every spatial axis: the 1D, 2D
        # and 3D layers share this default.
        super().__init__(**kwargs)
        cls = type(self).__name__
        self.pool_size = normalize_tuple(pool_size, self.rank, "pool_size", cls)
        self.strides = self.pool_size if strides is None else normalize_tuple(strides, self.rank, "strides", cls)
        self.padding = normalize_padding(padding, cls)
        self.data_format = normalize_data_format(data_format, cls)
        self.input_spec = SpatialInputSpec(self.rank, self.data_format, exact=True)
        self._pads = {}

    def _spatial(self, shape):
        return tuple(shape[2:]) if self.data_format == "channels_first" else tuple(shape[1:-1])

    def call(self, inputs):
        first = self.data_format == "channels_first"
        x = ops.transpose(inputs, (0,) + tuple(range(2, self.rank + 2)) + (1,)) if first else inputs
        spatial = tuple(x.shape[1:-1])
        pads = self._pads.get(spatial)
        if pads is None:
            self._check_fits(spatial)
            pads = self._pads[spatial] = conv_ops.padding_pairs(
                spatial, self.pool_size, self.strides, (1,) * self.rank, self.padding)
        y = type(self)._primitive(x, pool=self.pool_size, strides=self.strides, pads=pads)
        return ops.transpose(y, (0, self.rank + 1) + tuple(range(1, self.rank + 1))) if first else y

    def _check_fits(self, spatial):
        if self.padding == "valid" and any(n is not None and n < p for n, p in zip(spatial, self.pool_size)):
            raise ValueError(
                f"{type(self).__name__} layer '{self.name}': the pool {self.pool_size} is larger than "
                f"its input {tuple(spatial)} with padding='valid'. Use padding='same' or a smaller pool_size."
            )

    def compute_output_shape(self, input_shape):
        spatial = self._spatial(input_shape)
        self._check_fits(spatial)
        out = tuple(conv_ops.output_length(n, p, s, 1, self.padding)
                    for n, p, s in zip(spatial, self.pool_size, self.strides))
        if self.data_format == "channels_first":
            return tuple(input_shape[:2]) + out
        return (input_shape[0],) + out + (input_shape[-1],)

    def get_config(self):
        config = super().get_config()
        config.update(pool_size=self.pool_size, padding=self.padding, strides=self.strides,
                      data_format=self.data_format)
        return config


class MaxPooling1D(Pooling):
    """Max over windows of steps: (batch, steps, channels) -> (batch, steps', channels)."""

    rank = 1
    _primitive = staticmethod(conv_ops.max_pool_nd)


class MaxPooling2D(Pooling):
    """Max over windows of pixels: (batch, rows, cols, channels) -> (batch, rows', cols', channels)."""

    rank = 2
    _primitive = staticmethod(conv_ops.max_pool_nd)


class MaxPooling3D(Pooling):
    """Max over 3D windows: (batch, depth, rows, cols, channels)."""

    rank = 3
    _primitive = staticmethod(conv_ops.max_pool_nd)


# Keras 3 requires AveragePooling's pool_size; tf.keras 2 defaulted it to 2 and tutorials
# written for it omit it, so the default is kept.
class AveragePooling1D(Pooling):
    """Mean over windows of steps (padding not counted)."""

    rank = 1
    _primitive = staticmethod(conv_ops.avg_pool_nd)


class AveragePooling2D(Pooling):
    """Mean over windows of pixels (padding not counted)."""

    rank = 2
    _primitive = staticmethod(conv_ops.avg_pool_nd)


class AveragePooling3D(Pooling):
    """Mean over 3D windows (padding not counted)."""

    rank = 3
    _primitive = staticmethod(conv_ops.avg_pool_nd)


class GlobalPooling(Layer):
    """Max or mean over every spatial position: (batch, *spatial, C) -> (batch, C),
    or (batch, 1, …, 1, C) with ``keepdims=True``."""
    traceable = True  # call is ops on inputs and weights only: fit may replay it
    _builds_at_init = True

    rank = None
    _reduce = None

    def __init__(self, data_format: str | None = None, keepdims: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.data_format = normalize_data_format(data_format, type(self).__name__)
        self.keepdims = bool(keepdims)
        self.input_spec = SpatialInputSpec(self.rank, self.data_format, exact=True)
        first = self.data_format == "channels_first"
        self._axes = tuple(range(2, self.rank + 2)) if first else tuple(range(1, self.rank + 1))

    def call(self, inputs):
        return type(self)._reduce(inputs, axis=self._axes, keepdims=self.keepdims)

    def compute_output_shape(self, input_shape):
        if self.keepdims:
            return tuple(1 if i in self._axes else d for i, d in enumerate(input_shape))
        return tuple(d for i, d in enumerate(input_shape) if i not in self._axes)

    def get_config(self):
        config = super().get_config()
        config.update(data_format=self.data_format, keepdims=self.keepdims)
        return config


class GlobalMaxPooling1D(GlobalPooling):
    """Max over steps: (batch, steps, channels) -> (batch, channels)."""

    rank = 1
    _reduce = staticmethod(ops.max)


class GlobalMaxPooling2D(GlobalPooling):
    """Max over rows and cols: (batch, rows, cols, channels) -> (batch, channels)."""

    rank = 2
    _reduce = staticmethod(ops.max)


class GlobalMaxPooling3D(GlobalPooling):
    """Max over depth, rows and cols: (batch, d, rows, cols, channels) -> (batch, channels)."""

    rank = 3
    _reduce = staticmethod(ops.max)


class GlobalAveragePooling1D(GlobalPooling):
    """Mean over steps: (batch, steps, channels) -> (batch, channels). With a (batch,
    steps) mask the mean is over the unmasked steps only, and no mask is passed on."""

    rank = 1
    _reduce = staticmethod(ops.mean)
    supports_masking = True

    def call(self, inputs, mask=None):
        if mask is None:
            return ops.mean(inputs, axis=self._axes, keepdims=self.keepdims)
        # Ops on the mask Tensor, so fit's replayed step reads each batch's mask.
        keep = ops.cast(mask, "bool")
        keep = ops.expand_dims(keep, -1 if self.data_format == "channels_last" else 1)
        total = ops.sum(ops.where(keep, inputs, np.zeros((), dtype=inputs.dtype)), axis=self._axes,
                        keepdims=self.keepdims)
        count = ops.sum(ops.cast(keep, inputs.dtype), axis=self._axes, keepdims=self.keepdims)
        # A sequence with every step masked gives 0/0 = nan, as in Keras.
        with np.errstate(invalid="ignore", divide="ignore"):
            return ops.divide(total, count)

    def compute_mask(self, inputs, mask=None):
        return None


class GlobalAveragePooling2D(GlobalPooling):
    """Mean over rows and cols: (batch, rows, cols, channels) -> (batch, channels)."""

    rank = 2
    _reduce = staticmethod(ops.mean)


class GlobalAveragePooling3D(GlobalPooling):
    """Mean over depth, rows and cols: (batch, d, rows, cols, channels) -> (batch, channels)."""

    rank = 3
    _reduce = staticmethod(ops.mean)


# Keras's short aliases are the same classes, so MaxPool2D layers are named max_pooling2d.
MaxPool1D, MaxPool2D, MaxPool3D = MaxPooling1D, MaxPooling2D, MaxPooling3D
AvgPool1D, AvgPool2D, AvgPool3D = AveragePooling1D, AveragePooling2D, AveragePooling3D
GlobalMaxPool1D, GlobalMaxPool2D, GlobalMaxPool3D = GlobalMaxPooling1D, GlobalMaxPooling2D, GlobalMaxPooling3D
GlobalAvgPool1D, GlobalAvgPool2D, GlobalAvgPool3D = (
    GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalAveragePooling3D)
