"""gradiente: a Keras-compatible deep-learning library on NumPy, with its own autodiff.

``import gradiente as keras`` and Keras tutorial code runs unchanged.

Subpackages load on first use (``keras.layers`` imports ``gradiente.layers`` the first time it
is read), so ``import gradiente`` costs almost nothing and a script pays only for what it
touches. Any module under ``gradiente/`` resolves this way, also ones added later.
"""
# typing.TYPE_CHECKING without importing typing (a few ms); mypy reads this name as True.
TYPE_CHECKING = False

__version__ = "0.1.0"


def version() -> str:
    """This library's version (``__version__``), as ``keras.version()`` gives Keras's. It is
    gradiente's own release number, not a Keras one: the API followed is Keras 3's."""
    return __version__


# Top-level names that live in a submodule: name -> module holding it. Submodules themselves
# need no entry: any public name is tried as ``gradiente.<name>``.
_ATTRIBUTES = {
    "GradientTape": "gradiente.autodiff",
    "Tensor": "gradiente.autodiff",
    "Variable": "gradiente.autodiff",
    "convert_to_tensor": "gradiente.ops",
    "stop_gradient": "gradiente.ops",
    "Input": "gradiente.layers",
    "InputSpec": "gradiente.layers",
    "KerasTensor": "gradiente.layers",
    "Layer": "gradiente.layers",
    "Model": "gradiente.models",
    "Sequential": "gradiente.models",
    "Loss": "gradiente.losses",
    "Metric": "gradiente.metrics",
    "Optimizer": "gradiente.optimizers",
    "Initializer": "gradiente.initializers",
    "Regularizer": "gradiente.regularizers",
}

__all__ = [
    "version", "backend", "ops", "GradientTape", "Tensor", "Variable", "convert_to_tensor",
    "stop_gradient", "random", "tree",
    "activations", "config", "constraints", "initializers", "regularizers", "testing", "utils", "layers",
    "models", "optimizers", "losses", "metrics", "callbacks", "datasets", "saving", "visualization",
    "Input", "InputSpec", "KerasTensor", "Layer", "Model", "Sequential", "Loss", "Metric",
    "Optimizer", "Initializer", "Regularizer",
]


def __getattr__(name: str):
    # Called only for names not yet in the module's namespace: after the first access the
    # value is stored (an imported submodule is set on its package by the import system).
    # _lazy.import_module, not importlib's: -X importtime then shows what loads here.
    from gradiente._lazy import import_module

    if name in _ATTRIBUTES:
        value = getattr(import_module(_ATTRIBUTES[name]), name)
        globals()[name] = value
        return value
    if not name.startswith("_"):
        try:
            return import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as error:
            # Only a missing gradiente.<name> means "no such attribute"; a module that exists
            # but fails to import its own dependency must say so.
            if error.name != f"{__name__}.{name}":
                raise
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    import os

    names = (set(globals()) - {"TYPE_CHECKING"}) | set(_ATTRIBUTES) | set(__all__)
    for folder in __path__:
        for entry in os.scandir(folder):
            stem = entry.name[:-3] if entry.name.endswith(".py") else entry.name
            if entry.is_dir() and not os.path.exists(os.path.join(entry.path, "__init__.py")):
                continue
            if stem.isidentifier() and not stem.startswith("_") and (entry.is_dir() or entry.name.endswith(".py")):
                names.add(stem)
    return sorted(names)


if TYPE_CHECKING:  # what a type checker (and an IDE) sees; nothing here runs
    from gradiente import (activations, backend, callbacks, config, constraints, datasets, initializers,
                           layers, losses, metrics, models, ops, optimizers, random, regularizers,
                           saving, testing, tree, utils, visualization)
    from gradiente.autodiff import GradientTape, Tensor, Variable
    from gradiente.initializers import Initializer
    from gradiente.layers import Input, InputSpec, KerasTensor, Layer
    from gradiente.losses import Loss
    from gradiente.metrics import Metric
    from gradiente.models import Model, Sequential
    from gradiente.ops import convert_to_tensor, stop_gradient
    from gradiente.optimizers import Optimizer
    from gradiente.regularizers import Regularizer
