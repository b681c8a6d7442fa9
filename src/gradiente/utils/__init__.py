"""``gradiente.utils``: seeding, label encoding, data sets as batches, progress bars, image files."""
from gradiente.backend import set_random_seed
from gradiente.utils.data import (
    PyDataset, Sequence, normalize, pack_x_y_sample_weight, to_categorical, train_validation_split,
    unpack_x_y_sample_weight,
)
from gradiente.utils.sequence_utils import pad_sequences


def __getattr__(name):
    # The progress bar lives with the callbacks; import it only when asked for.
    if name == "Progbar":
        from gradiente.callbacks.progbar import Progbar

        return Progbar
    # Keras 3 also exports the custom-object registry here; saving sits above utils.
    if name in _SAVING_NAMES:
        import gradiente.saving

        return getattr(gradiente.saving, name)
    # Dataset makers and get_file load their modules (and gradiente.data) only when asked for.
    if name in _DATASET_NAMES:
        import importlib

        return getattr(importlib.import_module(_DATASET_NAMES[name]), name)
    # The image helpers import Pillow (optional) only when called.
    if name in _IMAGE_NAMES:
        from gradiente.utils import image_utils

        return getattr(image_utils, name)
    raise AttributeError(f"module 'gradiente.utils' has no attribute {name!r}")


_SAVING_NAMES = ("CustomObjectScope", "custom_object_scope", "get_custom_objects", "get_registered_name",
                 "get_registered_object", "register_keras_serializable", "serialize_keras_object",
                 "deserialize_keras_object")
_DATASET_NAMES = {
    "timeseries_dataset_from_array": "gradiente.utils.timeseries_dataset_utils",
    "image_dataset_from_directory": "gradiente.utils.image_dataset_utils",
    "text_dataset_from_directory": "gradiente.utils.text_dataset_utils",
    "split_dataset": "gradiente.utils.dataset_utils",
    "get_file": "gradiente.utils.file_utils",
}
_IMAGE_NAMES = ("array_to_img", "img_to_array", "load_img", "save_img")


# Pictures and the learning-rate sweep import matplotlib (optional) only when called.
def plot_model(model, to_file="model.png", **kwargs):
    """Draw the model's layer graph to ``to_file`` (PNG/SVG); see gradiente.visualization."""
    from gradiente.visualization.model_diagram import plot_model as draw

    return draw(model, to_file, **kwargs)


def plot_history(history, path=None, **kwargs):
    """Learning curves of ``model.fit``'s History; see gradiente.visualization."""
    from gradiente.visualization.history_plot import plot_history as draw

    return draw(history, path, **kwargs)


def find_learning_rate(model, x, y, min_lr=1e-6, max_lr=10.0, steps=200, batch_size=32, **kwargs):
    """Learning-rate range test: returns (lrs, losses, suggested rate); see utils/lr_finder.py."""
    from gradiente.utils.lr_finder import find_learning_rate as sweep

    return sweep(model, x, y, min_lr=min_lr, max_lr=max_lr, steps=steps, batch_size=batch_size, **kwargs)
