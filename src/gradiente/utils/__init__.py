"""``gradiente.utils``: seeding, label encoding, data sets as batches, progress bars."""
from gradiente.backend import set_random_seed
from gradiente.utils.data import PyDataset, Sequence, normalize, to_categorical, train_validation_split


def __getattr__(name):
    # The progress bar lives with the callbacks; import it only when asked for.
    if name == "Progbar":
        from gradiente.callbacks.progbar import Progbar

        return Progbar
    raise AttributeError(f"module 'gradiente.utils' has no attribute {name!r}")
