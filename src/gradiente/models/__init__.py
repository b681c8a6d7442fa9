"""``gradiente.models``: Sequential, Functional (``Model(inputs, outputs)``) and subclassed models."""
from gradiente.models.model import Model
from gradiente.models.functional import Functional
from gradiente.models.sequential import Sequential
from gradiente.models.cloning import clone_model

# Keras's keras.models.load_model & co. live in gradiente.saving, which brings zipfile and
# json: imported when first read, so building a model does not pay for saving one.
_SAVING = ("load_model", "model_from_json", "save_model")

__all__ = ["Model", "Functional", "Sequential", "clone_model", "load_model", "model_from_json", "save_model"]


def __getattr__(name):
    if name in _SAVING:
        from gradiente.saving import api

        return getattr(api, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_SAVING))


TYPE_CHECKING = False  # typing.TYPE_CHECKING's value at run time; mypy reads it as True
if TYPE_CHECKING:
    from gradiente.saving.api import load_model, model_from_json, save_model
