"""Adamax: Adam with the infinity norm in place of the second moment."""
import numpy as np

from gradiente.optimizers.optimizer import Optimizer


class Adamax(Optimizer):
    """Keras 3 rule, at step t = 1, 2, ...::

        m = m + (g - m) * (1 - beta_1)
        u = max(beta_2 * u, |g|)
        w -= lr * m / ((1 - beta_1**t) * (u + epsilon))
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1 = float(beta_1)
        self.beta_2 = float(beta_2)
        self.epsilon = float(epsilon)

    def _slot_specs(self):
        return [("momentum", 0.0), ("norm", 0.0)]

    def _step_coefficients(self, lr, t, dtype):
        return lr / (1 - self.beta_1**t)

    def _update_step(self, w, g, entry, scale):
        m, u = entry.slots[0].data, entry.slots[1].data
        buf = entry.buf
        np.subtract(g, m, out=buf)
        buf *= 1 - self.beta_1
        m += buf
        u *= self.beta_2
        np.abs(g, out=buf)
        np.maximum(u, buf, out=u)
        np.add(u, self.epsilon, out=buf)
        np.divide(m, buf, out=buf)
        buf *= scale
        w -= buf

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon})
        return config
