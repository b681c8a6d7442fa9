"""The optimizer base: clipping, weight decay, schedules, EMA, slots and the update loop.

A subclass declares its per-variable slots (``_slot_names``) and writes ``_update_step``:
the rule itself, on NumPy arrays, updating the variable in place. Everything shared lives
here, computed once per step rather than once per variable.

Hot path (``apply``): one tuple of ids finds the precomputed plan for the variable list;
per variable it is the rule's ufunc calls with ``out=`` into a buffer made once, so a
step allocates nothing and keeps the variables' dtype (Python-float scalars never upcast
a float32 array).

Beside this file, mixins of Optimizer, one concept each: ``learning_rate`` (constant,
schedule or callable; ``LearningRate``), ``optimizer_state`` (slots, the variable list and
its saving, weight-decay exclusions), ``gradient_transforms`` (loss scaling, accumulation,
clipping, EMA).
"""
import warnings

import numpy as np

from gradiente.autodiff.tensor import Tensor, Variable
from gradiente.optimizers import schedules as _schedules
from gradiente.optimizers.gradient_transforms import GradientTransforms, _array, _shape_error
from gradiente.optimizers.learning_rate import LearningRate, LearningRateHandling, _is_number
from gradiente.optimizers.optimizer_state import OptimizerState, _Entry
from gradiente.utils import naming

# What other modules import from here, wherever it is defined now.
__all__ = ["LearningRate", "Optimizer", "_Entry"]

_BASE_ARGS = (
    "learning_rate", "weight_decay", "clipnorm", "clipvalue", "global_clipnorm", "use_ema",
    "ema_momentum", "ema_overwrite_frequency", "loss_scale_factor",
    "gradient_accumulation_steps", "name",
)


class Optimizer(LearningRateHandling, OptimizerState, GradientTransforms):
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

    # --- public state -----------------------------------------------------------------
    @property
    def iterations(self):
        """The number of steps applied so far (an int64 Variable, as in Keras)."""
        return self._iterations

    def scale_loss(self, loss):
        """Multiply the loss by ``loss_scale_factor`` (gradients are divided back)."""
        return loss * self.loss_scale_factor if self.loss_scale_factor is not None else loss

    # --- the step ---------------------------------------------------------------------
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


def _report_missing(entries, grads):
    missing = [getattr(e.var, "path", None) or e.var.name for e, g in zip(entries, grads) if g is None]
    if len(missing) == len(entries):
        raise ValueError("No gradients provided for any variable.")
    warnings.warn(
        f"Gradients do not exist for variables {missing} when minimizing the loss. "
        "If using `model.compile()`, did you forget to provide a `loss` argument?",
        stacklevel=3,
    )
