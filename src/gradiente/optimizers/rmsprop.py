"""RMSprop: divide the gradient by a running root mean square of recent gradients."""
import numpy as np

from gradiente.optimizers.optimizer import Optimizer


class RMSprop(Optimizer):
    """Keras 3 rule::

        v = rho * v + (1 - rho) * g²
        a = rho * a + (1 - rho) * g               (centered only)
        step = lr * g / sqrt(v - a² + epsilon)    (centered; else sqrt(v + epsilon))
        m = momentum * m + step; w -= m           (momentum > 0; else w -= step)
    """

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False,
                 **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.rho = float(rho)
        self.momentum = float(momentum)
        self.epsilon = float(epsilon)
        self.centered = bool(centered)

    def _slot_specs(self):
        names = ["velocity"] + (["momentum"] if self.momentum > 0 else [])
        names += ["average_gradient"] if self.centered else []
        return [(n, 0.0) for n in names]

    def _update_step(self, w, g, entry, lr):
        rho = self.rho
        slots = entry.slots
        v = slots[0].data
        buf = entry.buf
        np.multiply(g, g, out=buf)
        buf *= 1 - rho
        v *= rho
        v += buf
        if self.centered:
            a = slots[-1].data
            a *= rho
            a += (1 - rho) * g
            np.multiply(a, a, out=buf)
            np.subtract(v, buf, out=buf)
        else:
            buf[...] = v
        buf += self.epsilon
        np.sqrt(buf, out=buf)
        np.divide(g, buf, out=buf)
        buf *= lr
        if self.momentum > 0:
            m = slots[1].data
            m *= self.momentum
            m += buf
            w -= m
        else:
            w -= buf

    def get_config(self):
        config = super().get_config()
        config.update({"rho": self.rho, "momentum": self.momentum, "epsilon": self.epsilon,
                       "centered": self.centered})
        return config
