"""evaluate / predict / test_on_batch / predict_on_batch, and fit's validation.

As in Keras, ``evaluate`` resets ``model.metrics``, calls ``test_step`` for every batch when
the model overrides it (otherwise the same computation without the per-batch Python of a
user's step), and hands its callbacks ``on_test_begin``, ``on_test_batch_begin/end`` and
``on_test_end``; fit's validation is an ``evaluate`` with fit's callbacks.
"""
import contextlib

import numpy as np

from gradiente import replica_context
from gradiente.autodiff.tensor import Tensor
from gradiente.models.data_adapter import ArrayData, check_inputs, check_verbose, make_data, pack
from gradiente.models.trainer import pythonify_logs
from gradiente.utils.data import batch_size_of, pack_x_y_sample_weight
from gradiente.utils.nest import flatten, map_structure, pack_like


def evaluate_data(model, data, callbacks):
    """Run the test steps over ``data``; the logs (``{name: value}``)."""
    from gradiente.models import step as steps

    model.reset_metrics()
    custom = model._custom_steps()["test"]
    step = None if custom else steps.FastStep(model)
    replica = replica_context.current()

    def reduced():  # data parallel: logs from the metric states summed over all processes
        return contextlib.nullcontext() if replica is None else replica.global_metrics(model.metrics)
    metrics = None  # read after the first batch has built compile's metrics
    batch_hooks = callbacks is not None and callbacks.should_call_test_batch_hooks
    if callbacks is not None:
        callbacks.on_test_begin()
    logs, batches = None, 0
    for batch, (xb, yb, swb) in enumerate(data.batches(shuffle=False)):
        if batch_hooks:
            callbacks.on_test_batch_begin(batch)
        if replica is not None and batch_size_of(xb) == 0:
            pass  # this process has no rows of the batch: the others' count
        elif custom:
            logs = pythonify_logs(model.test_step(steps.step_data(data, xb, yb, swb)))
        else:
            if metrics is None:
                _build_compiled(model, xb, yb)
                model.reset_metrics()  # the build's forward pass may have touched layer metrics
                metrics = model.metrics
            loss, parts, y_pred = step.forward_loss(xb, yb, swb, False)
            steps.record_metrics(model, loss.data, [None if p is None else p.data for p in parts],
                                 yb, y_pred, swb, batch_size_of(xb))
        if batch_hooks and (replica is not None or not custom):
            with reduced():
                logs = steps.get_metrics_result_or_logs(model, logs) if custom else steps.metrics_logs(metrics)
        batches += 1
        if batch_hooks:
            callbacks.on_test_batch_end(batch, logs)
    if batches == 0:
        raise ValueError("The evaluation dataset is empty: it produced no batch.")
    with reduced():
        logs = steps.get_metrics_result_or_logs(model, logs) if custom else steps.metrics_logs(metrics)
    if callbacks is not None:
        callbacks.on_test_end(logs)
    return logs


def _build_compiled(model, xb, yb):
    """Build compile's loss and metrics on the first batch evaluate sees (the model may
    never have been fit)."""
    compile_loss, compile_metrics = model._compile_loss, model._compile_metrics
    if (compile_loss is None or compile_loss.built) and (compile_metrics is None or compile_metrics.built):
        return
    from gradiente.models.step import model_outputs

    y_pred = model_outputs(model, xb, False)
    if compile_loss is not None and not compile_loss.built and yb is not None:
        compile_loss.build(yb, y_pred)
    if compile_metrics is not None and not compile_metrics.built and yb is not None:
        compile_metrics.build(yb, [p.data for p in y_pred])


def flatten_metrics_in_order(model, logs):
    """``evaluate``'s list: the metrics in ``model.metrics`` order, then any other log
    names sorted; a single value alone."""
    from gradiente.models.compile_utils import CompileMetrics

    names = []
    for metric in model.metrics:
        if isinstance(metric, CompileMetrics):
            names += [m.name for m in metric.metrics]
        else:
            names.append(metric.name)
    results = [logs[name] for name in names if name in logs]
    results += [logs[key] for key in sorted(logs) if key not in names]
    return results[0] if len(results) == 1 else results


def evaluate(model, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None, steps=None,
             callbacks=None, return_dict=False):
    """Loss (and metrics) on data: a float, or a list in ``model.metrics`` order."""
    from gradiente.callbacks import CallbackList
    from gradiente.models.training import assert_compiled

    assert_compiled(model, "evaluate")
    verbose = check_verbose(verbose)
    data = make_data(model, x, y, sample_weight, batch_size, steps, purpose="evaluation")
    check_inputs(model, data)
    data.align_targets(model._output_names_for_compile())
    cbs = CallbackList(callbacks, add_progbar=verbose != 0, model=model, verbose=verbose,
                       epochs=1, steps=data.steps())
    logs = evaluate_data(model, data, cbs)
    return logs if return_dict else flatten_metrics_in_order(model, logs)


def test_on_batch(model, x, y=None, sample_weight=None, return_dict=False):
    """The loss (and metrics) on one batch, metrics reset first."""
    from gradiente.models.step import one_batch
    from gradiente.models.training import assert_compiled

    assert_compiled(model, "test_on_batch")
    if replica_context.current() is not None:
        raise NotImplementedError(
            "test_on_batch() is not supported under a multi-process DataParallel distribution; "
            "use evaluate(), which splits each global batch among the processes."
        )
    data = one_batch(model, x, y, sample_weight, "evaluation")
    logs = evaluate_data(model, data, None)
    return logs if return_dict else flatten_metrics_in_order(model, logs)


def _to_tensor(a):
    return a if isinstance(a, Tensor) else Tensor(np.asarray(a))


def _as_numpy(out):
    return map_structure(lambda t: t.data if isinstance(t, Tensor) else np.asarray(t), out)


def predict(model, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
    """Outputs for ``x`` as NumPy arrays, in the structure of the model's outputs."""
    from gradiente.callbacks import CallbackList

    verbose = check_verbose(verbose)
    data = make_data(model, x, None, None, batch_size, steps, purpose="prediction")
    check_inputs(model, data)
    replica = replica_context.current()
    if replica is not None:
        sharded = replica.shard_for_predict(data)
        # Too small to split: every process predicts all of it, nothing to gather.
        data, replica = (data, None) if sharded is None else (sharded, replica)
    custom = model._custom_steps()["predict"]
    if (not custom and verbose == 0 and callbacks is None and isinstance(data, ArrayData)
            and data.n <= data.batch_size):
        # One batch and nobody watching: skip the callback machinery (predict on one sample).
        return _as_numpy(model(pack(data.xs, data.x_layout), training=False))
    cbs = CallbackList(callbacks, add_progbar=verbose != 0, model=model, verbose=verbose,
                       epochs=1, steps=data.steps())
    cbs.on_predict_begin()
    structure, outputs = None, []
    for batch, (xb, _, _) in enumerate(data.batches(shuffle=False)):
        cbs.on_predict_batch_begin(batch)
        if replica is not None and batch_size_of(xb) == 0:
            outputs.append(None)  # this process has no rows of the batch; the others do
            cbs.on_predict_batch_end(batch, {"outputs": None})
            continue
        if custom:
            out = model.predict_step(pack_x_y_sample_weight(map_structure(_to_tensor, xb)))
        else:
            out = model(xb, training=False)
        out = _as_numpy(out)
        structure = out
        outputs.append(flatten(out))
        cbs.on_predict_batch_end(batch, {"outputs": out})
    cbs.on_predict_end()
    if replica is not None:  # every process returns the whole result, in order
        outputs, structure = replica.gather_outputs(outputs, structure)
    if not outputs:
        raise ValueError("predict() received no data: the input produced no batch.")
    joined = [np.concatenate(parts, axis=0) for parts in zip(*outputs)]
    return pack_like(structure, joined)


def predict_on_batch(model, x):
    if model._custom_steps()["predict"]:
        x = model._convert_inputs(x)
        return _as_numpy(model.predict_step(pack_x_y_sample_weight(x)))
    return _as_numpy(model(x, training=False))
