"""An optimizer's learning rate: a constant (kept in a Variable, so it is saved and can be
set), a ``LearningRateSchedule`` of the step count, or a callable of no argument.

``LearningRateHandling`` is a mixin of ``Optimizer`` (optimizers/optimizer.py).
"""
import numpy as np

from gradiente import backend
from gradiente.autodiff.tensor import Tensor, Variable
from gradiente.optimizers import schedules as _schedules


class LearningRate(float):
    """The current learning rate: a Python float that also answers the calls Keras code
    makes on its learning-rate variable (``assign``, ``numpy``)."""

    def __new__(cls, value, optimizer):
        obj = float.__new__(cls, value)
        obj._optimizer = optimizer
        return obj

    def assign(self, value):
        self._optimizer.learning_rate = value
        return self._optimizer.learning_rate

    def numpy(self):
        return np.asarray(float(self), dtype=backend.float_dtype())


class LearningRateHandling:
    """``learning_rate`` (and tf.keras 2's ``lr``): read, set, and its value at this step."""

    def _set_learning_rate(self, value):
        if isinstance(value, _schedules.LearningRateSchedule) or (
                callable(value) and not isinstance(value, (Tensor, np.ndarray))):
            if self._lr_var is not None and self._lr_var in getattr(self, "_variables", ()):
                self._variables.remove(self._lr_var)
            self._lr_source = value
            self._lr_var = None
            return
        if isinstance(value, Tensor):
            value = value.data
        if not _is_number(value) or not np.ndim(value) == 0:
            raise ValueError(
                "Argument `learning_rate` should be a float, an instance of "
                "LearningRateSchedule, or a callable (that takes in the current iteration "
                f"value and returns the corresponding learning rate value). Received instead: "
                f"learning_rate={value!r}"
            )
        if not np.isfinite(value):
            raise ValueError(
                f"Argument `learning_rate` must be a finite number; received learning_rate={value!r}."
            )
        if self._lr_source is not None and isinstance(self._lr_source, _schedules.LearningRateSchedule):
            raise TypeError(
                "This optimizer was created with a `LearningRateSchedule` object as its "
                "`learning_rate` constructor argument, hence its learning rate is not settable. "
                "If you need the learning rate to be settable, you should instantiate the "
                "optimizer with a float `learning_rate` argument."
            )
        if self._lr_var is None:
            self._lr_var = Variable(np.array(float(value), dtype=backend.float_dtype()),
                                    trainable=False, name="learning_rate")
            self._lr_var.path = f"{self.name}/learning_rate"
            self._lr_source = None
            if hasattr(self, "_variables"):
                self._variables.insert(1, self._lr_var)
        else:
            self._lr_var.data[...] = value

    @property
    def learning_rate(self):
        """The learning rate now: for a schedule, its value at the current step."""
        return LearningRate(self._current_learning_rate(), self)

    @learning_rate.setter
    def learning_rate(self, value):
        self._set_learning_rate(value)

    # tf.keras 2 code reads and sets ``optimizer.lr``.
    lr = learning_rate

    def _current_learning_rate(self):
        if self._lr_var is not None:
            return float(self._lr_var.data)
        if isinstance(self._lr_source, _schedules.LearningRateSchedule):
            return float(self._lr_source(int(self._iterations.data)))
        return float(self._lr_source())


# Also checks the clipping and weight-decay arguments (optimizer.py).
def _is_number(value):
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool) or (
        isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "iuf")
