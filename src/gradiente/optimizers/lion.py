"""Lion (Chen et al., 2023, "Symbolic Discovery of Optimization Algorithms"): the sign of an
interpolated momentum, so every weight moves by exactly the learning rate each step."""
import numpy as np

from gradiente.optimizers.optimizer import Optimizer


class Lion(Optimizer):
    """Keras 3 rule::

        w -= lr * sign(beta_1 * m + (1 - beta_1) * g)
        m = beta_2 * m + (1 - beta_2) * g

    Its steps are larger than Adam's for the same learning rate: the paper uses one 3-10x
    smaller.
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.99, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        if not 0 < beta_1 <= 1:
            raise ValueError("Argument `beta_1` must be in the [0, 1] range. Otherwise, the optimizer "
                             f"degenerates to SignSGD. Received: beta_1={beta_1!r}.")
        self.beta_1 = float(beta_1)
        self.beta_2 = float(beta_2)

    def _slot_specs(self):
        return [("momentum", 0.0)]

    def _update_step(self, w, g, entry, lr):
        m, buf = entry.slots[0].data, entry.buf
        np.multiply(m, self.beta_1, out=buf)
        buf += (1 - self.beta_1) * g
        np.sign(buf, out=buf)
        buf *= lr
        w -= buf
        m *= self.beta_2
        m += (1 - self.beta_2) * g

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2})
        return config
