"""``pickle`` support for models, as Keras 3 gives it: a model pickles as the bytes of its
``.keras`` archive (architecture, weights, compile arguments, optimizer state), so
scikit-learn, joblib and multiprocessing can copy fitted models.

Unpickling runs with ``safe_mode=False``, as Keras's does: pickle itself can run any code,
so a pickle must come from a source you trust whatever this module does.
"""
import os
import tempfile


def reduce_model(model):
    """``(rebuild, (archive bytes,))`` for ``Model.__reduce__``."""
    from gradiente.saving.api import save_model

    with tempfile.TemporaryDirectory(prefix="gradiente-pickle-") as folder:
        path = os.path.join(folder, "model.keras")
        save_model(model, path)
        with open(path, "rb") as handle:
            data = handle.read()
    return unpickle_model, (data,)


def unpickle_model(data):
    """The model whose ``.keras`` archive bytes are ``data``."""
    from gradiente.saving.api import load_model

    with tempfile.TemporaryDirectory(prefix="gradiente-pickle-") as folder:
        path = os.path.join(folder, "model.keras")
        with open(path, "wb") as handle:
            handle.write(data)
        return load_model(path, compile=True, safe_mode=False)
