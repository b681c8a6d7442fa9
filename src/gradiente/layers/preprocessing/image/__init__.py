"""Keras 3's image preprocessing and augmentation layers, one per file.

Names load on first use (issue 18): ``layers.RandomFlip`` imports random_flip.py only.
"""
from gradiente import _lazy

# typing.TYPE_CHECKING without importing typing; mypy reads this name as True.
TYPE_CHECKING = False

_EXPORTS = {
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
    from gradiente.layers.preprocessing.image.center_crop import CenterCrop
    from gradiente.layers.preprocessing.image.random_brightness import RandomBrightness
    from gradiente.layers.preprocessing.image.random_contrast import RandomContrast
    from gradiente.layers.preprocessing.image.random_crop import RandomCrop
    from gradiente.layers.preprocessing.image.random_flip import RandomFlip
    from gradiente.layers.preprocessing.image.random_rotation import RandomRotation
    from gradiente.layers.preprocessing.image.random_translation import RandomTranslation
    from gradiente.layers.preprocessing.image.random_zoom import RandomZoom
    from gradiente.layers.preprocessing.image.resizing import Resizing
