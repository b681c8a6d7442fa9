"""Preprocessing layers, one per file, grouped as Keras groups them.

Names load on first use (issue 18): ``layers.Rescaling`` imports rescaling.py, not the text
and image layers (hashing, lookups, image transforms). See gradiente/_lazy.py.
"""
from gradiente import _lazy

# typing.TYPE_CHECKING without importing typing; mypy reads this name as True.
TYPE_CHECKING = False

_EXPORTS = {
    "gradiente.layers.preprocessing.category_encoding": ("CategoryEncoding",),
    "gradiente.layers.preprocessing.discretization": ("Discretization",),
    "gradiente.layers.preprocessing.hashing": ("Hashing",),
    "gradiente.layers.preprocessing.integer_lookup": ("IntegerLookup",),
    "gradiente.layers.preprocessing.normalization": ("Normalization",),
    "gradiente.layers.preprocessing.rescaling": ("Rescaling",),
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
}
__getattr__, __dir__, __all__, load_all = _lazy.exports(globals(), _EXPORTS)

if TYPE_CHECKING:  # what a type checker (and an IDE) sees; nothing here runs
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
