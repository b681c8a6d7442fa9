"""The pieces of one batch shared by fit, evaluate and the *_on_batch methods.

``FastStep`` is the default ``train_step``'s computation with everything fixed before the
first batch (fit traces and replays it); ``record_metrics`` is what the default steps record
afterwards; ``step_data`` is a batch as a model's own ``train_step``/``test_step`` receives it.
"""
import contextlib

import numpy as np

from gradiente.autodiff.tape import GradientTape
from gradiente.autodiff.tensor import Tensor
from gradiente.models.compile_utils import flatten_y
from gradiente.models.data_adapter import ArrayData, check_inputs, structure
from gradiente.models.trainer import pythonify_logs
from gradiente.ops import add
from gradiente.utils.data import pack_x_y_sample_weight
from gradiente.utils.nest import map_structure


def model_outputs(model, xb, training):
    """The model's outputs as a list, in output order (dict outputs by output name)."""
    return flatten_y(model(xb, training=training), model._output_names_for_compile(), "outputs")


class FastStep:
    """The default ``train_step``'s computation with everything fixed at construction:
    forward under a tape, compile's loss plus the model's own losses, gradients."""

    def __init__(self, model, call=None):
        self.model = model
        # What computes the outputs from the step's x: the model, or the part of it after
        # its input pipeline (``models.input_pipeline``), fed that pipeline's arrays.
        self.call = model if call is None else call
        self.layers = model._flatten_layers()
        trainable = {id(v) for v in model.trainable_weights}
        # Weight penalties are fixed by the architecture; find them once, not every step.
        self.penalized = [v for layer in self.layers for v in layer._own_weights
                          if v.regularizer is not None and id(v) in trainable]
        self.train_vars = model.trainable_weights

    def forward_loss(self, xb, yb, swb, training):
        """Total loss (with the model's own losses), per-output losses and predictions."""
        model = self.model
        y_pred = flatten_y(self.call(xb, training=training), model._output_names_for_compile(), "outputs")
        compile_loss = model._compile_loss
        if compile_loss is None:
            total, parts = None, [None] * len(y_pred)
        else:
            total, parts = compile_loss.compute(yb, y_pred, swb)
        for term in self.extra_losses():
            total = term if total is None else add(total, term)
        if total is None:
            raise ValueError(
                "No loss to compute. Provide a `loss` argument in `compile()`, or add losses "
                "in the model with `add_loss()`."
            )
        return total, parts, y_pred

    def extra_losses(self):
        extra = [v.regularizer(v) for v in self.penalized]
        for layer in self.layers:
            if layer._activity_losses:
                extra.extend(layer._activity_losses)
            if layer._added_losses:
                extra.extend(layer._added_losses)
        return extra

    def train_eager(self, xb, yb, swb, trace=None, seed=None):
        """Loss, per-output losses, predictions and gradients via the tape (recorded on
        ``trace`` when given). With ``seed`` (a float), the gradients are of ``seed * loss``:
        fit folds SGD's learning rate in this way."""
        with GradientTape() as tape, (trace if trace is not None else contextlib.nullcontext()):
            loss, parts, y_pred = self.forward_loss(xb, yb, swb, True)
        seed = None if seed is None else np.array(seed, dtype=loss.data.dtype)
        return loss, parts, y_pred, tape.gradient(loss, self.train_vars, output_gradients=seed)


def record_metrics(model, loss, parts, y_true, y_pred, sample_weight, batch_size):
    """What the default steps record after computing a batch (arrays or numbers)."""
    model._loss_tracker.update_state(float(loss), sample_weight=batch_size)
    if model._compile_loss is not None and model._compile_loss.metrics:
        model._compile_loss.record(parts, batch_size)
    if model._compile_metrics is not None:
        model._compile_metrics.update_state(y_true, y_pred, sample_weight)


def metrics_logs(metrics):
    """Logs from a fixed list of metric objects (``model.metrics`` taken once per fit)."""
    logs = {}
    for metric in metrics:
        result = metric.result()
        if isinstance(result, dict):
            logs.update(result)
        else:
            logs[metric.name] = result
    return pythonify_logs(logs)


def step_data(data, xb, yb, swb):
    """The batch as a user's step receives it: Tensors in the structure given to fit."""
    def to_tensor(a):
        return a if a is None or isinstance(a, Tensor) else Tensor(np.asarray(a))

    x = map_structure(to_tensor, xb)
    y = map_structure(to_tensor, data.pack_targets(yb))
    return pack_x_y_sample_weight(x, y, None if swb is None else to_tensor(swb))


def one_batch(model, x, y, sample_weight, purpose="training"):
    """``x`` (as the user gave it) as one ArrayData batch."""
    arrays, _ = structure(x, "x", strings=True)
    n = len(arrays[0]) if arrays and np.ndim(arrays[0]) else 1
    data = ArrayData(model, x, y, sample_weight, batch_size=max(n, 1), purpose=purpose)
    check_inputs(model, data)
    data.align_targets(model._output_names_for_compile())
    return data


def get_metrics_result_or_logs(model, logs):
    """The epoch's logs: the metrics' results when the step reported exactly those names
    (they are the freshest), otherwise what the last step returned (Keras's rule)."""
    metric_logs = pythonify_logs(model.get_metrics_result())
    if logs is None:
        return metric_logs
    return metric_logs if set(logs) == set(metric_logs) else dict(logs)
