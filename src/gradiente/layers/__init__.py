"""``gradiente.layers``: the Keras layer catalogue, one concept per module."""
from gradiente.layers.layer import Layer
from gradiente.layers.input_spec import InputSpec
from gradiente.layers.node import KerasTensor
from gradiente.layers.input_layer import Input, InputLayer
from gradiente.layers.dense import Dense
from gradiente.layers.activation_layers import ELU, PReLU, ReLU, Activation, LeakyReLU, Softmax
from gradiente.layers.reshaping import Flatten, Permute, RepeatVector, Reshape
from gradiente.layers.dropout import Dropout
from gradiente.layers.merging import (
    Add, Average, Maximum, Minimum, Multiply, Subtract, add, average, maximum, minimum, multiply, subtract,
)
from gradiente.layers.merging_axes import Concatenate, Dot, concatenate, dot
from gradiente.layers.identity import Identity
from gradiente.layers.convolutional import (
    Conv1D, Conv1DTranspose, Conv2D, Conv2DTranspose, Conv3D, Conv3DTranspose, Convolution1D,
    Convolution2D, Convolution2DTranspose, Convolution3D, DepthwiseConv1D, DepthwiseConv2D,
    SeparableConv1D, SeparableConv2D, SeparableConvolution2D,
)
from gradiente.layers.pooling import (
    AveragePooling1D, AveragePooling2D, AveragePooling3D, AvgPool1D, AvgPool2D, AvgPool3D,
    GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalAveragePooling3D, GlobalAvgPool1D,
    GlobalAvgPool2D, GlobalAvgPool3D, GlobalMaxPool1D, GlobalMaxPool2D, GlobalMaxPool3D,
    GlobalMaxPooling1D, GlobalMaxPooling2D, GlobalMaxPooling3D, MaxPool1D, MaxPool2D, MaxPool3D,
    MaxPooling1D, MaxPooling2D, MaxPooling3D,
)
from gradiente.layers.spatial import (
    Cropping1D, Cropping2D, Cropping3D, UpSampling1D, UpSampling2D, UpSampling3D, ZeroPadding1D,
    ZeroPadding2D, ZeroPadding3D,
)
from gradiente.layers.normalization import (BatchNormalization, GroupNormalization, LayerNormalization,
                                           RMSNormalization)
from gradiente.layers.unit_normalization import UnitNormalization
from gradiente.layers.attention import AdditiveAttention, Attention
from gradiente.layers.noise import AlphaDropout, GaussianDropout, GaussianNoise, SpatialDropout1D, SpatialDropout2D
from gradiente.layers.embedding import Embedding
from gradiente.layers.einsum_dense import EinsumDense
from gradiente.layers.attention.multi_head_attention import MultiHeadAttention
from gradiente.layers.attention.grouped_query_attention import GroupQueryAttention
from gradiente.layers.masking import Masking
from gradiente.layers.recurrent import (GRU, GRUCell, LSTM, LSTMCell, RNN, SimpleRNN, SimpleRNNCell,
                                       StackedRNNCells)
from gradiente.layers.wrappers import Bidirectional, TimeDistributed
from gradiente.layers.lambda_layer import Lambda
from gradiente.layers.preprocessing import Normalization, Rescaling
from gradiente.layers.preprocessing import (CategoryEncoding, Discretization, Hashing, IntegerLookup,
                                           StringLookup, TextVectorization)
from gradiente.layers.preprocessing import (CenterCrop, RandomBrightness, RandomContrast, RandomCrop, RandomFlip,
                                           RandomRotation, RandomTranslation, RandomZoom, Resizing)
from gradiente.layers.serialization import deserialize, serialize

# Not a Keras name: the layer that records a keras.ops call on KerasTensors in a graph. The
# import registers it with gradiente.ops (x + y on KerasTensors needs it).
from gradiente.layers import op_layer as _op_layer  # noqa: E402
