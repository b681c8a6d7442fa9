"""gradiente: a Keras-compatible deep-learning library on NumPy, with its own autodiff.

``import gradiente as keras`` and Keras tutorial code runs unchanged.
"""
__version__ = "0.1.0"


def version():
    """This library's version (``__version__``), as ``keras.version()`` gives Keras's. It is
    gradiente's own release number, not a Keras one: the API followed is Keras 3's."""
    return __version__


from gradiente import backend, ops
from gradiente.autodiff import GradientTape, Tensor, Variable
from gradiente.ops import convert_to_tensor, stop_gradient
from gradiente import random
from gradiente import tree
from gradiente import activations, config, constraints, initializers, regularizers, testing, utils
from gradiente import layers, models, optimizers, losses, metrics, callbacks, datasets
from gradiente.layers import Input, Layer
from gradiente.models import Model, Sequential

__all__ = [
    "version", "backend", "ops", "GradientTape", "Tensor", "Variable", "convert_to_tensor",
    "stop_gradient", "random", "tree",
    "activations", "config", "constraints", "initializers", "regularizers", "testing", "utils", "layers",
    "models", "optimizers", "losses", "metrics", "callbacks", "datasets", "Input", "Layer",
    "Model", "Sequential",
]
