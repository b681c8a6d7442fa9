"""Keras 3's training contract on a model: ``compile``, ``compute_loss``,
``compute_metrics``, ``metrics``, and the steps ``train_step`` / ``test_step`` /
``predict_step`` that ``fit`` / ``evaluate`` / ``predict`` call once per batch.

A subclass may override any of them, as Keras's guides do (a GAN's ``train_step``, a
distiller's ``compute_loss``); the loops in ``models/training.py`` then call the override for
every batch. When none is overridden, ``fit`` runs the same computation through its faster
traced-and-replayed step, which updates the same metric objects.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import inspect
import warnings

import numpy as np

from gradiente import ops, replica_context
from gradiente.autodiff.tape import GradientTape
from gradiente.autodiff.tensor import Tensor
from gradiente.metrics.metric import Metric
from gradiente.metrics.reduction import Mean
from gradiente.models.compile_utils import CompileLoss, CompileMetrics
from gradiente.utils.data import batch_size_of, unpack_x_y_sample_weight

if TYPE_CHECKING:
    from gradiente.callbacks.callback import Callback
    from gradiente.callbacks.history import History
    from gradiente.hints import LossArg, MetricsArg, OptimizerArg, Verbose

# Attributes that hold compile's own trackers: ``metrics`` lists them in Keras's order,
# not as attributes of the model.
_COMPILE_ATTRIBUTES = frozenset({"_compile_loss", "_compile_metrics", "_loss_tracker"})


def tracked_metrics(obj):
    """Metric objects stored as attributes of ``obj`` (also in lists, tuples and dicts)."""
    found = []
    for key, value in vars(obj).items():
        if key in _COMPILE_ATTRIBUTES:
            continue
        items = value.values() if isinstance(value, dict) else value if isinstance(value, (list, tuple)) else [value]
        for item in items:
            if isinstance(item, Metric) and not any(item is m for m in found):
                found.append(item)
    return found


def _overrides(model, name):
    return getattr(type(model), name) is not getattr(Trainer, name)


class Trainer:
    """Mixed into ``Model``: the per-batch steps, losses and metrics of Keras 3."""

    compiled = False
    _compile_loss = None
    _compile_metrics = None
    _loss_tracker = None

    # --- compile ----------------------------------------------------------------------
    def compile(self, optimizer: OptimizerArg = "rmsprop", loss: LossArg = None, loss_weights: Any = None,
                metrics: MetricsArg = None, weighted_metrics: MetricsArg = None, run_eagerly: bool = False,
                steps_per_execution: int = 1, jit_compile: bool | str = "auto", auto_scale_loss: bool = True,
                **kwargs: Any) -> None:
        """Configure the model for training (Keras's ``Model.compile``)."""
        from gradiente.models import training

        return training.compile(self, optimizer, loss, loss_weights, metrics, weighted_metrics,
                                run_eagerly, steps_per_execution, jit_compile, auto_scale_loss,
                                **kwargs)

    def _output_names_for_compile(self):
        names = getattr(self, "output_names", None)
        return list(names) if names else None

    def _set_compiled(self, loss, loss_weights, metrics, weighted_metrics):
        names = self._output_names_for_compile()
        self._compile_loss = None if loss is None else CompileLoss(loss, loss_weights, names)
        self._compile_metrics = (None if metrics is None and weighted_metrics is None
                                 else CompileMetrics(metrics, weighted_metrics, names))
        self._loss_tracker = Mean(name="loss")
        self.compiled = True

    @property
    def compiled_loss(self):
        """tf.keras 2's ``self.compiled_loss(y, y_pred, sample_weight, regularization_losses)``.

        Deprecated in Keras 3 for ``compute_loss``. As in tf.keras 2 (not Keras 3's shim) it
        also records the loss in the ``"loss"`` tracker, so guides written for tf.keras 2
        report their loss rather than a mean of predictions."""
        model = self

        def compiled_loss(y, y_pred, sample_weight=None, regularization_losses=None):
            warnings.warn(
                "`model.compiled_loss()` is deprecated; use `model.compute_loss(x, y, y_pred, "
                "sample_weight)` (it adds the model's own losses, so regularization_losses is "
                "not needed).", DeprecationWarning, stacklevel=2)
            loss = model.compute_loss(None, y, y_pred, sample_weight)
            if model._loss_tracker is not None:
                model._loss_tracker.update_state(float(_value(loss)), sample_weight=batch_size_of(y_pred))
            return loss

        return compiled_loss

    @property
    def compiled_metrics(self):
        """tf.keras 2's ``self.compiled_metrics.update_state(y, y_pred, sample_weight)``:
        updates the metrics given to ``compile`` (deprecated in Keras 3)."""
        model = self

        class _CompiledMetrics:
            def update_state(self, y, y_pred, sample_weight=None):
                warnings.warn(
                    "`model.compiled_metrics` is deprecated; update the metrics in "
                    "`self.metrics` (or call `self.compute_metrics(x, y, y_pred, sample_weight)`).",
                    DeprecationWarning, stacklevel=2)
                if model._compile_metrics is not None:
                    model._compile_metrics.update_state(y, y_pred, sample_weight)

            def reset_state(self):
                if model._compile_metrics is not None:
                    model._compile_metrics.reset_state()

        return _CompiledMetrics()

    # --- losses and metrics -----------------------------------------------------------
    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """The total loss: compile's loss of ``y_pred`` against ``y`` plus the model's own
        losses (``self.losses``: weight penalties and ``add_loss``). A scalar Tensor."""
        del x, training
        losses = []
        if self._compile_loss is not None:
            loss = self._compile_loss(y, y_pred, sample_weight)
            if loss is not None:
                losses.append(loss)
        for extra in self.losses:
            extra = ops.convert_to_tensor(extra)
            if extra.data.dtype.kind != "f":
                extra = ops.cast(extra, "float32")
            losses.append(ops.sum(extra))
        if not losses:
            raise ValueError(
                "No loss to compute. Provide a `loss` argument in `compile()`, or add losses "
                "in the model with `add_loss()`."
            )
        total = losses[0]
        for extra in losses[1:]:
            total = ops.add(total, extra)
        return total

    def _compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """``compute_loss`` of an override written before Keras 3.3 added ``training``."""
        if "training" in inspect.signature(self.compute_loss).parameters:
            return self.compute_loss(x, y, y_pred, sample_weight, training=training)
        return self.compute_loss(x, y, y_pred, sample_weight)

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        """Update compile's metrics with one batch; returns ``get_metrics_result()``."""
        del x
        if self._compile_metrics is not None:
            self._compile_metrics.update_state(y, y_pred, sample_weight)
        return self.get_metrics_result()

    def get_metrics_result(self):
        """``{name: value}`` for every metric in ``self.metrics`` (compile's metrics spread out)."""
        logs = {}
        for metric in self.metrics:
            result = metric.result()
            if isinstance(result, dict):
                logs.update(result)
            else:
                logs[metric.name] = result
        return logs

    @property
    def metrics(self):
        """The loss tracker, compile's metrics, each output's loss tracker, then the metrics
        stored on the model and its layers: ``fit`` and ``evaluate`` reset these."""
        found = []
        if self.compiled:
            if self._loss_tracker is not None:
                found.append(self._loss_tracker)
            if self._compile_metrics is not None:
                found.append(self._compile_metrics)
            if self._compile_loss is not None:
                found.extend(self._compile_loss.metrics)
        found.extend(tracked_metrics(self))
        for layer in self._flatten_layers(include_self=False):
            if not isinstance(layer, Trainer):  # a nested model keeps its metrics to itself
                found.extend(m for m in tracked_metrics(layer) if not any(m is f for f in found))
        return found

    @property
    def metrics_names(self):
        return [m.name for m in self.metrics]

    @property
    def metrics_variables(self):
        return [v for m in self.metrics for v in m.variables]

    def reset_metrics(self):
        for metric in self.metrics:
            metric.reset_state()

    # --- steps ------------------------------------------------------------------------
    def train_step(self, data):
        """One batch of ``fit``: forward, loss, gradients, update; returns the logs."""
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        with GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self._compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight, training=True)
        self._loss_tracker.update_state(float(_value(loss)), sample_weight=batch_size_of(x))
        variables = self.trainable_weights
        if variables:
            grads = tape.gradient(loss, variables)
            self.optimizer.apply(grads, variables)
        else:
            warnings.warn("The model does not have any trainable weights.", UserWarning, stacklevel=2)
        return self.compute_metrics(x, y, y_pred, sample_weight=sample_weight)

    def test_step(self, data):
        """One batch of ``evaluate``: forward and loss; returns the logs."""
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        y_pred = self(x, training=False)
        loss = self._compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight, training=False)
        self._loss_tracker.update_state(float(_value(loss)), sample_weight=batch_size_of(x))
        return self.compute_metrics(x, y, y_pred, sample_weight=sample_weight)

    def predict_step(self, data):
        """One batch of ``predict``: the model's outputs."""
        x, _, _ = unpack_x_y_sample_weight(data)
        return self(x, training=False)

    def _custom_steps(self):
        """Which of train/test/predict must run the model's own Python every batch."""
        loss_or_metrics = _overrides(self, "compute_loss") or _overrides(self, "compute_metrics")
        return {
            "train": loss_or_metrics or _overrides(self, "train_step"),
            "test": loss_or_metrics or _overrides(self, "test_step"),
            "predict": _overrides(self, "predict_step"),
        }

    # --- the loops (models/training.py) -----------------------------------------------
    # Through replica_context.run: on a multi-process run an error ends every process.
    # Keras's signatures, spelled out for type checkers and IDEs; x, y and sample_weight take
    # arrays, Tensors, lists/dicts of them, a generator, a PyDataset or a dataset, so Any.
    def fit(self, x: Any = None, y: Any = None, batch_size: int | None = None, epochs: int = 1,
            verbose: Verbose = "auto", callbacks: list[Callback] | None = None, validation_split: float = 0.0,
            validation_data: Any = None, shuffle: bool | str = True, class_weight: dict[int, float] | None = None,
            sample_weight: Any = None, initial_epoch: int = 0, steps_per_epoch: int | None = None,
            validation_steps: int | None = None, validation_batch_size: int | None = None,
            validation_freq: int = 1) -> History:
        """Train on data; the History's ``history`` has one value per epoch for each metric."""
        from gradiente.models import training

        return replica_context.run(
            training.fit, self, x, y, batch_size=batch_size, epochs=epochs, verbose=verbose, callbacks=callbacks,
            validation_split=validation_split, validation_data=validation_data, shuffle=shuffle,
            class_weight=class_weight, sample_weight=sample_weight, initial_epoch=initial_epoch,
            steps_per_epoch=steps_per_epoch, validation_steps=validation_steps,
            validation_batch_size=validation_batch_size, validation_freq=validation_freq)

    def evaluate(self, x: Any = None, y: Any = None, batch_size: int | None = None, verbose: Verbose = "auto",
                 sample_weight: Any = None, steps: int | None = None, callbacks: list[Callback] | None = None,
                 return_dict: bool = False) -> Any:
        """The loss, or [loss, *metrics] in ``metrics_names`` order, or a dict with ``return_dict``."""
        from gradiente.models import evaluation

        return replica_context.run(
            evaluation.evaluate, self, x, y, batch_size=batch_size, verbose=verbose, sample_weight=sample_weight,
            steps=steps, callbacks=callbacks, return_dict=return_dict)

    def predict(self, x: Any, batch_size: int | None = None, verbose: Verbose = "auto", steps: int | None = None,
                callbacks: list[Callback] | None = None) -> Any:
        """Outputs for ``x`` as NumPy arrays, in the structure of the model's outputs."""
        from gradiente.models import evaluation

        return replica_context.run(evaluation.predict, self, x, batch_size=batch_size, verbose=verbose,
                                   steps=steps, callbacks=callbacks)

    def predict_on_batch(self, x: Any) -> Any:
        from gradiente.models import evaluation

        return evaluation.predict_on_batch(self, x)

    def train_on_batch(self, x: Any, y: Any = None, sample_weight: Any = None,
                       class_weight: dict[int, float] | None = None, return_dict: bool = False) -> Any:
        from gradiente.models import training

        return training.train_on_batch(self, x, y, sample_weight=sample_weight, class_weight=class_weight,
                                       return_dict=return_dict)

    def test_on_batch(self, x: Any, y: Any = None, sample_weight: Any = None, return_dict: bool = False) -> Any:
        from gradiente.models import evaluation

        return evaluation.test_on_batch(self, x, y, sample_weight=sample_weight, return_dict=return_dict)


def _value(x):
    return x.data if isinstance(x, Tensor) else np.asarray(x)


def pythonify_logs(logs):
    """Step logs as callbacks see them: nested dicts spread out, scalars as floats, arrays
    (per-class scores) as float arrays."""
    if logs is None:
        return {}
    if not isinstance(logs, dict):
        raise TypeError(
            "A train_step/test_step must return a dict of metric name -> value (e.g. "
            f"{{m.name: m.result() for m in self.metrics}}); received {type(logs).__name__}."
        )
    out = {}
    for key, value in logs.items():
        if isinstance(value, dict):
            out.update(pythonify_logs(value))
            continue
        value = _value(value)
        out[key] = float(value) if np.ndim(value) == 0 else np.asarray(value, dtype=float)
    return out
