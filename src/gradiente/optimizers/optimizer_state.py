"""An optimizer's state: the per-variable slots made when it first sees a variable, the
list of all its Variables (iteration, learning rate, slots) and their saving, and the
weight-decay exclusions chosen per variable.

``OptimizerState`` is a mixin of ``Optimizer`` (optimizers/optimizer.py).
"""
import re
import warnings

import numpy as np

from gradiente.autodiff.tensor import Variable


class _Entry:
    """What the update loop needs for one variable, found once instead of per step."""

    __slots__ = ("var", "slots", "buf", "decay", "average", "accumulator")

    def __init__(self, var, slots, decay, average, accumulator):
        self.var = var
        self.slots = slots
        self.buf = np.empty_like(var.data)
        self.decay = decay
        self.average = average
        self.accumulator = accumulator


class OptimizerState:
    """``variables``, ``get_weights`` / ``set_weights``, ``save_own_variables`` /
    ``load_own_variables``, ``exclude_from_weight_decay``, ``build`` and Keras 3's
    ``add_variable`` API for optimizers written by users."""

    @property
    def variables(self):
        """The optimizer's state, in a stable order: iteration, learning rate, then slots."""
        return list(self._variables)

    def get_weights(self):
        return [v.numpy().copy() for v in self._variables]

    def set_weights(self, weights):
        if len(weights) != len(self._variables):
            raise ValueError(
                f"Optimizer {self.name!r} has {len(self._variables)} variables, but "
                f"{len(weights)} weights were given. Call optimizer.build(variables) first "
                "so its slots exist."
            )
        for variable, value in zip(self._variables, weights):
            variable.assign(value)

    def save_own_variables(self, store):
        for i, variable in enumerate(self._variables):
            store[str(i)] = variable.numpy()

    def load_own_variables(self, store):
        if len(store.keys()) != len(self._variables):
            warnings.warn(
                f"Skipping variable loading for optimizer '{self.name}', because it has "
                f"{len(self._variables)} variables whereas the saved optimizer has "
                f"{len(store.keys())} variables.", stacklevel=2,
            )
            return
        for i, variable in enumerate(self._variables):
            variable.assign(store[str(i)])

    def exclude_from_weight_decay(self, var_list=None, var_names=None):
        """Skip weight decay for these variables, or those whose name contains one of
        ``var_names``. Call before the first step."""
        if self.built:
            raise ValueError("`exclude_from_weight_decay()` can only be configured before "
                             "the optimizer is built.")
        self._exclude_ids = {id(v) for v in (var_list or ())}
        self._exclude_pattern = re.compile("|".join(map(re.escape, var_names))) if var_names else None

    # --- slots ------------------------------------------------------------------------
    def build(self, var_list):
        """Create the slots of every variable not seen before, in list order."""
        for var in var_list:
            if id(var) not in self._entries:
                self._add_entry(var)
        self.built = True

    def _add_entry(self, var):
        if not isinstance(var, Variable):
            raise TypeError(
                f"{type(self).__name__} can only update Variables, received "
                f"{type(var).__name__}. Pass model.trainable_variables (or Variables you created)."
            )
        slots = tuple(self._add_slot(var, name, value) for name, value in self._slot_specs())
        average = self._add_slot(var, "average", None) if self.use_ema else None
        accumulator = (self._add_slot(var, "gradient_accumulator", 0.0)
                       if self.gradient_accumulation_steps else None)
        decay = self.weight_decay is not None and self._use_weight_decay(var)
        entry = _Entry(var, slots, decay, average, accumulator)
        self._positions[id(var)] = len(self._entries)
        self._entries[id(var)] = entry
        return entry

    def _slot_specs(self):
        """(name, initial value) of each per-variable slot; subclasses may override."""
        return [(name, 0.0) for name in self._slot_names]

    def _add_slot(self, var, name, value):
        path = getattr(var, "path", None) or var.name
        init = var.data.copy() if value is None else np.full(var.shape, value, dtype=var.dtype)
        slot = Variable(init, trainable=False, name=path.replace("/", "_") + "_" + name)
        slot.path = f"{self.name}/{slot.name}"
        self._variables.append(slot)
        return slot

    def _use_weight_decay(self, var):
        if id(var) in self._exclude_ids:
            return False
        return not (self._exclude_pattern is not None and self._exclude_pattern.search(var.name))

    # Keras 3's API for optimizers written by users: build() makes slots with these, and
    # update_step(gradient, variable, learning_rate) does the rule with ops on tensors.
    def add_variable(self, shape, initializer="zeros", dtype=None, aggregation="mean", name=None):
        from gradiente import initializers

        variable = Variable(initializers.get(initializer), trainable=False, name=name,
                            dtype=dtype, shape=tuple(shape))
        variable.path = f"{self.name}/{variable.name}"
        self._variables.append(variable)
        return variable

    def add_variable_from_reference(self, reference_variable, name=None, initializer="zeros"):
        base = (getattr(reference_variable, "path", None) or reference_variable.name).replace("/", "_")
        return self.add_variable(reference_variable.shape, initializer=initializer,
                                 dtype=reference_variable.dtype, name=f"{base}_{name or 'var'}")

    def _get_variable_index(self, variable):
        return self._positions[id(variable)]

    def assign(self, variable, value):
        variable.assign(value)

    def assign_add(self, variable, value):
        variable.assign_add(value)

    def assign_sub(self, variable, value):
        variable.assign_sub(value)
