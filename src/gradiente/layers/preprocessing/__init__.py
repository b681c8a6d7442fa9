"""Preprocessing layers, one per file, grouped as Keras groups them."""
from gradiente.layers.preprocessing.normalization import Normalization
from gradiente.layers.preprocessing.rescaling import Rescaling

__all__ = ["Normalization", "Rescaling"]
