"""``keras.preprocessing``: where Keras 3 also exports the dataset makers and the image and
sequence helpers (keras-io's weather tutorial calls
``keras.preprocessing.timeseries_dataset_from_array``). The same functions as
``gradiente.utils``; the dataset makers load their modules only when asked for."""
from gradiente import utils as _utils
from gradiente.preprocessing import image, sequence

_DATASET_NAMES = ("image_dataset_from_directory", "text_dataset_from_directory", "timeseries_dataset_from_array")

__all__ = ["image", "sequence", *_DATASET_NAMES]


def __getattr__(name):
    if name in _DATASET_NAMES:
        return getattr(_utils, name)
    raise AttributeError(f"module 'gradiente.preprocessing' has no attribute {name!r}")
