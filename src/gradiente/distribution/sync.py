"""``Replicas``: what ``fit`` / ``evaluate`` / ``predict`` do differently when a
``DataParallel`` distribution spans several processes.

- At the start of ``fit`` the processes compare a small signature (model, data, batch size,
  callbacks), then take process 0's weights, optimizer state, random state and resume point.
- Each step a process computes the gradient of its rows' share of the global batch's loss;
  one Allreduce of one flat buffer sums them (with the loss and the row count in its last two
  slots), and every process applies the same update to the same weights.
- Logs come from metric states summed over the processes (they are sums: totals, counts,
  confusion matrices), so they are the global batch's, as one process would report.
- An error on one process ends the job, naming the process (``guarded``).
"""
import contextlib
import functools

import numpy as np

from gradiente import backend
from gradiente.autodiff.tensor import Tensor
from gradiente.callbacks.callback_list import prints_or_writes
from gradiente.distribution.communicator import report_failure
from gradiente.distribution.sharding import ShardedIterable
from gradiente.models.compiled_step import StepResult
from gradiente.models.data_adapter import ArrayData
from gradiente.optimizers.optimizer import Optimizer
from gradiente.utils.data import batch_size_of


class DistributionMismatchError(ValueError):
    """The processes of a data-parallel run disagree (different models, data or batch sizes).
    Raised on every process at once, so the job ends instead of waiting."""

    raised_everywhere = True


class UnsupportedDistribution(NotImplementedError):
    """Something this data-parallel run cannot do; every process raises it together."""

    raised_everywhere = True


def _describe(value):
    """``value`` as something every process can compare: names for objects (whose repr
    would hold a memory address), containers element by element."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, dict):
        return {str(k): _describe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_describe(v) for v in value]
    return getattr(value, "__name__", None) or type(value).__name__


def _short(value, limit=160):
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


class Replicas:
    """The multi-process side of the training loops (see the module docstring)."""

    def __init__(self, comm, distribution):
        self.comm, self.distribution = comm, distribution
        self.rank, self.size = comm.rank, comm.size
        # Per list of variables (a GAN's two optimizers have two): [(offset, size, shape)], the
        # flat buffer, and which gradients a step leaves None (for this process's empty steps).
        self._layouts = {}
        self._applies = []  # the optimizer updates of a custom train_step, to mirror when empty

    # --- faults -------------------------------------------------------------------------
    def guarded(self, fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except BaseException as err:
            if getattr(err, "raised_everywhere", False):
                raise  # every process raises it together: nobody waits
            report_failure(self.comm, type(err), err, err.__traceback__)
            self.comm.abort(1)
            raise

    def agree(self, values):
        """Every process must hold the same ``values`` (a dict); otherwise all raise."""
        gathered = self.comm.allgather_object(values)
        first = gathered[0]
        for key in first:
            for rank, other in enumerate(gathered[1:], start=1):
                if other.get(key) != first[key]:
                    raise DistributionMismatchError(
                        f"The {self.size} processes of this data-parallel run disagree on {key}: "
                        f"process {rank} has {_short(other.get(key))}, process 0 has "
                        f"{_short(first[key])}. Every process must run the same script (same model, "
                        "batch size and data; the global batch is split among them)."
                    )

    # --- data ---------------------------------------------------------------------------
    def shard(self, data):
        """This process's view of ``data``: its rows of each global batch (arrays), or its
        batches of a generator/PyDataset."""
        if data is None:
            return None
        self._agree_on_data(data)
        if isinstance(data, ArrayData):
            rows = min(data.n, data.batch_size)
            if rows < self.size:
                raise ValueError(
                    f"A global batch of {rows} sample(s) cannot be split among {self.size} "
                    "processes: use a batch size (and data) of at least one sample per process."
                )
            data.shard = (self.rank, self.size)
            return data
        return ShardedIterable(data, self.comm, self.distribution.auto_shard_dataset)

    def shard_for_predict(self, data):
        """``shard(data)``, or None when the data is too small to split among the processes."""
        if isinstance(data, ArrayData) and min(data.n, data.batch_size) < self.size:
            self._agree_on_data(data)
            return None
        return self.shard(data)

    def _agree_on_data(self, data):
        if isinstance(data, ArrayData):
            self.agree({"the kind of data": "arrays", "the number of samples": data.n,
                        "the batch size": data.batch_size})
        else:
            self.agree({"the kind of data": "a generator or PyDataset"})

    # --- start of fit and of each epoch ---------------------------------------------------
    def begin_fit(self, model, data, callbacks, steps, epochs):
        """Check that every process runs the same training, then start all from process 0's
        state (weights, optimizer, random stream, the epoch BackupAndRestore resumes at)."""
        if not model.built or not model.weights:
            first = data.first_batch()
            if first is not None and batch_size_of(first[0]):
                model(first[0], training=False)  # a subclassed model creates its weights
        self.agree({
            "the model": f"{type(model).__name__}, weights "
                         + ", ".join(f"{v.path}{tuple(v.shape)}" for v in model.weights),
            "the batch size": getattr(data, "batch_size", None),
            "the number of samples": getattr(data, "n", None),
            "the steps per epoch": steps, "the epochs": epochs,
            "the optimizer": type(model.optimizer).__name__,
            "the loss": _describe(getattr(model, "loss", None)),
            "the callbacks": [type(c).__name__ for c in callbacks.callbacks if not prints_or_writes(c)],
            "the batch-level callbacks": (callbacks.should_call_train_batch_hooks,
                                          callbacks.should_call_test_batch_hooks),
        })
        _check_synchronized_batch_norm(model, data, self.size)
        _check_loss_reductions(model)
        optimizer = model.optimizer
        if not optimizer.built:
            optimizer.build(model.trainable_weights)
        variables = list(model.weights) + list(optimizer.variables)
        self.agree({"the model's and optimizer's variables":
                    [(tuple(v.data.shape), v.data.dtype.str) for v in variables]})
        for variable in variables:
            self._broadcast(variable.data)
        model._resume_state = self.comm.bcast_object(getattr(model, "_resume_state", None))

    def _broadcast(self, array):
        if array.flags.c_contiguous:
            self.comm.bcast_array(array)
        else:
            array[...] = self.comm.bcast_array(np.ascontiguousarray(array))

    def end_fit(self):
        """Wait for every process (process 0 may still be writing a checkpoint)."""
        self.comm.allreduce_sum(np.zeros(1))

    def begin_epoch(self):
        """Every process continues process 0's random stream: the epoch's permutation must be
        the same everywhere (dropout may have drawn different amounts on different shares)."""
        generator = backend.rng()
        state = self.comm.bcast_object(generator.bit_generator.state)
        if self.rank:
            generator.bit_generator.state = state

    # --- gradients ----------------------------------------------------------------------
    def reduce(self, variables, grads, rows, loss_sum=0.0):
        """The global batch's gradients from each process's ``grads`` (already multiplied by
        its ``rows``): one Allreduce of a flat buffer, then division by the total rows.
        Returns (gradients, the global mean loss from each ``loss_sum``, total rows)."""
        ids = tuple(map(id, variables))
        layout = self._layouts.get(ids)
        if layout is None:
            layout = self._layouts[ids] = _layout(variables)
        slots, buffer = layout["slots"], layout["buffer"]
        for (offset, size, shape), g in zip(slots, grads):
            part = buffer[offset:offset + size].reshape(shape)
            if g is None:
                part[...] = 0
            else:
                np.copyto(part, g.data if isinstance(g, Tensor) else g, casting="unsafe")
        buffer[-2], buffer[-1] = loss_sum, rows
        self.comm.allreduce_sum(buffer)
        total = float(buffer[-1])
        body = buffer[:-2]
        np.divide(body, total, out=body)
        if rows:
            layout["none"] = [g is None for g in grads]
        none = layout["none"]
        out = [None if missing else buffer[o:o + s].reshape(shape)
               for missing, (o, s, shape) in zip(none, slots)]
        return out, float(buffer[-2]) / total, total

    def reducing_step(self, run_step, variables):
        """``run_step`` (fit's compiled or eager step) returning the global batch's gradients."""
        from gradiente.models.training import NonFiniteLoss

        guard = backend.stop_on_nonfinite_loss()

        def step(xb, yb, swb, seed=None):
            rows = batch_size_of(xb)
            if rows:
                # The seed scales the gradients: rows x the local mean loss's, then / total.
                result = run_step(xb, yb, swb, (1.0 if seed is None else seed) * rows)
                loss = result.loss
            else:  # no rows of this global batch here: contribute zeros
                result = StepResult(np.float32(0.0), None, None, None)
                loss = 0.0
            grads = result.grads if rows else [None] * len(variables)
            result.grads, global_loss, _ = self.reduce(variables, grads, rows, float(loss) * rows)
            if guard and not np.isfinite(global_loss):
                raise NonFiniteLoss(global_loss)  # on every process, before the update
            return result

        return step

    @contextlib.contextmanager
    def reducing_optimizers(self, model, rows):
        """Inside a model's own ``train_step``: each ``optimizer.apply`` first sums the
        gradients over the processes (Horovod's distributed optimizer)."""
        optimizers = _optimizers(model)
        if rows:
            self._applies = []
        for opt in optimizers:
            opt.apply = functools.partial(self._reduced_apply, opt, rows)
        try:
            yield
        finally:
            for opt in optimizers:
                opt.__dict__.pop("apply", None)

    def _reduced_apply(self, opt, rows, grads, variables=None, *, lr_folded=False):
        if variables is None:
            variables = [e.var for e in opt._entries.values()]
        variables = list(variables)
        scaled = [None if g is None else np.asarray(g.data if isinstance(g, Tensor) else g) * rows
                  for g in grads]
        self._applies.append((opt, variables))
        summed, _, _ = self.reduce(variables, scaled, rows)
        Optimizer.apply(opt, summed, variables, lr_folded=lr_folded)

    def empty_custom_step(self):
        """This process has no rows of the batch: take part in the same updates as the last
        step's, with zero gradients."""
        for opt, variables in self._applies:
            summed, _, _ = self.reduce(variables, [None] * len(variables), 0)
            Optimizer.apply(opt, summed, variables)

    def custom_train(self, model, data, class_weight):
        """fit's per-batch function and epoch logs for a model with its own train_step."""
        from gradiente.models.label_checks import class_sample_weights
        from gradiente.models.step import step_data
        from gradiente.models.trainer import pythonify_logs
        from gradiente.models.training import NonFiniteLoss

        guard = backend.stop_on_nonfinite_loss()

        def run_batch(batch, xb, yb, swb, want_logs):
            rows, step_logs = batch_size_of(xb), None
            if rows:
                swb = class_sample_weights(yb, swb, class_weight)
                with self.reducing_optimizers(model, rows):
                    step_logs = pythonify_logs(model.train_step(step_data(data, xb, yb, swb)))
            else:
                self.empty_custom_step()
            logs = self.step_logs(model, step_logs, rows)
            loss = logs.get("loss")
            if guard and loss is not None and np.ndim(loss) == 0 and not np.isfinite(loss):
                raise NonFiniteLoss(loss)
            return logs

        return run_batch, lambda logs: logs if logs is not None else self.step_logs(model, None, 0)

    def step_logs(self, model, logs, rows):
        """The global logs of a model's own step: its metrics' global results when the step
        reported exactly those (Keras's rule), else its values averaged over the processes,
        weighted by their rows."""
        from gradiente.models.trainer import pythonify_logs

        with self.global_metrics(model.metrics):
            metric_logs = pythonify_logs(model.get_metrics_result())
        reported = [(r, step) for r, step in self.comm.allgather_object((rows, logs)) if step is not None]
        if all(set(step) == set(metric_logs) for _, step in reported):
            return metric_logs
        total = sum(r for r, _ in reported)
        return {key: sum(r * np.asarray(step[key], dtype=float) for r, step in reported) / total
                for key in reported[0][1]}

    def metrics_logs(self, metrics):
        """``metrics_logs`` of the metrics' global states."""
        from gradiente.models.step import metrics_logs

        with self.global_metrics(metrics):
            return metrics_logs(metrics)

    # --- metrics and outputs ------------------------------------------------------------------
    @contextlib.contextmanager
    def global_metrics(self, metrics):
        """Inside: every metric holds the sum of all processes' states (its global value)."""
        variables = [v for m in metrics for v in m.variables]
        local = [v.data.copy() for v in variables]
        flat = (np.concatenate([a.astype(np.float64).ravel() for a in local]) if local
                else np.zeros(0))
        self.comm.allreduce_sum(flat)
        offset = 0
        for v in variables:
            v.data[...] = flat[offset:offset + v.data.size].reshape(v.data.shape)
            offset += v.data.size
        try:
            yield
        finally:
            for v, a in zip(variables, local):
                v.data[...] = a

    def gather_outputs(self, outputs, structure):
        """predict's per-batch outputs (None where this process had no rows) from all
        processes, joined in order: every process returns the whole result."""
        gathered = self.comm.allgather_object((outputs, structure))
        structure = next(s for _, s in gathered if s is not None)
        joined = []
        for k in range(len(outputs)):
            pieces = [outs[k] for outs, _ in gathered if outs[k] is not None]
            joined.append([np.concatenate(parts, axis=0) for parts in zip(*pieces)])
        return joined, structure


def _layout(variables):
    slots, offset = [], 0
    for v in variables:
        size = int(v.data.size)
        slots.append((offset, size, v.data.shape))
        offset += size
    dtypes = {v.data.dtype for v in variables}
    dtype = dtypes.pop() if len(dtypes) == 1 else np.dtype(np.float64)
    return {"slots": slots, "buffer": np.zeros(offset + 2, dtype=dtype), "none": [False] * len(slots)}


def _optimizers(model):
    found = []
    for value in vars(model).values():
        if isinstance(value, Optimizer) and not any(value is f for f in found):
            found.append(value)
    return found


def _check_loss_reductions(model):
    """The global gradient is the rows-weighted mean of the shares' gradients: right for a
    loss averaged over the batch's samples (Keras's default reduction), not for a sum or a
    mean over the sample weights' total."""
    compile_loss = model._compile_loss
    for loss in (compile_loss.losses or []) if compile_loss is not None else []:
        reduction = getattr(loss, "reduction", "sum_over_batch_size")
        if reduction in ("sum", "mean_with_sample_weight"):
            raise UnsupportedDistribution(
                f"The loss {getattr(loss, 'name', type(loss).__name__)!r} has reduction={reduction!r}: "
                "data-parallel training combines the processes' losses as means over samples "
                "(reduction='sum_over_batch_size', the default), and would silently change this "
                "one. Use the default reduction (scale the learning rate for a sum)."
            )
    # An activity penalty here is a sum over the batch's rows, not a mean: weighting the
    # shares' penalties by their rows would change it.
    regularized = [layer.name for layer in model._flatten_layers()
                   if getattr(layer, "activity_regularizer", None) is not None]
    if regularized:
        raise UnsupportedDistribution(
            f"Layer(s) {regularized} have an activity_regularizer, whose penalty sums over the "
            "batch's rows; data-parallel training averages the processes' losses over samples "
            "and would change it. Remove it, or add the penalty as a mean over the batch "
            "(add_loss(ops.mean(...)))."
        )


def _check_synchronized_batch_norm(model, data, size):
    """Synchronized BatchNormalization sums its statistics inside the step, so every process
    must compute every step: refuse data that would leave one without rows."""
    from gradiente.layers.normalization import BatchNormalization

    layers = [layer.name for layer in model._flatten_layers()
              if isinstance(layer, BatchNormalization) and layer.synchronized]
    if not layers:
        return
    last = data.n % data.batch_size if isinstance(data, ArrayData) else None
    if last is None or 0 < last < size:
        where = (f"the last batch has {last} row(s) for {size} processes" if last is not None
                 else "a generator or PyDataset may leave a process without a batch")
        raise UnsupportedDistribution(
            f"BatchNormalization layer(s) {layers} have synchronized=True, which needs rows on every "
            f"process at every step, but {where}. Train on arrays whose size leaves a last batch "
            "of 0 or at least one row per process, or use synchronized=False."
        )
