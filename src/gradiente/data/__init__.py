"""``gradiente.data``: a small ``tf.data``-style Dataset of NumPy elements for input pipelines."""
from gradiente.data.dataset import AUTOTUNE, INFINITE, UNKNOWN, Cardinality, Dataset, TensorSpec

INFINITE_CARDINALITY = INFINITE
UNKNOWN_CARDINALITY = UNKNOWN

__all__ = ["AUTOTUNE", "Cardinality", "Dataset", "INFINITE_CARDINALITY", "TensorSpec",
           "UNKNOWN_CARDINALITY"]
