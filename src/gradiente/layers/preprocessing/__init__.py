"""Preprocessing layers, one per file, grouped as Keras groups them."""
from gradiente.layers.preprocessing.category_encoding import CategoryEncoding
from gradiente.layers.preprocessing.discretization import Discretization
from gradiente.layers.preprocessing.hashing import Hashing
from gradiente.layers.preprocessing.image import (CenterCrop, RandomBrightness, RandomContrast, RandomCrop,
                                                 RandomFlip, RandomRotation, RandomTranslation, RandomZoom,
                                                 Resizing)
from gradiente.layers.preprocessing.integer_lookup import IntegerLookup
from gradiente.layers.preprocessing.normalization import Normalization
from gradiente.layers.preprocessing.rescaling import Rescaling
from gradiente.layers.preprocessing.string_lookup import StringLookup
from gradiente.layers.preprocessing.text_vectorization import TextVectorization

__all__ = ["CategoryEncoding", "Discretization", "Hashing", "IntegerLookup", "Normalization", "Rescaling",
           "StringLookup", "TextVectorization"]
__all__ += ["CenterCrop", "RandomBrightness", "RandomContrast", "RandomCrop", "RandomFlip", "RandomRotation",
            "RandomTranslation", "RandomZoom", "Resizing"]
