"""Stochastic gradient descent, with optional (Nesterov) momentum."""
import numpy as np

from gradiente.optimizers.optimizer import Optimizer


class SGD(Optimizer):
    """Gradient descent (Keras 3 rule).

    Without momentum: ``w -= lr * g``. With momentum ``m`` (slot, starts at 0):
    ``m = momentum * m - lr * g``, then ``w += m``, or with ``nesterov=True``
    ``w += momentum * m - lr * g``.
    """

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        if not 0 <= momentum <= 1 or isinstance(momentum, bool):
            raise ValueError(f"`momentum` must be a float between [0, 1]. Received: momentum={momentum!r}")
        self.momentum = float(momentum)
        self.nesterov = bool(nesterov)

    def _slot_specs(self):
        return [("momentum", 0.0)] if self.momentum else []

    def _step_coefficients(self, lr, step, dtype):
        # 0-d arrays of the variables' dtype: NumPy takes them faster than Python floats,
        # and this is the benchmark's hot loop; rebuilt only when the learning rate changes.
        if dtype is None:
            return lr, self.momentum
        key = (lr, self.momentum, dtype)
        cached = getattr(self, "_coefficients", None)
        if cached is None or cached[0] != key:
            cached = self._coefficients = (key, (np.array(lr, dtype=dtype), np.array(self.momentum, dtype=dtype)))
        return cached[1]

    def folded_learning_rate(self):
        # Clipping, loss scaling and accumulation read the gradients themselves; a subclass
        # may change the update. Otherwise w -= lr * g takes lr * g straight from backprop.
        if (type(self) is not SGD or self.clipnorm or self.clipvalue or self.global_clipnorm
                or self.loss_scale_factor or self.gradient_accumulation_steps):
            return None
        return self._current_learning_rate()

    def _update_step(self, w, g, entry, coeffs):
        lr, momentum = coeffs
        step = entry.buf
        np.multiply(g, lr, out=step)
        if not self.momentum:
            np.subtract(w, step, out=w)
            return
        m = entry.slots[0].data
        np.multiply(m, momentum, out=m)
        np.subtract(m, step, out=m)
        if self.nesterov:
            np.subtract(w, step, out=w)
            np.multiply(m, momentum, out=step)
            np.add(w, step, out=w)
        else:
            np.add(w, m, out=w)

    def _update_folded(self, w, step, entry, coeffs):
        # ``step`` is lr * g already: the rule above without its first multiply.
        if not self.momentum:
            np.subtract(w, step, out=w)
            return
        momentum = coeffs[1]
        m = entry.slots[0].data
        np.multiply(m, momentum, out=m)
        np.subtract(m, step, out=m)
        if self.nesterov:
            np.subtract(w, step, out=w)
            np.multiply(m, momentum, out=entry.buf)
            np.add(w, entry.buf, out=w)
        else:
            np.add(w, m, out=w)

    def get_config(self):
        config = super().get_config()
        config.update({"momentum": self.momentum, "nesterov": self.nesterov})
        return config
