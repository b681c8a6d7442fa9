"""FTRL-Proximal (McMahan et al., 2013, "Ad Click Prediction: a View from the Trenches"):
follow-the-regularized-leader with per-coordinate rates, L1 making weights exactly zero."""
import numpy as np

from gradiente.optimizers.optimizer import Optimizer


class Ftrl(Optimizer):
    """Keras 3 rule, with n the accumulator (starts at ``initial_accumulator_value``), z the
    linear term (starts at 0), p = -``learning_rate_power``::

        n' = n + g²
        z += g + 2·l2_shrinkage·w - (n'^p - n^p) / lr · w
        w = (clip(z, -l1, l1) - z) / (n'^p / lr + 2·(l2 + beta / (2·lr)))
        n = n'
    """

    def __init__(self, learning_rate=0.001, learning_rate_power=-0.5, initial_accumulator_value=0.1,
                 l1_regularization_strength=0.0, l2_regularization_strength=0.0,
                 l2_shrinkage_regularization_strength=0.0, beta=0.0, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        for name, value in (("initial_accumulator_value", initial_accumulator_value),
                            ("l1_regularization_strength", l1_regularization_strength),
                            ("l2_regularization_strength", l2_regularization_strength),
                            ("l2_shrinkage_regularization_strength", l2_shrinkage_regularization_strength)):
            if value < 0:
                raise ValueError(f"`{name}` needs to be positive or zero. Received: {name}={value!r}.")
        if learning_rate_power > 0:
            raise ValueError("`learning_rate_power` needs to be negative or zero. "
                             f"Received: learning_rate_power={learning_rate_power!r}.")
        self.learning_rate_power = float(learning_rate_power)
        self.initial_accumulator_value = float(initial_accumulator_value)
        self.l1_regularization_strength = float(l1_regularization_strength)
        self.l2_regularization_strength = float(l2_regularization_strength)
        self.l2_shrinkage_regularization_strength = float(l2_shrinkage_regularization_strength)
        self.beta = float(beta)

    def _slot_specs(self):
        return [("accumulator", self.initial_accumulator_value), ("linear", 0.0)]

    def _update_step(self, w, g, entry, lr):
        n, z = entry.slots[0].data, entry.slots[1].data
        p = -self.learning_rate_power
        old_power = np.power(n, p)
        n += np.square(g)
        new_power = np.power(n, p)
        z += g
        if self.l2_shrinkage_regularization_strength:
            z += 2 * self.l2_shrinkage_regularization_strength * w
        z -= (new_power - old_power) / lr * w
        quadratic = new_power / lr + 2 * (self.l2_regularization_strength + self.beta / (2 * lr))
        l1 = self.l1_regularization_strength
        np.divide(np.clip(z, -l1, l1) - z, quadratic, out=w)

    def get_config(self):
        config = super().get_config()
        config.update({
            "learning_rate_power": self.learning_rate_power,
            "initial_accumulator_value": self.initial_accumulator_value,
            "l1_regularization_strength": self.l1_regularization_strength,
            "l2_regularization_strength": self.l2_regularization_strength,
            "l2_shrinkage_regularization_strength": self.l2_shrinkage_regularization_strength,
            "beta": self.beta,
        })
        return config
