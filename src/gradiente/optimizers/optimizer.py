"""The optimizer base: clipping, weight decay, schedules, EMA, slots and the update loop.

A subclass declares its per-variable slots (``_slot_names``) and writes ``_update_step``:
the rule itself, on NumPy arrays, updating the variable in place. Everything shared lives
here, computed once per step rather than once per variable.

Hot path (``apply``): one tuple of ids finds the precomputed plan for the variable list;
per variable it is the rule's ufunc calls with ``out=`` into a buffer made once, so a
step allocates nothing and keeps the variables' dtype (Python-float scalars never upcast
a float32 array).
"""
import math
import re
import warnings

import numpy as np

from gradiente import backend
from gradiente.autodiff.tensor import Tensor, Variable
from gradiente.optimizers import schedules as _schedules
from gradiente.utils import naming

_BASE_ARGS = (
    "learning_rate", "weight_decay", "clipnorm", "clipvalue", "global_clipnorm", "use_ema",
    "ema_momentum", "ema_overwrite_frequency", "loss_scale_factor",
    "gradient_accumulation_steps", "name",
)


class LearningRate(float):
    """The current learning rate: a Python float that also answers the calls Keras code
    makes on its learning-rate variable (``assign``, ``numpy``)."""

    def __new__(cls, value, optimizer):
        obj = float.__new__(cls, value)
        obj._optimizer = optimizer
        return obj

    def assign(self, value):
        self._optimizer.learning_rate = value
        return self._optimizer.learning_rate

    def numpy(self):
        return np.asarray(float(self), dtype=backend.float_dtype())


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


class Optimizer:
    """Base class of every optimizer.

    ``Optimizer(learning_rate, weight_decay=None, clipnorm=None, clipvalue=None,
    global_clipnorm=None, use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
    loss_scale_factor=None, gradient_accumulation_steps=None, name=None)``.
    ``learning_rate`` is a float, a ``schedules.LearningRateSchedule`` (called with the
    step count) or a callable of no argument. The tf.keras 2 ``lr=`` is still accepted,
    with a warning; ``decay=`` is ignored, with a warning.
    """

    _slot_names = ()  # per-variable state, created zero-filled in this order

    def __init__(self, learning_rate, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        learning_rate = self._legacy_arguments(learning_rate, kwargs)
        given = [n for n, v in (("clipnorm", clipnorm), ("clipvalue", clipvalue),
                                ("global_clipnorm", global_clipnorm)) if v is not None]
        if len(given) > 1:
            raise ValueError(
                "Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set. "
                f"Received: clipnorm={clipnorm}, clipvalue={clipvalue}, "
                f"global_clipnorm={global_clipnorm}"
            )
        for arg, value in (("clipnorm", clipnorm), ("clipvalue", clipvalue),
                           ("global_clipnorm", global_clipnorm), ("weight_decay", weight_decay)):
            if value is not None and not (_is_number(value) and value >= 0):
                raise ValueError(
                    f"{type(self).__name__}: `{arg}` must be a non-negative number or None, "
                    f"received {arg}={value!r}."
                )
        if not 0 <= ema_momentum <= 1:
            raise ValueError(f"`ema_momentum` must be in the range [0, 1]. Received: ema_momentum={ema_momentum}")
        if ema_overwrite_frequency is not None and (
                not isinstance(ema_overwrite_frequency, int) or ema_overwrite_frequency < 1):
            raise ValueError(
                "`ema_overwrite_frequency` must be an integer >= 1 or None. "
                f"Received: ema_overwrite_frequency={ema_overwrite_frequency}"
            )
        if gradient_accumulation_steps is not None and (
                not isinstance(gradient_accumulation_steps, int) or gradient_accumulation_steps < 2):
            raise ValueError(
                "`gradient_accumulation_steps` must be an integer >= 2. "
                f"Received: gradient_accumulation_steps={gradient_accumulation_steps}"
            )
        self.name = name or naming.auto_name(type(self).__name__)
        self.weight_decay = None if weight_decay is None else float(weight_decay)
        self.clipnorm = None if clipnorm is None else float(clipnorm)
        self.clipvalue = None if clipvalue is None else float(clipvalue)
        self.global_clipnorm = None if global_clipnorm is None else float(global_clipnorm)
        self.use_ema = bool(use_ema)
        self.ema_momentum = float(ema_momentum)
        self.ema_overwrite_frequency = ema_overwrite_frequency
        self.loss_scale_factor = loss_scale_factor
        self.gradient_accumulation_steps = gradient_accumulation_steps

        self._iterations = Variable(np.array(0, dtype=np.int64), trainable=False, name="iteration")
        self._iterations.path = f"{self.name}/iteration"
        self._lr_var = None
        self._lr_source = None  # a schedule or a callable when the rate is not a constant
        self._set_learning_rate(learning_rate)

        self._variables = [self._iterations] + ([self._lr_var] if self._lr_var is not None else [])
        self._entries = {}  # id(variable) -> _Entry, in the order variables were first seen
        self._positions = {}  # id(variable) -> its index in that order
        self._plans = {}  # tuple of variable ids -> list of _Entry
        self._exclude_ids = set()
        self._exclude_pattern = None
        self.built = False

    # --- construction helpers ---------------------------------------------------------
    def _legacy_arguments(self, learning_rate, kwargs):
        if "lr" in kwargs:
            learning_rate = kwargs.pop("lr")
            warnings.warn(
                f"{type(self).__name__}: the argument `lr` is deprecated (tf.keras 2 name); "
                f"use `learning_rate` instead. Using learning_rate={learning_rate}.",
                UserWarning, stacklevel=3,
            )
        if kwargs.pop("decay", None) is not None:
            warnings.warn("Argument `decay` is no longer supported and will be ignored.",
                          UserWarning, stacklevel=3)
        if kwargs:
            accepted = ", ".join(self._accepted_arguments())
            raise ValueError(
                f"Argument(s) not recognized: {kwargs}. {type(self).__name__} accepts: {accepted}."
            )
        return learning_rate

    def _accepted_arguments(self):
        import inspect

        own = [p for p in inspect.signature(type(self).__init__).parameters
               if p not in ("self", "kwargs")]
        return list(dict.fromkeys(own + list(_BASE_ARGS)))

    def _set_learning_rate(self, value):
        if isinstance(value, _schedules.LearningRateSchedule) or (
                callable(value) and not isinstance(value, (Tensor, np.ndarray))):
            if self._lr_var is not None and self._lr_var in getattr(self, "_variables", ()):
                self._variables.remove(self._lr_var)
            self._lr_source = value
            self._lr_var = None
            return
        if isinstance(value, Tensor):
            value = value.data
        if not _is_number(value) or not np.ndim(value) == 0:
            raise ValueError(
                "Argument `learning_rate` should be a float, an instance of "
                "LearningRateSchedule, or a callable (that takes in the current iteration "
                f"value and returns the corresponding learning rate value). Received instead: "
                f"learning_rate={value!r}"
            )
        if not np.isfinite(value):
            raise ValueError(
                f"Argument `learning_rate` must be a finite number; received learning_rate={value!r}."
            )
        if self._lr_source is not None and isinstance(self._lr_source, _schedules.LearningRateSchedule):
            raise TypeError(
                "This optimizer was created with a `LearningRateSchedule` object as its "
                "`learning_rate` constructor argument, hence its learning rate is not settable. "
                "If you need the learning rate to be settable, you should instantiate the "
                "optimizer with a float `learning_rate` argument."
            )
        if self._lr_var is None:
            self._lr_var = Variable(np.array(float(value), dtype=backend.float_dtype()),
                                    trainable=False, name="learning_rate")
            self._lr_var.path = f"{self.name}/learning_rate"
            self._lr_source = None
            if hasattr(self, "_variables"):
                self._variables.insert(1, self._lr_var)
        else:
            self._lr_var.data[...] = value

    # --- public state -----------------------------------------------------------------
    @property
    def iterations(self):
        """The number of steps applied so far (an int64 Variable, as in Keras)."""
        return self._iterations

    @property
    def learning_rate(self):
        """The learning rate now: for a schedule, its value at the current step."""
        return LearningRate(self._current_learning_rate(), self)

    @learning_rate.setter
    def learning_rate(self, value):
        self._set_learning_rate(value)

    # tf.keras 2 code reads and sets ``optimizer.lr``.
    lr = learning_rate

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

    def scale_loss(self, loss):
        """Multiply the loss by ``loss_scale_factor`` (gradients are divided back)."""
        return loss * self.loss_scale_factor if self.loss_scale_factor is not None else loss

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

    def update_step(self, gradient, variable, learning_rate):  # pragma: no cover - abstract
        raise NotImplementedError(
            f"{type(self).__name__} must implement update_step(gradient, variable, learning_rate) "
            "(abstract)"
        )

    def _plan(self, variables, key):
        """The entries for this variable list, and their common dtype (None if mixed)."""
        if self.built:
            Optimizer.build(self, variables)  # a user's build() makes its slots only once
        else:
            self.build(variables)
        entries = [self._entries[k] for k in key]
        dtypes = {e.var.data.dtype for e in entries}
        plan = (entries, dtypes.pop() if len(dtypes) == 1 else None)
        self._plans[key] = plan
        return plan

    # --- the step ---------------------------------------------------------------------
    def apply_gradients(self, grads_and_vars):
        """Apply ``[(gradient, variable), ...]``; ``None`` gradients are skipped."""
        pairs = list(grads_and_vars)
        if not pairs:
            return self._iterations
        grads, variables = zip(*pairs)
        self.apply(grads, variables)
        return self._iterations

    def folded_learning_rate(self):
        """The learning rate ``fit`` may fold into the loss gradient's seed, or None.

        Where an update is linear in ``lr * g`` (SGD), seeding backpropagation with ``lr``
        instead of 1 makes every gradient come out already scaled, and the update skips a
        pass over each weight-sized gradient; ``apply(..., lr_folded=True)`` then takes
        them. None (the default) where the update needs the gradients themselves.
        """
        return None

    def apply(self, grads, variables=None, *, lr_folded=False):
        """Update ``variables`` in place from ``grads`` (Tensors, arrays or None), in the
        same order. Without ``variables``, uses the list the optimizer was built with.
        ``lr_folded``: the gradients are already multiplied by the learning rate
        (``folded_learning_rate``)."""
        if variables is None:
            if not self.built:
                raise ValueError(
                    "When passing `grads` without `variables`, the optimizer must already be "
                    "built on a list of variables. Call `optimizer.build(trainable_variables)` first."
                )
            variables = [e.var for e in self._entries.values()]
        key = tuple(map(id, variables))
        entries, dtype = self._plans.get(key) or self._plan(variables, key)
        if len(grads) != len(entries):
            raise ValueError(
                f"{type(self).__name__}.apply: received {len(grads)} gradients for "
                f"{len(entries)} variables; they must correspond one to one."
            )
        it = self._iterations.data
        if (self.clipnorm or self.clipvalue or self.global_clipnorm or self.loss_scale_factor
                or self.gradient_accumulation_steps):
            grads = self._transform_gradients(entries, grads, int(it))
        if grads is not None:
            lr = self._current_learning_rate()
            coeffs = self._step_coefficients(lr, self._update_count(int(it)), dtype)
            update = self._update_folded if lr_folded else self._update_step
            shrink = 1.0 - lr * self.weight_decay if self.weight_decay is not None else None
            missing = 0
            for e, g in zip(entries, grads):
                if g is None:
                    missing += 1
                    continue
                if type(g) is not np.ndarray:
                    g = _array(g)
                w = e.var.data
                if g.shape != w.shape:
                    raise _shape_error(e, g)
                if e.decay:
                    w *= shrink
                update(w, g, e, coeffs)
                if e.var.constraint is not None:
                    w[...] = _array(e.var.constraint(w))
            if missing:
                _report_missing(entries, grads)
        if self.use_ema:
            self._update_averages(entries, int(it))
        it += 1

    def _update_count(self, iterations):
        """1-based index of this update (bias corrections use it); accumulation makes
        several calls count as one update."""
        if self.gradient_accumulation_steps:
            return iterations // self.gradient_accumulation_steps + 1
        return iterations + 1

    def _transform_gradients(self, entries, grads, iterations):
        """Loss-scale division, accumulation and clipping, in Keras's order. Returns
        None while gradients are only being accumulated."""
        arrays = []
        for e, g in zip(entries, grads):
            if g is not None:
                g = _array(g)
                if g.shape != e.var.data.shape:
                    raise _shape_error(e, g)
            arrays.append(g)
        if self.loss_scale_factor is not None:
            arrays = [None if g is None else g / self.loss_scale_factor for g in arrays]
        if self.gradient_accumulation_steps:
            arrays = self._accumulate(entries, arrays, iterations)
            if arrays is None:
                return None
        if self.clipnorm or self.global_clipnorm or self.clipvalue:
            arrays = self._clip(arrays)
        return arrays

    def _accumulate(self, entries, grads, iterations):
        """Add to the accumulators; on every k-th call return their mean and reset them."""
        steps = self.gradient_accumulation_steps
        if (iterations + 1) % steps:
            for e, g in zip(entries, grads):
                if g is not None:
                    e.accumulator.data += g
            return None
        out = []
        for e, g in zip(entries, grads):
            if g is None:
                out.append(None)
                continue
            acc = e.accumulator.data
            out.append((g + acc) / steps)
            acc[...] = 0
        return out

    def _clip(self, grads):
        if self.clipnorm:
            return [None if g is None else g * _clip_scale(_norm(g), self.clipnorm) for g in grads]
        if self.global_clipnorm:
            total = math.sqrt(sum(_norm(g) ** 2 for g in grads if g is not None))
            scale = _clip_scale(total, self.global_clipnorm)
            return [None if g is None else g * scale for g in grads]
        v = self.clipvalue
        return [None if g is None else np.clip(g, -v, v) for g in grads]

    def _update_averages(self, entries, iterations):
        momentum = self.ema_momentum if iterations else 0.0
        overwrite = (self.ema_overwrite_frequency
                     and (iterations + 1) % self.ema_overwrite_frequency == 0)
        for e in entries:
            avg = e.average.data
            avg *= momentum
            avg += (1 - momentum) * e.var.data
            if overwrite:
                e.var.data[...] = avg

    def finalize_variable_values(self, var_list):
        """With ``use_ema``, set the variables to their moving averages (end of training)."""
        if self.use_ema:
            for var in var_list:
                entry = self._entries.get(id(var))
                if entry is not None:
                    var.data[...] = entry.average.data

    def _current_learning_rate(self):
        if self._lr_var is not None:
            return float(self._lr_var.data)
        if isinstance(self._lr_source, _schedules.LearningRateSchedule):
            return float(self._lr_source(int(self._iterations.data)))
        return float(self._lr_source())

    def _step_coefficients(self, lr, step, dtype):
        """Scalars shared by every variable this step (lr, bias corrections), computed
        once per step as Python floats, which never upcast float32 arrays. ``dtype`` is
        the variables' common dtype (None when mixed)."""
        return lr

    def _update_step(self, w, g, entry, coeffs):
        """Update the array ``w`` in place from gradient ``g``; ``entry.slots`` holds the
        variable's slots and ``entry.buf`` a scratch array of ``w``'s shape and dtype.
        Built-in optimizers override this; a user's optimizer writes ``update_step``."""
        self.update_step(Tensor(g), entry.var, coeffs)

    def _update_folded(self, w, g, entry, coeffs):
        """``_update_step`` for a gradient already multiplied by the learning rate; only
        optimizers whose ``folded_learning_rate`` is not None define it."""
        raise TypeError(f"{type(self).__name__} needs raw gradients: it cannot take them with the "
                        "learning rate folded in.")

    # --- configuration ----------------------------------------------------------------
    def get_config(self):
        if self._lr_var is not None:
            learning_rate = float(self._lr_var.data)
        elif isinstance(self._lr_source, _schedules.LearningRateSchedule):
            learning_rate = _schedules.serialize(self._lr_source)
        else:
            learning_rate = self._lr_source
        return {
            "name": self.name,
            "learning_rate": learning_rate,
            "weight_decay": self.weight_decay,
            "clipnorm": self.clipnorm,
            "global_clipnorm": self.global_clipnorm,
            "clipvalue": self.clipvalue,
            "use_ema": self.use_ema,
            "ema_momentum": self.ema_momentum,
            "ema_overwrite_frequency": self.ema_overwrite_frequency,
            "loss_scale_factor": self.loss_scale_factor,
            "gradient_accumulation_steps": self.gradient_accumulation_steps,
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = _schedules.deserialize(config["learning_rate"], custom_objects)
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name!r} learning_rate={self._current_learning_rate():.6g}>"


def _is_number(value):
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool) or (
        isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "iuf")


def _array(g):
    return g.data if isinstance(g, Tensor) else np.asarray(g)


def _shape_error(entry, g):
    return ValueError(
        f"Gradient for variable {entry.var.path!r} has shape {g.shape}, but the variable "
        f"has shape {entry.var.data.shape}."
    )


def _report_missing(entries, grads):
    missing = [getattr(e.var, "path", None) or e.var.name for e, g in zip(entries, grads) if g is None]
    if len(missing) == len(entries):
        raise ValueError("No gradients provided for any variable.")
    warnings.warn(
        f"Gradients do not exist for variables {missing} when minimizing the loss. "
        "If using `model.compile()`, did you forget to provide a `loss` argument?",
        stacklevel=3,
    )


def _norm(g):
    flat = g.reshape(-1)
    return math.sqrt(float(np.dot(flat, flat)))


def _clip_scale(norm, limit):
    """Multiplier bringing a norm down to ``limit``: limit / max(norm, limit)."""
    return limit / max(norm, limit)
