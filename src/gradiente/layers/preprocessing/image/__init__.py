"""Keras 3's image preprocessing and augmentation layers, one per file."""
from gradiente.layers.preprocessing.image.center_crop import CenterCrop
from gradiente.layers.preprocessing.image.random_brightness import RandomBrightness
from gradiente.layers.preprocessing.image.random_contrast import RandomContrast
from gradiente.layers.preprocessing.image.random_crop import RandomCrop
from gradiente.layers.preprocessing.image.random_flip import RandomFlip
from gradiente.layers.preprocessing.image.random_rotation import RandomRotation
from gradiente.layers.preprocessing.image.random_translation import RandomTranslation
from gradiente.layers.preprocessing.image.random_zoom import RandomZoom
from gradiente.layers.preprocessing.image.resizing import Resizing

__all__ = ["CenterCrop", "RandomBrightness", "RandomContrast", "RandomCrop", "RandomFlip", "RandomRotation",
           "RandomTranslation", "RandomZoom", "Resizing"]
