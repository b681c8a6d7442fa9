"""Adagrad: per-coordinate learning rates shrinking with the sum of squared gradients."""
import numpy as np

from gradiente.optimizers.optimizer import Optimizer


class Adagrad(Optimizer):
    """Keras 3 rule: ``acc += g²`` (acc starts at ``initial_accumulator_value``), then
    ``w -= lr * g / sqrt(acc + epsilon)``."""

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.initial_accumulator_value = float(initial_accumulator_value)
        self.epsilon = float(epsilon)

    def _slot_specs(self):
        return [("accumulator", self.initial_accumulator_value)]

    def _update_step(self, w, g, entry, lr):
        acc = entry.slots[0].data
        buf = entry.buf
        np.multiply(g, g, out=buf)
        acc += buf
        np.add(acc, self.epsilon, out=buf)
        np.sqrt(buf, out=buf)
        np.divide(g, buf, out=buf)
        buf *= lr
        w -= buf

    def get_config(self):
        config = super().get_config()
        config.update({"initial_accumulator_value": self.initial_accumulator_value,
                       "epsilon": self.epsilon})
        return config
