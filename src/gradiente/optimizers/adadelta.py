"""Adadelta: steps scaled by the ratio of running RMS of updates and of gradients."""
import numpy as np

from gradiente.optimizers.optimizer import Optimizer


class Adadelta(Optimizer):
    """Keras 3 rule, with rms(x) = sqrt(x + epsilon)::

        G = rho * G + (1 - rho) * g²
        delta = -rms(D) * g / rms(G)
        D = rho * D + (1 - rho) * delta²
        w += lr * delta
    """

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.rho = float(rho)
        self.epsilon = float(epsilon)

    def _slot_specs(self):
        return [("accumulated_grad", 0.0), ("accumulated_delta_var", 0.0)]

    def _update_step(self, w, g, entry, lr):
        rho, eps = self.rho, self.epsilon
        acc_g, acc_d = entry.slots[0].data, entry.slots[1].data
        buf = entry.buf
        acc_g *= rho
        acc_g += (1 - rho) * (g * g)
        # A new array even for a 0-d variable (where np.add would return a NumPy scalar,
        # which cannot take the in-place steps below).
        delta = np.add(acc_d, eps, out=np.empty_like(acc_d))
        np.sqrt(delta, out=delta)
        delta *= g
        np.add(acc_g, eps, out=buf)
        np.sqrt(buf, out=buf)
        delta /= buf
        np.negative(delta, out=delta)
        acc_d *= rho
        np.multiply(delta, delta, out=buf)
        buf *= 1 - rho
        acc_d += buf
        delta *= lr
        w += delta

    def get_config(self):
        config = super().get_config()
        config.update({"rho": self.rho, "epsilon": self.epsilon})
        return config
