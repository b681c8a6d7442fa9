"""Tensors, Variables and reverse-mode differentiation (GradientTape)."""
from gradiente.autodiff.tensor import Tensor, Variable, convert_to_tensor, to_array
from gradiente.autodiff.tape import GradientTape, stop_gradient, unbroadcast

__all__ = [
    "Tensor", "Variable", "convert_to_tensor", "to_array",
    "GradientTape", "stop_gradient", "unbroadcast",
]
