"""compile / fit / evaluate / predict: the training loop behind ``Model``'s methods.

Everything that can be decided once (loss objects, metric objects, the list of trainable
variables, regularizers, the data's dtype and layout) is decided before the first step, so a
step is: gather a batch (``data_adapter``), forward under a tape, loss, backward, one optimizer
call, metric updates; after the first steps, usually a replay of them (``compiled_step``).
"""
import contextlib
import gc

import numpy as np

from gradiente.autodiff.tape import GradientTape
from gradiente.autodiff.tensor import Tensor
from gradiente.models.compiled_step import CompiledStep, replayable
from gradiente.models.compiled_step import _arrays as step_arrays
from gradiente.models.data_adapter import (
    ArrayData, IterableData, check_inputs, is_iterable_source, make_data, pack, structure,
)
from gradiente.ops import add, multiply
from gradiente.utils.nest import flatten


# --- compile ---------------------------------------------------------------------------
class CompileState:
    """What ``compile`` resolved: optimizer, one loss per output, metrics per output."""

    def __init__(self, optimizer, loss, loss_weights, metrics, weighted_metrics, run_eagerly):
        self.optimizer = optimizer
        self.loss_spec = loss
        self.loss_weights_spec = loss_weights
        self.metrics_spec = metrics
        self.weighted_metrics_spec = weighted_metrics
        self.run_eagerly = run_eagerly
        self.output_names = None
        self.losses = None        # one Loss object (or None) per output
        self.loss_weights = None  # one float per output
        self.metrics = None       # list (per output) of lists of (log name, Metric)
        self.resolved = False


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
        if spec is not None:
            losses.get(spec)
    for spec in flatten(metrics if not isinstance(metrics, dict) else list(metrics.values())):
        if isinstance(spec, str) and spec.lower() not in ("accuracy", "acc"):
            metrics_module.get(spec)
    model.optimizer = opt
    model.loss = loss
    model._compile_state = CompileState(opt, loss, loss_weights, metrics, weighted_metrics, run_eagerly)
    model.stop_training = False


def _state(model):
    state = getattr(model, "_compile_state", None)
    if state is None:
        raise ValueError("You must call `compile()` before using the model.")
    return state


def _output_names(model, n_outputs):
    names = getattr(model, "output_names", None)
    if names and len(names) == n_outputs:
        return list(names)
    return [f"output_{i + 1}" for i in range(n_outputs)]


def _per_output(spec, names, what):
    """Spread a loss/metric/weight spec (single, list or dict) over the outputs."""
    if isinstance(spec, dict):
        unknown = set(spec) - set(names)
        if unknown:
            raise ValueError(
                f"compile(): {what} names outputs {sorted(unknown)}, but the model's outputs are {names}."
            )
        return [spec.get(n) for n in names]
    if isinstance(spec, (list, tuple)) and len(names) > 1 and what != "metrics":
        if len(spec) != len(names):
            raise ValueError(
                f"compile(): {what} has {len(spec)} entries, but the model has {len(names)} outputs ({names})."
            )
        return list(spec)
    if what == "metrics" and isinstance(spec, (list, tuple)) and len(names) > 1 and spec and \
            all(isinstance(s, (list, tuple)) or s is None for s in spec):
        return list(spec)
    return [spec] * len(names)


def _resolve(state, model, y_true, y_pred):
    """Turn the compile specs into objects, once the first batch shows the shapes."""
    from gradiente import losses, metrics as metrics_module

    names = _output_names(model, len(y_pred))
    state.output_names = names
    loss_specs = _per_output(state.loss_spec, names, "loss")
    if all(s is None for s in loss_specs):
        raise ValueError(
            "compile() was called without a loss: pass loss=... (e.g. "
            "'sparse_categorical_crossentropy' or 'mse') to train or evaluate the model."
        )
    state.losses = [None if s is None else losses.to_loss(s) for s in loss_specs]
    weights = state.loss_weights_spec
    state.loss_weights = [1.0] * len(names) if weights is None else \
        [1.0 if w is None else float(w) for w in _per_output(weights, names, "loss_weights")]
    state.metrics = []
    multi = len(names) > 1
    for i, spec in enumerate(_per_output(state.metrics_spec, names, "metrics")):
        entries = []
        for item in ([] if spec is None else (spec if isinstance(spec, (list, tuple)) else [spec])):
            if isinstance(item, str) and item.lower() in ("accuracy", "acc"):
                metric = metrics_module.accuracy_for(np.shape(y_true[i]), y_pred[i].shape, item)
            elif isinstance(item, str):
                metric = metrics_module.get(item)
            elif callable(item) and not hasattr(item, "update_state"):
                metric = metrics_module.MeanMetricWrapper(item, name=getattr(item, "__name__", "metric"))
            else:
                metric = item
            label = item if isinstance(item, str) else metric.name
            entries.append((f"{names[i]}_{label}" if multi else label, metric))
        state.metrics.append(entries)
    state.resolved = True


def metrics_names(model):
    state = _state(model)
    if not state.resolved:
        return ["loss"]
    names = ["loss"]
    if len(state.output_names) > 1:
        names += [f"{n}_loss" for n in state.output_names]
    return names + [label for entries in state.metrics for label, _ in entries]


# --- one step ------------------------------------------------------------------------------
def _predictions(model, xb, training):
    out = model(xb, training=training)
    return out if isinstance(out, (list, tuple)) else [out]


def _targets(yb, n_outputs):
    if yb is None:
        return None
    if len(yb) != n_outputs:
        raise ValueError(f"The model has {n_outputs} outputs but {len(yb)} target arrays were given.")
    return yb


class _Step:
    """The per-step work of fit/evaluate, with everything fixed at construction."""

    def __init__(self, model, state):
        self.model = model
        self.state = state
        self.layers = model._flatten_layers()
        trainable = {id(v) for v in model.trainable_weights}
        # Weight penalties are fixed by the architecture; find them once, not every step.
        self.penalized = [v for layer in self.layers for v in layer._own_weights
                          if v.regularizer is not None and id(v) in trainable]

    def variables(self):
        return self.model.trainable_weights

    def forward_loss(self, xb, yb, swb, training):
        """Predictions, loss (with regularization) and per-output losses, as Tensors."""
        y_pred = _predictions(self.model, xb, training)
        y_true = _targets(yb, len(y_pred))
        loss, parts = self.loss(y_true, y_pred, swb)
        for term in self.regularization():
            loss = add(loss, term)
        return loss, parts, y_pred

    def train_eager(self, xb, yb, swb, trace=None, seed=None):
        """One step's loss, per-output losses, predictions and gradients, via the tape
        (and recorded on ``trace`` when given). With ``seed`` (a float), the gradients are
        of ``seed * loss``: fit folds SGD's learning rate in this way."""
        with GradientTape() as tape, (trace if trace is not None else contextlib.nullcontext()):
            loss, parts, y_pred = self.forward_loss(xb, yb, swb, True)
        seed = None if seed is None else np.array(seed, dtype=loss.data.dtype)
        return loss, parts, y_pred, tape.gradient(loss, self.train_vars, output_gradients=seed)

    def loss(self, y_true, y_pred, sample_weight):
        state = self.state
        total = None
        parts = []
        for loss_fn, w, yt, yp in zip(state.losses, state.loss_weights, y_true, y_pred):
            if loss_fn is None:
                parts.append(None)
                continue
            value = loss_fn(yt, yp, sample_weight=sample_weight)
            parts.append(value)
            term = value if w == 1.0 else multiply(value, w)
            total = term if total is None else add(total, term)
        return total, parts

    def regularization(self):
        extra = [v.regularizer(v) for v in self.penalized]
        for layer in self.layers:
            if layer._activity_losses:
                extra.extend(layer._activity_losses)
            if layer._added_losses:
                extra.extend(layer._added_losses)
        return extra

    def update_metrics(self, y_true, y_pred, sample_weight):
        """``y_pred``: one NumPy array per output."""
        for entries, yt, pred in zip(self.state.metrics, y_true, y_pred):
            for _, metric in entries:
                metric.update_state(yt, pred, sample_weight=sample_weight)


def _sample_weights(yb, swb, class_weight):
    if class_weight is None:
        return swb
    labels = yb[0]
    if labels.ndim > 1 and labels.shape[-1] > 1:
        labels = labels.argmax(axis=-1)
    labels = labels.reshape(-1).astype(np.int64)
    table = np.ones(int(max(max(class_weight) + 1, labels.max() + 1)), dtype=np.float32)
    for k, v in class_weight.items():
        table[int(k)] = v
    weights = table[labels]
    return weights if swb is None else weights * swb


# --- fit ---------------------------------------------------------------------------------
def fit(model, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
        validation_split=0.0, validation_data=None, shuffle=True, class_weight=None,
        sample_weight=None, initial_epoch=0, steps_per_epoch=None, validation_steps=None,
        validation_batch_size=None, validation_freq=1):
    """Train ``model`` on data; returns a History whose ``history`` has one value per epoch."""
    from gradiente.callbacks import CallbackList

    state = _state(model)
    if not isinstance(epochs, (int, np.integer)) or epochs < 0:
        raise ValueError(f"epochs must be a non-negative integer, received epochs={epochs!r}.")
    verbose = 1 if verbose == "auto" else int(verbose)
    data = make_data(model, x, y, sample_weight, batch_size, steps_per_epoch)
    val_data = None
    if validation_data is not None:
        vx, vy, vsw = _unpack_validation(validation_data)
        val_data = make_data(model, vx, vy, vsw, validation_batch_size or data_batch(data), validation_steps, "validation x")
    elif validation_split:
        if not isinstance(data, ArrayData):
            raise ValueError("validation_split is only supported for arrays, not generators or datasets.")
        val_data = data.split(validation_split)
    check_inputs(model, data)
    if isinstance(data, ArrayData) and data.ys is None:
        raise ValueError("fit() needs targets: pass y=... (or batches of (x, y) from a generator).")
    _prepare(model, state, data, class_weight)

    steps = steps_per_epoch or data.steps()
    cbs = CallbackList(callbacks, add_history=True, add_progbar=verbose != 0, model=model,
                       verbose=verbose, epochs=epochs, steps=steps)
    model.stop_training = False
    step = _Step(model, state)
    train_vars = step.train_vars = step.variables()
    optimizer = state.optimizer
    loss_tracker = _MeanTracker()
    logs = {}
    cbs.on_train_begin()
    initial_epoch = _resume(model, cbs, initial_epoch)
    # Callbacks that inspect gradients (GradientMonitor) get them before each update.
    gradient_hooks = [c for c in cbs.callbacks if hasattr(c, "on_train_gradients")]
    if replayable(model, state, gradient_hooks):
        run_step = CompiledStep(step.train_eager, train_vars,
                                predictions=any(entries for entries in state.metrics),
                                watchers=gradient_hooks, state=model.non_trainable_weights)
        model._compiled_step = run_step  # kept for inspection (tests, curious users)
    else:
        model.__dict__.pop("_compiled_step", None)  # a previous fit's, no longer in use

        def run_step(xb, yb, swb, seed=None):
            return step_arrays(*step.train_eager(xb, yb, swb, None, seed))
    # SGD's update is linear in lr * g: backprop seeded with lr gives that product directly,
    # saving a pass over every gradient. Callbacks that read gradients need them unscaled.
    fold_lr = None if gradient_hooks else optimizer.folded_learning_rate
    for epoch in range(initial_epoch, epochs):
        _reset_metrics(state, loss_tracker)
        cbs.on_epoch_begin(epoch)
        batch_hooks = cbs.should_call_train_batch_hooks
        with _cyclic_gc_paused():
            for batch, (xb, yb, swb) in enumerate(data.batches(shuffle=shuffle is True, steps=steps_per_epoch)):
                if batch_hooks:
                    cbs.on_train_batch_begin(batch)
                swb = _sample_weights(yb, swb, class_weight)
                lr = fold_lr and fold_lr()
                result = run_step(xb, yb, swb, lr)
                for hook in gradient_hooks:
                    hook.on_train_gradients(batch, [None if g is None else Tensor(g) for g in result.grads], train_vars)
                optimizer.apply(result.grads, train_vars, lr_folded=lr is not None)
                loss_tracker.update(float(result.loss), len(yb[0]), result.parts)
                step.update_metrics(yb, result.predictions, swb)
                if batch_hooks:
                    cbs.on_train_batch_end(batch, _logs(state, loss_tracker))
                if model.stop_training:
                    break
        logs = _logs(state, loss_tracker)
        if val_data is not None and (epoch + 1) % validation_freq == 0:
            val_logs = _evaluate_data(model, state, val_data, None)
            logs.update({"val_" + k: v for k, v in val_logs.items()})
        if isinstance(data, IterableData):
            data.on_epoch_end()
        cbs.on_epoch_end(epoch, logs)
        if model.stop_training:
            break
    cbs.on_train_end(logs)
    model.history = cbs.history
    return cbs.history


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


def data_batch(data):
    return getattr(data, "batch_size", 32)


def _unpack_validation(validation_data):
    if isinstance(validation_data, tuple) and len(validation_data) in (2, 3):
        return validation_data[0], validation_data[1], validation_data[2] if len(validation_data) == 3 else None
    if is_iterable_source(validation_data):
        return validation_data, None, None
    raise ValueError(
        "validation_data must be a tuple (x_val, y_val) or (x_val, y_val, sample_weight), "
        f"or a generator/PyDataset; received {type(validation_data).__name__}."
    )


def _prepare(model, state, data, class_weight):
    """Resolve losses/metrics and validate labels on the first batch, before any update."""
    first = next(iter(data.batches(shuffle=False, steps=1)), None)
    if first is None:
        raise ValueError("The dataset is empty: it produced no batch.")
    xb, yb, _ = first
    y_pred = _predictions(model, xb, False)
    if yb is None:
        raise ValueError("Training needs targets, but the data produced batches without y.")
    y_true = _targets(yb, len(y_pred))
    if not state.resolved:
        _resolve(state, model, y_true, y_pred)
    if isinstance(data, ArrayData):
        for loss_fn, ys, yp in zip(state.losses, data.ys, y_pred):
            _check_labels(loss_fn, ys, yp)
    if class_weight is not None and not isinstance(class_weight, dict):
        raise ValueError(f"class_weight must be a dict {{class index: weight}}, received {type(class_weight).__name__}.")


def _check_labels(loss_fn, y, y_pred):
    name = getattr(loss_fn, "name", "") or ""
    fn_name = getattr(getattr(loss_fn, "fn", None), "__name__", "")
    if "sparse_categorical" not in name and "sparse_categorical" not in fn_name:
        return
    classes = y_pred.shape[-1]
    labels = np.asarray(y)
    if labels.size == 0:
        return
    if labels.dtype.kind == "f" and not np.all(labels == np.round(labels)):
        raise ValueError("sparse_categorical_crossentropy needs integer class labels, but y has fractional values.")
    low, high = labels.min(), labels.max()
    if low < 0 or high >= classes:
        bad = low if low < 0 else high
        raise ValueError(
            f"Received a label value of {bad:g} which is outside the valid range of [0, {classes - 1}] "
            f"for sparse_categorical_crossentropy: the model's output has {classes} classes. "
            "Check the labels or the size of the last layer."
        )


class _MeanTracker:
    """Running sample-weighted means of the total loss and each output's loss."""

    def __init__(self):
        self.reset()

    def reset(self):
        self.total = 0.0
        self.count = 0
        self.parts = None

    def update(self, value, n, parts):
        """``parts``: the per-output losses (arrays) of a multi-output model."""
        self.total += value * n
        self.count += n
        if len(parts) > 1:
            values = [0.0 if p is None else float(p) * n for p in parts]
            self.parts = values if self.parts is None else [a + b for a, b in zip(self.parts, values)]

    def result(self):
        return self.total / max(self.count, 1)


def _reset_metrics(state, tracker):
    tracker.reset()
    for entries in state.metrics or []:
        for _, metric in entries:
            metric.reset_state()


def _logs(state, tracker):
    logs = {"loss": tracker.result()}
    if tracker.parts is not None:
        for name, value in zip(state.output_names, tracker.parts):
            logs[f"{name}_loss"] = value / max(tracker.count, 1)
    for entries in state.metrics or []:
        for label, metric in entries:
            value = metric.result()  # a float, or an array for per-class scores (F1Score())
            logs[label] = float(value) if np.ndim(value) == 0 else np.asarray(value, dtype=float)
    return logs


# --- evaluate / predict ------------------------------------------------------------------------
def _evaluate_data(model, state, data, callbacks):
    step = _Step(model, state)
    tracker = _MeanTracker()
    _reset_metrics(state, tracker)
    batch_hooks = callbacks is not None and callbacks.should_call_test_batch_hooks
    for batch, (xb, yb, swb) in enumerate(data.batches(shuffle=False)):
        if batch_hooks:
            callbacks.on_test_batch_begin(batch)
        if not state.resolved:
            y_pred = _predictions(model, xb, False)
            _resolve(state, model, _targets(yb, len(y_pred)), y_pred)
        loss, parts, y_pred = step.forward_loss(xb, yb, swb, False)
        tracker.update(float(loss.data), len(yb[0]), [p if p is None else p.data for p in parts])
        step.update_metrics(yb, [p.data for p in y_pred], swb)
        if batch_hooks:
            callbacks.on_test_batch_end(batch, _logs(state, tracker))
    if tracker.count == 0:
        raise ValueError("The evaluation dataset is empty: it produced no batch.")
    return _logs(state, tracker)


def evaluate(model, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None, steps=None,
             callbacks=None, return_dict=False):
    """Loss (and metrics) on data: a float, or [loss, metrics...] in compile order."""
    from gradiente.callbacks import CallbackList

    state = _state(model)
    verbose = 1 if verbose == "auto" else int(verbose)
    data = make_data(model, x, y, sample_weight, batch_size, steps)
    check_inputs(model, data)
    if isinstance(data, ArrayData) and data.ys is None:
        raise ValueError("evaluate() needs targets: pass y=....")
    cbs = CallbackList(callbacks, add_progbar=verbose != 0, model=model, verbose=verbose,
                       epochs=1, steps=data.steps())
    cbs.on_test_begin()
    logs = _evaluate_data(model, state, data, cbs)
    cbs.on_test_end(logs)
    if return_dict:
        return logs
    values = [logs[name] for name in metrics_names(model)]
    return values[0] if len(values) == 1 else values


def predict(model, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
    """Outputs for ``x`` as NumPy arrays (a list of them for several outputs)."""
    from gradiente.callbacks import CallbackList

    verbose = 1 if verbose == "auto" else int(verbose)
    data = make_data(model, x, None, None, batch_size, steps)
    check_inputs(model, data)
    if verbose == 0 and callbacks is None and isinstance(data, ArrayData) and data.n <= data.batch_size:
        # One batch and nobody watching: skip the callback machinery (predict on one sample).
        return _as_numpy(model(pack(data.xs, data.x_layout), training=False))
    cbs = CallbackList(callbacks, add_progbar=verbose != 0, model=model, verbose=verbose,
                       epochs=1, steps=data.steps())
    cbs.on_predict_begin()
    outputs = []
    for batch, (xb, _, _) in enumerate(data.batches(shuffle=False)):
        cbs.on_predict_batch_begin(batch)
        out = model(xb, training=False)
        outputs.append([o.data for o in out] if isinstance(out, (list, tuple)) else [out.data])
        cbs.on_predict_batch_end(batch, {"outputs": outputs[-1]})
    cbs.on_predict_end()
    if not outputs:
        raise ValueError("predict() received no data: the input produced no batch.")
    joined = [np.concatenate(parts, axis=0) for parts in zip(*outputs)]
    return joined[0] if len(joined) == 1 else joined


def _as_numpy(out):
    if isinstance(out, (list, tuple)):
        return [o.data for o in out]
    return out.data


def predict_on_batch(model, x):
    return _as_numpy(model(x, training=False))


def train_on_batch(model, x, y=None, sample_weight=None, class_weight=None, return_dict=False):
    """One optimizer step on one batch; returns the loss (and metrics) on it."""
    state = _state(model)
    data = ArrayData(model, x, y, sample_weight, batch_size=max(len(flatten_len(x)), 1))
    check_inputs(model, data)
    if not state.resolved:
        _prepare(model, state, data, class_weight)
    step = _Step(model, state)
    tracker = _MeanTracker()
    _reset_metrics(state, tracker)
    xb, yb, swb = next(iter(data.batches()))
    swb = _sample_weights(yb, swb, class_weight)
    step.train_vars = step.variables()
    result = step_arrays(*step.train_eager(xb, yb, swb))
    state.optimizer.apply(result.grads, step.train_vars)
    tracker.update(float(result.loss), len(yb[0]), result.parts)
    step.update_metrics(yb, result.predictions, swb)
    return _batch_result(model, state, tracker, return_dict)


def test_on_batch(model, x, y=None, sample_weight=None, return_dict=False):
    state = _state(model)
    data = ArrayData(model, x, y, sample_weight, batch_size=max(len(flatten_len(x)), 1))
    logs = _evaluate_data(model, state, data, None)
    if return_dict:
        return logs
    values = [logs[n] for n in metrics_names(model)]
    return values[0] if len(values) == 1 else values


def flatten_len(x):
    arrays, _ = structure(x, "x")
    return arrays[0]


def _batch_result(model, state, tracker, return_dict):
    logs = _logs(state, tracker)
    if return_dict:
        return logs
    values = [logs[n] for n in metrics_names(model)]
    return values[0] if len(values) == 1 else values
