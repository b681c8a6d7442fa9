"""``gradiente.layers``: the Keras layer catalogue, one concept per module.

Names load on first use (issue 18): ``layers.Dense`` imports ``gradiente.layers.dense`` and
what it needs, not the whole catalogue. ``_EXPORTS`` says which module holds each name; a new
layer must be added there (tests/test_import.py fails on a public Layer subclass that is
neither exported nor listed as internal). Code that enumerates the layers calls
``load_all()`` ({name: object} of every exported name).
"""
from gradiente import _lazy

# typing.TYPE_CHECKING without importing typing; mypy reads this name as True.
TYPE_CHECKING = False

_EXPORTS = {
    "gradiente.layers.layer": ("Layer",),
    "gradiente.layers.input_spec": ("InputSpec",),
    "gradiente.layers.node": ("KerasTensor",),
    "gradiente.layers.input_layer": ("Input", "InputLayer"),
    "gradiente.layers.dense": ("Dense",),
    "gradiente.layers.activation_layers": ("ELU", "PReLU", "ReLU", "Activation", "LeakyReLU", "Softmax"),
    "gradiente.layers.reshaping": ("Flatten", "Permute", "RepeatVector", "Reshape"),
    "gradiente.layers.dropout": ("Dropout",),
    "gradiente.layers.merging": ("Add", "Average", "Maximum", "Minimum", "Multiply", "Subtract", "add", "average",
                                 "maximum", "minimum", "multiply", "subtract"),
    "gradiente.layers.merging_axes": ("Concatenate", "Dot", "concatenate", "dot"),
    "gradiente.layers.identity": ("Identity",),
    "gradiente.layers.convolutional.conv": ("Conv1D", "Conv2D", "Conv3D", "Convolution1D", "Convolution2D",
                                            "Convolution3D"),
    "gradiente.layers.convolutional.conv_transpose": ("Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose",
                                                      "Convolution2DTranspose"),
    "gradiente.layers.convolutional.depthwise_conv": ("DepthwiseConv1D", "DepthwiseConv2D"),
    "gradiente.layers.convolutional.separable_conv": ("SeparableConv1D", "SeparableConv2D",
                                                      "SeparableConvolution2D"),
    "gradiente.layers.pooling": (
        "AveragePooling1D", "AveragePooling2D", "AveragePooling3D", "AvgPool1D", "AvgPool2D", "AvgPool3D",
        "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalAveragePooling3D", "GlobalAvgPool1D",
        "GlobalAvgPool2D", "GlobalAvgPool3D", "GlobalMaxPool1D", "GlobalMaxPool2D", "GlobalMaxPool3D",
        "GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalMaxPooling3D", "MaxPool1D", "MaxPool2D", "MaxPool3D",
        "MaxPooling1D", "MaxPooling2D", "MaxPooling3D",
    ),
    "gradiente.layers.spatial": ("Cropping1D", "Cropping2D", "Cropping3D", "UpSampling1D", "UpSampling2D",
                                 "UpSampling3D", "ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D"),
    "gradiente.layers.normalization": ("BatchNormalization", "GroupNormalization", "LayerNormalization",
                                       "RMSNormalization"),
    "gradiente.layers.unit_normalization": ("UnitNormalization",),
    "gradiente.layers.attention.attention": ("Attention",),
    "gradiente.layers.attention.additive_attention": ("AdditiveAttention",),
    "gradiente.layers.attention.multi_head_attention": ("MultiHeadAttention",),
    "gradiente.layers.attention.grouped_query_attention": ("GroupQueryAttention",),
    "gradiente.layers.noise": ("AlphaDropout", "GaussianDropout", "GaussianNoise", "SpatialDropout1D",
                               "SpatialDropout2D"),
    "gradiente.layers.embedding": ("Embedding",),
    "gradiente.layers.einsum_dense": ("EinsumDense",),
    "gradiente.layers.masking": ("Masking",),
    "gradiente.layers.recurrent.cells": ("GRUCell", "LSTMCell", "SimpleRNNCell"),
    "gradiente.layers.recurrent.named_layers": ("GRU", "LSTM", "SimpleRNN"),
    "gradiente.layers.recurrent.rnn": ("RNN",),
    "gradiente.layers.recurrent.stacked": ("StackedRNNCells",),
    "gradiente.layers.wrappers": ("Bidirectional", "TimeDistributed"),
    "gradiente.layers.lambda_layer": ("Lambda",),
    "gradiente.layers.preprocessing.normalization": ("Normalization",),
    "gradiente.layers.preprocessing.rescaling": ("Rescaling",),
    "gradiente.layers.preprocessing.category_encoding": ("CategoryEncoding",),
    "gradiente.layers.preprocessing.discretization": ("Discretization",),
    "gradiente.layers.preprocessing.hashing": ("Hashing",),
    "gradiente.layers.preprocessing.integer_lookup": ("IntegerLookup",),
    "gradiente.layers.preprocessing.string_lookup": ("StringLookup",),
    "gradiente.layers.preprocessing.text_vectorization": ("TextVectorization",),
    "gradiente.layers.preprocessing.image.center_crop": ("CenterCrop",),
    "gradiente.layers.preprocessing.image.random_brightness": ("RandomBrightness",),
    "gradiente.layers.preprocessing.image.random_contrast": ("RandomContrast",),
    "gradiente.layers.preprocessing.image.random_crop": ("RandomCrop",),
    "gradiente.layers.preprocessing.image.random_flip": ("RandomFlip",),
    "gradiente.layers.preprocessing.image.random_rotation": ("RandomRotation",),
    "gradiente.layers.preprocessing.image.random_translation": ("RandomTranslation",),
    "gradiente.layers.preprocessing.image.random_zoom": ("RandomZoom",),
    "gradiente.layers.preprocessing.image.resizing": ("Resizing",),
    "gradiente.layers.serialization": ("deserialize", "serialize"),
}
__getattr__, __dir__, __all__, load_all = _lazy.exports(globals(), _EXPORTS)

# Not a Keras name: the layer that records a keras.ops call on KerasTensors in a graph. The
# import registers it with gradiente.ops (x + y on KerasTensors needs it); it loads only
# Layer and KerasTensor, which any use of this package needs anyway.
from gradiente.layers import op_layer as _op_layer  # noqa: E402

if TYPE_CHECKING:  # what a type checker (and an IDE) sees; nothing here runs
    from gradiente.layers.activation_layers import ELU, PReLU, ReLU, Activation, LeakyReLU, Softmax
    from gradiente.layers.attention.additive_attention import AdditiveAttention
    from gradiente.layers.attention.attention import Attention
    from gradiente.layers.attention.grouped_query_attention import GroupQueryAttention
    from gradiente.layers.attention.multi_head_attention import MultiHeadAttention
    from gradiente.layers.convolutional.conv import (Conv1D, Conv2D, Conv3D, Convolution1D, Convolution2D,
                                                     Convolution3D)
    from gradiente.layers.convolutional.conv_transpose import (Conv1DTranspose, Conv2DTranspose,
                                                               Conv3DTranspose, Convolution2DTranspose)
    from gradiente.layers.convolutional.depthwise_conv import DepthwiseConv1D, DepthwiseConv2D
    from gradiente.layers.convolutional.separable_conv import (SeparableConv1D, SeparableConv2D,
                                                               SeparableConvolution2D)
    from gradiente.layers.dense import Dense
    from gradiente.layers.dropout import Dropout
    from gradiente.layers.einsum_dense import EinsumDense
    from gradiente.layers.embedding import Embedding
    from gradiente.layers.identity import Identity
    from gradiente.layers.input_layer import Input, InputLayer
    from gradiente.layers.input_spec import InputSpec
    from gradiente.layers.lambda_layer import Lambda
    from gradiente.layers.layer import Layer
    from gradiente.layers.masking import Masking
    from gradiente.layers.merging import (Add, Average, Maximum, Minimum, Multiply, Subtract, add, average,
                                          maximum, minimum, multiply, subtract)
    from gradiente.layers.merging_axes import Concatenate, Dot, concatenate, dot
    from gradiente.layers.node import KerasTensor
    from gradiente.layers.noise import (AlphaDropout, GaussianDropout, GaussianNoise, SpatialDropout1D,
                                        SpatialDropout2D)
    from gradiente.layers.normalization import (BatchNormalization, GroupNormalization, LayerNormalization,
                                                RMSNormalization)
    from gradiente.layers.pooling import (
        AveragePooling1D, AveragePooling2D, AveragePooling3D, AvgPool1D, AvgPool2D, AvgPool3D,
        GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalAveragePooling3D, GlobalAvgPool1D,
        GlobalAvgPool2D, GlobalAvgPool3D, GlobalMaxPool1D, GlobalMaxPool2D, GlobalMaxPool3D,
        GlobalMaxPooling1D, GlobalMaxPooling2D, GlobalMaxPooling3D, MaxPool1D, MaxPool2D, MaxPool3D,
        MaxPooling1D, MaxPooling2D, MaxPooling3D,
    )
    from gradiente.layers.preprocessing.category_encoding import CategoryEncoding
    from gradiente.layers.preprocessing.discretization import Discretization
    from gradiente.layers.preprocessing.hashing import Hashing
    from gradiente.layers.preprocessing.image.center_crop import CenterCrop
    from gradiente.layers.preprocessing.image.random_brightness import RandomBrightness
    from gradiente.layers.preprocessing.image.random_contrast import RandomContrast
    from gradiente.layers.preprocessing.image.random_crop import RandomCrop
    from gradiente.layers.preprocessing.image.random_flip import RandomFlip
    from gradiente.layers.preprocessing.image.random_rotation import RandomRotation
    from gradiente.layers.preprocessing.image.random_translation import RandomTranslation
    from gradiente.layers.preprocessing.image.random_zoom import RandomZoom
    from gradiente.layers.preprocessing.image.resizing import Resizing
    from gradiente.layers.preprocessing.integer_lookup import IntegerLookup
    from gradiente.layers.preprocessing.normalization import Normalization
    from gradiente.layers.preprocessing.rescaling import Rescaling
    from gradiente.layers.preprocessing.string_lookup import StringLookup
    from gradiente.layers.preprocessing.text_vectorization import TextVectorization
    from gradiente.layers.recurrent.cells import GRUCell, LSTMCell, SimpleRNNCell
    from gradiente.layers.recurrent.named_layers import GRU, LSTM, SimpleRNN
    from gradiente.layers.recurrent.rnn import RNN
    from gradiente.layers.recurrent.stacked import StackedRNNCells
    from gradiente.layers.reshaping import Flatten, Permute, RepeatVector, Reshape
    from gradiente.layers.serialization import deserialize, serialize
    from gradiente.layers.spatial import (Cropping1D, Cropping2D, Cropping3D, UpSampling1D, UpSampling2D,
                                          UpSampling3D, ZeroPadding1D, ZeroPadding2D, ZeroPadding3D)
    from gradiente.layers.unit_normalization import UnitNormalization
    from gradiente.layers.wrappers import Bidirectional, TimeDistributed
