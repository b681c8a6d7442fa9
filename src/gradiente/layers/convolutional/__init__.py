"""Convolution layers: Conv1D/2D/3D, their transposes, depthwise and separable convolutions.

All compute channels_last (batch, *spatial, channels); ``data_format="channels_first"``
inputs are transposed in and out. Kernels use Keras's layouts: Conv (*k, C/groups, filters),
ConvTranspose (*k, filters, C), Depthwise (*k, C, depth_multiplier).

The package, as Keras groups it: ``arguments`` (argument checks, shared with pooling and
spatial layers), ``spatial_input_spec``, ``base_conv`` (what every convolution shares),
``conv``, ``conv_transpose``, ``depthwise_conv``, ``separable_conv``.
"""
from gradiente.layers.convolutional.arguments import (
    _SPATIAL, _positive_int, layout, normalize_data_format, normalize_padding, normalize_tuple,
)
from gradiente.layers.convolutional.base_conv import _ConvBase
from gradiente.layers.convolutional.conv import Conv, Conv1D, Conv2D, Conv3D, Convolution1D, Convolution2D, Convolution3D
from gradiente.layers.convolutional.conv_transpose import (
    Conv1DTranspose, Conv2DTranspose, Conv3DTranspose, ConvTranspose, Convolution2DTranspose,
)
from gradiente.layers.convolutional.depthwise_conv import DepthwiseConv, DepthwiseConv1D, DepthwiseConv2D
from gradiente.layers.convolutional.separable_conv import (
    SeparableConv, SeparableConv1D, SeparableConv2D, SeparableConvolution2D,
)
from gradiente.layers.convolutional.spatial_input_spec import SpatialInputSpec

__all__ = [
    "Conv", "Conv1D", "Conv1DTranspose", "Conv2D", "Conv2DTranspose", "Conv3D", "Conv3DTranspose",
    "ConvTranspose", "Convolution1D", "Convolution2D", "Convolution2DTranspose", "Convolution3D",
    "DepthwiseConv", "DepthwiseConv1D", "DepthwiseConv2D", "SeparableConv", "SeparableConv1D",
    "SeparableConv2D", "SeparableConvolution2D", "SpatialInputSpec", "layout", "normalize_data_format",
    "normalize_padding", "normalize_tuple",
]
