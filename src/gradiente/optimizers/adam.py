"""Adam and AdamW (Adam with decoupled weight decay)."""
import math

import numpy as np

from gradiente.optimizers.optimizer import Optimizer


def update_moments(g, m, v, buf, beta_1, beta_2):
    """In place: m += (g - m)(1 - beta_1) and v += (g² - v)(1 - beta_2), with ``buf`` as
    scratch (Adam's and Nadam's moment estimates)."""
    np.subtract(g, m, out=buf)
    buf *= 1 - beta_1
    m += buf
    np.multiply(g, g, out=buf)
    buf -= v
    buf *= 1 - beta_2
    v += buf


class Adam(Optimizer):
    """Adaptive moment estimation (Keras 3 rule), at step t = 1, 2, ...::

        m = m + (g - m) * (1 - beta_1)
        v = v + (g² - v) * (1 - beta_2)
        v_hat = max(v_hat, v) if amsgrad else v
        w -= lr * sqrt(1 - beta_2**t) / (1 - beta_1**t) * m / (sqrt(v_hat) + epsilon)
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 amsgrad=False, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1 = float(beta_1)
        self.beta_2 = float(beta_2)
        self.epsilon = float(epsilon)
        self.amsgrad = bool(amsgrad)

    def _slot_specs(self):
        names = ["momentum", "velocity"] + (["velocity_hat"] if self.amsgrad else [])
        return [(n, 0.0) for n in names]

    def _step_coefficients(self, lr, t, dtype):
        return lr * math.sqrt(1 - self.beta_2**t) / (1 - self.beta_1**t)

    def _update_step(self, w, g, entry, alpha):
        m, v = entry.slots[0].data, entry.slots[1].data
        buf = entry.buf
        update_moments(g, m, v, buf, self.beta_1, self.beta_2)
        if self.amsgrad:
            v_hat = entry.slots[2].data
            np.maximum(v_hat, v, out=v_hat)
            v = v_hat
        np.sqrt(v, out=buf)
        buf += self.epsilon
        np.divide(m, buf, out=buf)
        buf *= alpha
        w -= buf

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon,
                       "amsgrad": self.amsgrad})
        return config


class AdamW(Adam):
    """Adam with decoupled weight decay: before each step ``w -= lr * weight_decay * w``
    (the base optimizer's weight decay), then the Adam rule."""

    def __init__(self, learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999,
                 epsilon=1e-7, amsgrad=False, **kwargs):
        if weight_decay is None:
            raise ValueError("Argument `weight_decay` must be a float. Received: weight_decay=None")
        super().__init__(learning_rate=learning_rate, beta_1=beta_1, beta_2=beta_2,
                         epsilon=epsilon, amsgrad=amsgrad, weight_decay=weight_decay, **kwargs)
