"""compile / fit / train_on_batch: the training loop behind ``Model``'s methods.

``fit`` calls the model's ``train_step`` once per batch when the model overrides it (or
``compute_loss`` / ``compute_metrics``), exactly as Keras does. Otherwise it runs the same
computation through a faster path: everything that can be decided once (loss and metric
objects, the trainable variables, regularizers, the data's dtype and layout) is decided
before the first step, and after the first steps the step is usually a replay
(``compiled_step``). Both paths update the same metric objects (``model.metrics``).
"""
import contextlib
import gc
import warnings

import numpy as np

from gradiente import backend, replica_context
from gradiente.autodiff.tensor import Tensor
from gradiente.models import evaluation, input_pipeline
from gradiente.models.compiled_step import CompiledStep, replayable, seed_states
from gradiente.models.compiled_step import _arrays as step_arrays
from gradiente.models.data_adapter import (
    ArrayData, IterableData, check_inputs, check_validation_split, check_verbose, make_data,
)
from gradiente.models.label_checks import (
    check_class_weight, check_class_weight_classes, check_labels, class_sample_weights,
)
from gradiente.models.step import (
    FastStep, get_metrics_result_or_logs, metrics_logs, model_outputs, one_batch,
    record_metrics, step_data,
)
from gradiente.models.trainer import pythonify_logs
from gradiente.utils.data import batch_size_of
from gradiente.utils.nest import flatten


# --- compile ---------------------------------------------------------------------------
class CompileState:
    """The arguments ``compile`` was given (saved with the model, reused by tools)."""

    def __init__(self, optimizer, loss, loss_weights, metrics, weighted_metrics, run_eagerly):
        self.optimizer = optimizer
        self.loss_spec = loss
        self.loss_weights_spec = loss_weights
        self.metrics_spec = metrics
        self.weighted_metrics_spec = weighted_metrics
        self.run_eagerly = run_eagerly


def compile(model, optimizer="rmsprop", loss=None, loss_weights=None, metrics=None,
            weighted_metrics=None, run_eagerly=False, steps_per_execution=1, jit_compile="auto",
            auto_scale_loss=True, **kwargs):
    """Configure ``model`` for training (Keras's ``Model.compile``)."""
    from gradiente import losses, metrics as metrics_module, optimizers

    if kwargs:
        raise TypeError(f"compile() got unexpected keyword argument(s): {sorted(kwargs)}.")
    opt = optimizers.get(optimizer)
    # Resolve names now, so a typo fails here and not after an epoch of training.
    for spec in flatten(loss if not isinstance(loss, dict) else list(loss.values())):
        if spec is not None and not (isinstance(spec, str) and spec.lower() in ("crossentropy", "ce")):
            losses.get(spec)
    for group in (metrics, weighted_metrics):
        for spec in flatten(group if not isinstance(group, dict) else list(group.values())):
            if isinstance(spec, str) and spec.lower() not in ("accuracy", "acc"):
                metrics_module.get(spec)
    model._set_compiled(loss, loss_weights, metrics, weighted_metrics)
    model.optimizer = opt
    model.loss = loss
    model._compile_state = CompileState(opt, loss, loss_weights, metrics, weighted_metrics, run_eagerly)
    model.stop_training = False


def assert_compiled(model, method):
    if not getattr(model, "compiled", False) or getattr(model, "_compile_state", None) is None:
        raise ValueError(f"You must call `compile()` before calling `{method}()`.")
    return model._compile_state


# --- fit ---------------------------------------------------------------------------------
def fit(model, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
        validation_split=0.0, validation_data=None, shuffle=True, class_weight=None,
        sample_weight=None, initial_epoch=0, steps_per_epoch=None, validation_steps=None,
        validation_batch_size=None, validation_freq=1):
    """Train ``model`` on data; returns a History whose ``history`` has one value per epoch."""
    from gradiente.callbacks import CallbackList

    assert_compiled(model, "fit")
    if not isinstance(epochs, (int, np.integer)) or epochs < 0:
        raise ValueError(f"epochs must be a non-negative integer, received epochs={epochs!r}.")
    verbose = check_verbose(verbose)
    validation_split = check_validation_split(validation_split)
    data = make_data(model, x, y, sample_weight, batch_size, steps_per_epoch,
                     steps_name="steps_per_epoch")
    val_data = None
    if validation_data is not None:
        vx, vy, vsw = _unpack_validation(validation_data)
        val_data = make_data(model, vx, vy, vsw, validation_batch_size or getattr(data, "batch_size", 32),
                             validation_steps, "validation x", "validation", "validation_steps")
    elif validation_split:
        if not isinstance(data, ArrayData):
            raise ValueError("validation_split is only supported for arrays, not generators or datasets.")
        val_data = data.split(validation_split)
    replica = replica_context.current()
    if replica is not None:  # data parallel: this process's share of each global batch
        data, val_data = replica.shard(data), replica.shard(val_data)
    check_inputs(model, data)
    names = model._output_names_for_compile()
    for d in (data, val_data):
        if d is not None:
            d.align_targets(names)
    check_class_weight(class_weight, getattr(data, "sw", None),
                       len(data.ys) if isinstance(data, ArrayData) and data.ys else None)
    custom = model._custom_steps()["train"]
    if not custom:
        _prepare(model, data, class_weight)

    steps = steps_per_epoch or data.steps()
    cbs = CallbackList(callbacks, add_history=True, add_progbar=verbose != 0, model=model,
                       verbose=verbose, epochs=epochs, steps=steps)
    model.stop_training = False
    cbs.on_train_begin()
    if replica is not None:  # same script everywhere; process 0's weights and resume point
        replica.begin_fit(model, data, cbs, steps, epochs)
    initial_epoch = _resume(model, cbs, initial_epoch)
    if custom:
        run_batch, epoch_logs = (_custom_train(model, data, class_weight) if replica is None
                                 else replica.custom_train(model, data, class_weight))
    else:
        run_batch, epoch_logs = _fast_train(model, cbs, class_weight, replica)
    logs = {}
    for epoch in range(initial_epoch, epochs):
        if replica is not None:
            replica.begin_epoch()
        model.reset_metrics()
        cbs.on_epoch_begin(epoch)
        batch_hooks = cbs.should_call_train_batch_hooks
        step_logs = None
        with _cyclic_gc_paused():
            for batch, (xb, yb, swb) in enumerate(data.batches(shuffle=shuffle is True, steps=steps_per_epoch)):
                if batch_hooks:
                    cbs.on_train_batch_begin(batch)
                try:
                    step_logs = run_batch(batch, xb, yb, swb, batch_hooks)
                except NonFiniteLoss as stop:
                    stop.report(epoch, batch, custom)
                    model.stop_training = True
                    break
                if batch_hooks:
                    cbs.on_train_batch_end(batch, step_logs)
                if model.stop_training:
                    break
        logs = epoch_logs(step_logs)
        if val_data is not None and _should_validate(epoch, validation_freq):
            val_logs = evaluation.evaluate_data(model, val_data, cbs)
            logs.update({"val_" + k: v for k, v in val_logs.items()})
        if isinstance(data, IterableData):
            data.on_epoch_end()
        cbs.on_epoch_end(epoch, logs)
        if model.stop_training:
            break
    cbs.on_train_end(logs)
    if replica is not None:
        replica.end_fit()  # process 0's checkpoints are complete when fit returns anywhere
    model.history = cbs.history
    return cbs.history


def _fast_train(model, cbs, class_weight, replica=None):
    """The per-batch function and epoch logs of the default train_step's fast path; with a
    ``replica`` (data parallel), gradients and logs are the global batch's."""
    state = model._compile_state
    optimizer = model.optimizer
    # Callbacks that inspect gradients (GradientMonitor) get them before each update.
    gradient_hooks = [c for c in cbs.callbacks if hasattr(c, "on_train_gradients")]
    # Preprocessing layers that read the model's inputs (TextVectorization on strings) run
    # on each batch before the step, which then replays the rest of the graph.
    pipeline = None if state.run_eagerly else input_pipeline.find(model)
    replay = replayable(model, state, gradient_hooks, pipeline and pipeline.layers)
    step = FastStep(model, pipeline.rest if replay and pipeline else None)
    train_vars = step.train_vars
    if replay:
        compiled = CompiledStep(step.train_eager, train_vars,
                                predictions=model._compile_metrics is not None,
                                watchers=gradient_hooks,
                                state=model.non_trainable_weights + seed_states(model))
        model._compiled_step = compiled  # kept for inspection (tests, curious users)
        if pipeline is None:
            run_step = compiled
        else:
            def run_step(xb, yb, swb, seed=None):
                return compiled(pipeline.feed(xb), yb, swb, seed)
    else:
        model.__dict__.pop("_compiled_step", None)  # a previous fit's, no longer in use

        def run_step(xb, yb, swb, seed=None):
            loss, parts, predictions, grads = step.train_eager(xb, yb, swb, None, seed)
            result = step_arrays(loss, parts, predictions, grads)
            result.predictions = predictions  # Tensors: their masks reach the metrics
            return result
    if replica is not None:
        run_step = replica.reducing_step(run_step, train_vars)
    # SGD's update is linear in lr * g: backprop seeded with lr gives that product directly,
    # saving a pass over every gradient. Callbacks that read gradients need them unscaled.
    fold_lr = None if gradient_hooks else optimizer.folded_learning_rate
    metrics = model.metrics  # fixed for this fit: reading them once keeps each batch cheap
    logs_of = metrics_logs if replica is None else replica.metrics_logs

    guard = backend.stop_on_nonfinite_loss()
    weight_dtype = np.dtype(model.compute_dtype)

    def run_batch(batch, xb, yb, swb, want_logs):
        swb = class_sample_weights(yb, swb, class_weight)
        if isinstance(swb, np.ndarray) and swb.dtype != weight_dtype:
            # The loss casts weights to its dtype anyway (as Keras does); cast here, before the
            # recorded step, so it reads them as an input instead of freezing a cast copy.
            swb = swb.astype(weight_dtype)
        lr = fold_lr and fold_lr()
        result = run_step(xb, yb, swb, lr)
        if guard and not np.isfinite(result.loss):
            raise NonFiniteLoss(result.loss)  # before the update: the weights stay finite
        for hook in gradient_hooks:
            hook.on_train_gradients(batch, [None if g is None else Tensor(g) for g in result.grads], train_vars)
        optimizer.apply(result.grads, train_vars, lr_folded=lr is not None)
        if result.predictions is not None:  # None: this process had no rows of the batch
            record_metrics(model, result.loss, result.parts, yb, result.predictions, swb, batch_size_of(xb))
        return logs_of(metrics) if want_logs else None

    return run_batch, lambda _: logs_of(metrics)


def _custom_train(model, data, class_weight):
    """The per-batch function and epoch logs when the model has its own train_step."""
    guard = backend.stop_on_nonfinite_loss()

    def run_batch(batch, xb, yb, swb, want_logs):
        swb = class_sample_weights(yb, swb, class_weight)
        logs = pythonify_logs(model.train_step(step_data(data, xb, yb, swb)))
        loss = logs.get("loss")
        if guard and loss is not None and np.ndim(loss) == 0 and not np.isfinite(loss):
            raise NonFiniteLoss(loss)
        return logs

    return run_batch, lambda step_logs: get_metrics_result_or_logs(model, step_logs)


class NonFiniteLoss(Exception):
    """A step's loss was NaN or infinite: fit stops and says so."""

    def __init__(self, value):
        super().__init__(value)
        self.value = float(value)

    def report(self, epoch, batch, custom):
        kept = ("its train_step had already applied that step's update" if custom else
                "that step's update was not applied, so the model keeps the weights of the "
                "last step with a finite loss")
        warnings.warn(
            f"Epoch {epoch + 1}, batch {batch}: the loss is {self.value} (not finite), so fit() "
            f"stopped training; {kept}. Common causes: inputs on a huge scale (normalize them), "
            "a learning rate that is too high, or NaN in the data. To train on regardless, call "
            "keras.config.set_stop_on_nonfinite_loss(False).",
            RuntimeWarning, stacklevel=4,
        )


def _should_validate(epoch, validation_freq):
    if isinstance(validation_freq, (list, tuple, set)):
        return epoch + 1 in validation_freq
    if isinstance(validation_freq, bool) or not isinstance(validation_freq, (int, np.integer)) or validation_freq < 1:
        raise ValueError(
            f"validation_freq must be a positive integer or a list of epochs; received {validation_freq!r}."
        )
    return (epoch + 1) % validation_freq == 0


@contextlib.contextmanager
def _cyclic_gc_paused():
    """Pause Python's cycle collector for an epoch's steps: each step allocates many small
    containers, and the collections they trigger cost ~5% of the MLP's epoch. Objects are
    still freed by reference counting at once; only cyclic garbage waits for the epoch end."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _resume(model, cbs, initial_epoch):
    """Continue an interrupted run: BackupAndRestore leaves ``model._resume_state`` =
    {"epoch": first epoch to run, "history": {key: [values of the completed epochs]}}."""
    state = getattr(model, "_resume_state", None)
    if not state:
        return initial_epoch
    model._resume_state = None
    history = cbs.history
    if history is not None:
        history.history = {k: list(v) for k, v in state.get("history", {}).items()}
        history.epoch = list(range(state["epoch"]))
    return max(initial_epoch, int(state["epoch"]))


def _refuse_replicas(method):
    if replica_context.current() is not None:
        raise NotImplementedError(
            f"{method}() is not supported under a multi-process DataParallel distribution (which "
            "process's batch would it be?); use fit() / evaluate(), which split each global batch."
        )


def _unpack_validation(validation_data):
    from gradiente.models.data_adapter import is_iterable_source

    if isinstance(validation_data, tuple) and len(validation_data) in (2, 3):
        return validation_data[0], validation_data[1], validation_data[2] if len(validation_data) == 3 else None
    if is_iterable_source(validation_data):
        return validation_data, None, None
    raise ValueError(
        "validation_data must be a tuple (x_val, y_val) or (x_val, y_val, sample_weight), "
        f"or a generator/PyDataset; received {type(validation_data).__name__}."
    )


def _prepare(model, data, class_weight=None):
    """Build compile's loss and metrics and check the labels on the first batch, before
    any update."""
    first = data.first_batch()
    if first is None:
        raise ValueError("The dataset is empty: it produced no batch.")
    xb, yb, _ = first
    y_pred = model_outputs(model, xb, False)
    compile_loss = model._compile_loss
    if compile_loss is not None:
        if yb is None:
            raise ValueError(
                "fit() needs targets: pass y=... (or batches of (x, y) from a generator), or "
                "compile without `loss` if the model adds its own losses with add_loss()."
            )
        if not compile_loss.built:
            compile_loss.build(yb, y_pred)
        if isinstance(data, ArrayData):
            for loss_fn, ys, yp in zip(compile_loss.losses, data.ys, y_pred):
                if loss_fn is not None and ys is not None:
                    check_labels(loss_fn, ys, yp)
        if class_weight is not None:
            check_class_weight_classes(class_weight, y_pred[0])
    if model._compile_metrics is not None and not model._compile_metrics.built and yb is not None:
        model._compile_metrics.build(yb, [p.data for p in y_pred])


def train_on_batch(model, x, y=None, sample_weight=None, class_weight=None, return_dict=False):
    """One optimizer step on one batch; the loss (and metrics) on it, metrics reset first."""
    assert_compiled(model, "train_on_batch")
    _refuse_replicas("train_on_batch")
    data = one_batch(model, x, y, sample_weight)
    check_class_weight(class_weight, sample_weight, len(data.ys) if data.ys else None)
    model.reset_metrics()
    xb, yb, swb = next(iter(data.batches()))
    swb = class_sample_weights(yb, swb, class_weight)
    if model._custom_steps()["train"]:
        logs = pythonify_logs(model.train_step(step_data(data, xb, yb, swb)))
    else:
        _prepare(model, data)
        step = FastStep(model)
        loss, parts, predictions, grads = step.train_eager(xb, yb, swb)
        result = step_arrays(loss, parts, predictions, grads)
        result.predictions = predictions  # Tensors: their masks reach the metrics
        model.optimizer.apply(result.grads, step.train_vars)
        record_metrics(model, result.loss, result.parts, yb, result.predictions, swb, batch_size_of(xb))
        logs = pythonify_logs(model.get_metrics_result())
    return logs if return_dict else evaluation.flatten_metrics_in_order(model, logs)
