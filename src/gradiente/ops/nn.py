"""``keras.ops.nn``: Keras 3's neural-network functions (activations, convolutions and pooling,
normalizations, losses on logits, CTC), the same objects as at ``keras.ops`` top level.
"""
from gradiente.ops.namespaces import namespace as _namespace

# Keras 3's names in this namespace, in its alphabetical order.
KERAS_NAMES = (
    "adaptive_average_pool", "adaptive_max_pool", "average_pool", "batch_normalization",
    "binary_crossentropy", "categorical_crossentropy", "celu", "conv", "conv_transpose",
    "ctc_decode", "ctc_loss", "depth_to_space", "depthwise_conv", "dot_product_attention",
    "elu", "fold", "gelu", "glu", "hard_shrink", "hard_sigmoid", "hard_silu", "hard_swish",
    "hard_tanh", "layer_normalization", "leaky_relu", "log_sigmoid", "log_softmax", "max_pool",
    "moments", "multi_hot", "normalize", "one_hot", "polar", "psnr", "relu", "relu6",
    "rms_normalization", "selu", "separable_conv", "sigmoid", "silu", "swish", "soft_shrink",
    "softmax", "softplus", "softsign", "space_to_depth", "sparse_categorical_crossentropy",
    "sparse_plus", "sparse_sigmoid", "sparsemax", "squareplus", "tanh_shrink", "threshold",
    "unfold",
)

__getattr__, __dir__ = _namespace(__name__, KERAS_NAMES)
