"""Type aliases for the public API's annotations (issue 18), so a type checker or an IDE can
tell ``Dense(units="ten")`` from ``Dense(10)``.

The library's modules import these only under ``TYPE_CHECKING`` (with ``from __future__
import annotations``), so they cost nothing at run time. They describe what the code
accepts, which is what Keras documents: a string name, a config dict or an object/callable.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Dict, Optional, Sequence, Tuple, Union

if TYPE_CHECKING:
    from gradiente.optimizers import Optimizer

# An input shape without the batch axis: ``(28, 28)``, ``(None, 8)``, ``[784]``.
Shape = Sequence[Optional[int]]
# ``kernel_size=3``, ``strides=(2, 2)``: one int for every spatial axis, or one per axis.
IntOrTuple = Union[int, Sequence[int]]
# ``"relu"``, ``keras.activations.relu``, any callable on a tensor; None: linear.
ActivationArg = Union[str, Callable[..., Any], None]
# ``"glorot_uniform"``, ``{"class_name": ..., "config": ...}``, an Initializer or a callable.
InitializerArg = Union[str, Dict[str, Any], Callable[..., Any]]
# Regularizers and constraints as initializers, or None for none.
RegularizerArg = Union[str, Dict[str, Any], Callable[..., Any], None]
ConstraintArg = Union[str, Dict[str, Any], Callable[..., Any], None]
# ``compile``'s optimizer (``"sgd"``, an Optimizer, a config dict), loss (a name, a Loss or a
# function; one per output in a list or dict) and metrics (a list, or a dict per output).
OptimizerArg = Union[str, "Optimizer", Dict[str, Any]]
LossArg = Union[str, Callable[..., Any], Sequence[Any], Dict[str, Any], None]
MetricsArg = Union[Sequence[Any], Dict[str, Any], None]
# ``fit``'s ``verbose``: "auto", 0 (silent), 1 (progress bar) or 2 (one line per epoch).
Verbose = Union[str, int]
BatchShape = Tuple[Optional[int], ...]
