"""Nadam: Adam with Nesterov momentum (Dozat's momentum schedule, as Keras 3)."""
import math

import numpy as np

from gradiente import backend
from gradiente.autodiff.tensor import Variable
from gradiente.optimizers.adam import update_moments
from gradiente.optimizers.optimizer import Optimizer


class Nadam(Optimizer):
    """Keras 3 rule, at step t with u_t = beta_1 * (1 - 0.5 * 0.96**t) and
    U_t = u_1 * ... * u_t (kept in the ``u_product`` variable)::

        m = m + (g - m) * (1 - beta_1);  v = v + (g² - v) * (1 - beta_2)
        m_hat = u_{t+1} * m / (1 - U_t * u_{t+1}) + (1 - u_t) * g / (1 - U_t)
        w -= lr * m_hat / (sqrt(v / (1 - beta_2**t)) + epsilon)
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1 = float(beta_1)
        self.beta_2 = float(beta_2)
        self.epsilon = float(epsilon)
        self._u_product = None

    def build(self, var_list):
        """The slots, then U_t in the first variable's dtype (floatx for an empty list), as
        Keras 3 keeps it: a float32 model's product is rounded to float32 at every step."""
        super().build(var_list)
        if self._u_product is None:
            dtype = var_list[0].dtype if var_list else backend.floatx()
            self._u_product = Variable(np.array(1.0, dtype=dtype), trainable=False, name="u_product")
            self._u_product.path = f"{self.name}/u_product"
            self._variables.append(self._u_product)

    def _slot_specs(self):
        return [("momentum", 0.0), ("velocity", 0.0)]

    def _step_coefficients(self, lr, t, dtype):
        u_t = self.beta_1 * (1.0 - 0.5 * 0.96**t)
        u_next = self.beta_1 * (1.0 - 0.5 * 0.96 ** (t + 1))
        u_prod = self._u_product.data
        u_prod[...] = u_prod * u_prod.dtype.type(u_t)
        u_prod = float(u_prod)
        return (lr * u_next / (1 - u_prod * u_next),           # multiplies m
                lr * (1 - u_t) / (1 - u_prod),                 # multiplies g
                1.0 / math.sqrt(1 - self.beta_2**t))           # sqrt(v) -> sqrt(v_hat)

    def _update_step(self, w, g, entry, coeffs):
        c_m, c_g, v_scale = coeffs
        m, v = entry.slots[0].data, entry.slots[1].data
        buf = entry.buf
        update_moments(g, m, v, buf, self.beta_1, self.beta_2)
        np.sqrt(v, out=buf)
        buf *= v_scale
        buf += self.epsilon
        step = m * c_m
        step += c_g * g
        step /= buf
        w -= step

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon})
        return config
