"""``keras.ops.core`` as in Keras 3's ``keras/src/ops/core.py`` (control flow, scatter and
slice updates, casts, conversions), the same objects as at ``keras.ops`` top level.

Keras 3's public API re-exports these at ``keras.ops`` only; this module is where
``from keras.ops import core`` finds them.
"""
from gradiente.ops.namespaces import namespace as _namespace

# Keras 3's names in this namespace, in its alphabetical order.
KERAS_NAMES = (
    "associative_scan", "cast", "cond", "convert_to_numpy", "convert_to_tensor",
    "custom_gradient", "dtype", "fori_loop", "is_tensor", "map", "saturate_cast", "scan",
    "scatter", "scatter_update", "shape", "slice", "slice_update", "stop_gradient", "switch",
    "unstack", "vectorized_map", "while_loop",
)

__getattr__, __dir__ = _namespace(__name__, KERAS_NAMES)
