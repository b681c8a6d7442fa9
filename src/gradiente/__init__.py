"""gradiente: a Keras-compatible deep-learning library on NumPy, with its own autodiff.

``import gradiente as keras`` and Keras tutorial code runs unchanged.
"""
__version__ = "0.1.0"

from gradiente import backend, ops
from gradiente.autodiff import GradientTape, Tensor, Variable
from gradiente.ops import convert_to_tensor, stop_gradient
from gradiente import testing, utils
