"""``keras.ops.math`` as in Keras 3's ``keras/src/ops/math.py`` (segment reductions, top_k,
Fourier transforms, erf and friends), the same objects as at ``keras.ops`` top level.

Keras 3's public API re-exports these at ``keras.ops`` only; this module is where
``from keras.ops import math`` finds them. The elementwise arithmetic that used to live in
this file is ``ops.arithmetic``.
"""
from gradiente.ops.namespaces import namespace as _namespace

# Keras 3's names in this namespace, in its alphabetical order.
KERAS_NAMES = (
    "cdist", "erf", "erfc", "erfinv", "extract_sequences", "fft", "fft2", "gammainc", "ifft2",
    "in_top_k", "irfft", "istft", "logdet", "logsumexp", "rfft", "rsqrt", "segment_max",
    "segment_min", "segment_prod", "segment_sum", "stft", "top_k", "view_as_complex",
    "view_as_real",
)

__getattr__, __dir__ = _namespace(__name__, KERAS_NAMES)
