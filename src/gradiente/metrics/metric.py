"""The Metric base class: state in Variables, ``update_state`` / ``result`` / ``reset_state``.

Metrics are not differentiated: built-in ones turn their inputs (Tensors or arrays) into
NumPy arrays and update their state with a few vectorised calls, cheap enough for every
batch. ``result()`` returns a Python float.
"""
import numpy as np

from gradiente import backend, initializers
from gradiente.autodiff.tensor import Tensor, Variable
from gradiente.utils import naming


class Metric:
    """Base class: subclasses create state with ``add_variable`` in ``__init__`` and
    implement ``update_state(y_true, y_pred, sample_weight=None)`` and ``result()``."""

    def __init__(self, name=None, dtype=None):
        self.name = name or naming.auto_name(type(self).__name__)
        self._dtype = backend.standardize_dtype(dtype)
        self._variables = []

    @property
    def dtype(self):
        return self._dtype.name

    @property
    def variables(self):
        """The state variables, in creation order."""
        return list(self._variables)

    def add_variable(self, shape=(), initializer="zeros", dtype=None, aggregation="sum", name=None):
        """A non-trainable state Variable of ``shape``, tracked in ``variables``."""
        init = initializers.get(initializer)
        dtype = backend.standardize_dtype(dtype or self._dtype)
        variable = Variable(init, trainable=False, name=name, dtype=dtype, shape=tuple(shape))
        variable.path = f"{self.name}/{variable.name}"
        self._variables.append(variable)
        return variable

    def add_weight(self, name=None, shape=(), initializer="zeros", dtype=None, aggregation="sum"):
        return self.add_variable(shape=shape, initializer=initializer, dtype=dtype,
                                 aggregation=aggregation, name=name)

    def update_state(self, *args, **kwargs):  # pragma: no cover - abstract
        raise NotImplementedError("Metric subclasses implement update_state (abstract)")

    def result(self):  # pragma: no cover - abstract
        raise NotImplementedError("Metric subclasses implement result (abstract)")

    def reset_state(self):
        """Set every state variable back to zero."""
        for variable in self._variables:
            variable.data[...] = 0

    def reset_states(self):  # tf.keras 2 name
        self.reset_state()

    def __call__(self, *args, **kwargs):
        """Update with one batch and return the running result."""
        self.update_state(*args, **kwargs)
        return self.result()

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name!r}>"


def to_array(x, dtype=None):
    """The NumPy array behind a Tensor, array, list or scalar (no copy when possible)."""
    arr = x.data if isinstance(x, Tensor) else np.asarray(x)
    return arr if dtype is None or arr.dtype == dtype else arr.astype(dtype)


def squeeze_or_expand(x1, x2):
    """NumPy twin of ``losses.loss.squeeze_or_expand_to_same_rank``: (N,) against (N, 1)
    becomes (N, 1) for both; deeper ranks drop the trailing size-1 axis instead."""
    r1, r2 = x1.ndim, x2.ndim
    if r1 == r2 + 1 and x1.shape[-1] == 1:
        if r2 == 1:
            x2 = x2[:, None]
        else:
            x1 = x1[..., 0]
    elif r2 == r1 + 1 and x2.shape[-1] == 1:
        if r1 == 1:
            x1 = x1[:, None]
        else:
            x2 = x2[..., 0]
    return x1, x2


def weights_like(sample_weight, shape, dtype):
    """Sample weights (batch,) or (batch, 1) broadcast to ``shape`` (batch, ...)."""
    w = to_array(sample_weight, dtype)
    if w.ndim == len(shape) + 1 and w.shape[-1] == 1:
        w = w[..., 0]
    while 0 < w.ndim < len(shape):
        w = w[..., None]
    try:
        return np.broadcast_to(w, shape)
    except ValueError:
        raise ValueError(
            f"sample_weight of shape {np.shape(sample_weight)} does not match values of shape "
            f"{tuple(shape)}: give one weight per sample (batch,)."
        ) from None
