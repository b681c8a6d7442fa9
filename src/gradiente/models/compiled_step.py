"""fit's training step, traced once and then replayed: the analogue of Keras compiling the
step when ``run_eagerly=False`` (its default).

For each batch signature (shapes and dtypes), the first step runs eagerly while a Trace
records it; the next step with that signature runs eagerly *and* as a replay (from the same
random-generator state and variable values), and the replay is trusted only if loss,
outputs, gradients and in-place updates (moving statistics) agree bit for bit. From then on
the step is a replay: the same primitives on the same arrays, without the layers, Tensors
and tape around them (``benchmarks/mlp_epoch.py``: most of fit's overhead over hand-written
NumPy). Models with a layer, loss or regularizer not known to be replayable, and runs
with callbacks that watch the step but cannot follow a replay, stay eager; preprocessing
layers that only read the model's inputs run before the step instead (``input_pipeline``).

As with a compiled Keras step, Python state read while tracing is fixed for the rest of
that ``fit`` call (say, a layer attribute a callback changes mid-training); pass
``compile(run_eagerly=True)`` when a step must re-run its Python every time.
"""
import numpy as np

from gradiente import backend
from gradiente.autodiff.trace import Trace, TraceError
from gradiente.random.seed_generator import SeedGenerator
from gradiente.regularizers import Regularizer
from gradiente.utils.nest import flatten


def replayable(model, state, gradient_hooks, outside=None):
    """Whether every part of the step is known to be a pure function of batch and weights,
    and every callback that watches the step can follow a replay (``watched_tensors``).
    ``outside``: {id: layer} of the layers that run before the step on each batch (the
    model's input pipeline), which the replay never sees."""
    if state.run_eagerly or any(not hasattr(h, "watched_tensors") for h in gradient_hooks):
        return False
    outside = outside or {}
    for layer in model._flatten_layers():
        if id(layer) in outside:
            continue
        if not getattr(layer, "traceable", False):
            return False
        regularizers = [layer.activity_regularizer] + [v.regularizer for v in layer._own_weights]
        if any(r is not None and type(r).__module__ != Regularizer.__module__ for r in regularizers):
            return False
    compile_loss = model._compile_loss
    losses = compile_loss.losses if compile_loss is not None else []
    return all(loss is None or getattr(loss, "traceable", False) for loss in losses)


def seed_states(model):
    """The state Variables of the SeedGenerators the model's layers hold (the random image
    layers'): the replay check rewinds them as it rewinds the library's generator, so the
    replay draws what the eager step drew."""
    return [value.state for layer in model._flatten_layers() for value in vars(layer).values()
            if isinstance(value, SeedGenerator)]


class StepResult:
    """One training step's loss (a NumPy scalar), per-output losses, predictions (arrays)
    and gradients (arrays, aligned with the variables)."""

    __slots__ = ("loss", "parts", "predictions", "grads")

    def __init__(self, loss, parts, predictions, grads):
        self.loss, self.parts, self.predictions, self.grads = loss, parts, predictions, grads


class CompiledStep:
    """Runs ``eager(xb, yb, swb, trace, seed)`` (which returns the step's Tensors) or its replay.

    ``watchers`` are callbacks that look at intermediate values (GradientMonitor): when a
    step is traced they name the Tensors they read (``watched_tensors()``), and each replay
    hands them those values as arrays (``on_train_step_values(arrays)``).
    """

    def __init__(self, eager, variables, predictions=True, watchers=(), state=()):
        self.eager = eager
        self.variables = variables
        self.state = list(state)  # variables a step updates in place (moving statistics)
        self.predictions = predictions  # whether anything (a metric) reads the predictions
        self.watchers = list(watchers)
        self.replays = {}   # signature -> Replay, or None when this signature stays eager
        self.pending = {}   # signature -> Replay to check against the next eager step
        # A replay's outputs: the predictions, the output losses present, the watched values.
        self._n_pred = 0
        self._has_part = []
        self._n_watched = []  # per watcher

    def __call__(self, xb, yb, swb, seed=None):
        """One step; ``seed`` (a float or None) scales the gradients, as in ``train_eager``."""
        if type(xb) is np.ndarray:  # one input: skip the general flattening
            arrays = [xb, *yb] if swb is None else [xb, *yb, swb]
        else:
            arrays = [a for a in flatten([xb, yb, swb]) if a is not None]
        if not all(type(a) is np.ndarray for a in arrays):  # e.g. Tensors from a generator
            return _arrays(*self.eager(xb, yb, swb, None, seed))
        signature = tuple([(a.shape, a.dtype) for a in arrays])
        replay = self.replays.get(signature)
        if replay is not None:
            result, watched = self._split(*replay.run(arrays, seed))
            for watcher, values in zip(self.watchers, watched):
                watcher.on_train_step_values(values)
            return result
        if signature in self.replays:
            return _arrays(*self.eager(xb, yb, swb, None, seed))
        candidate = self.pending.pop(signature, None)
        if candidate is not None:
            # The check replays the step with the random draws the eager step made (dropout
            # masks come from the library's generator), then leaves the stream where eager left it.
            # Likewise for variables the step updates: the replay must update them the same way.
            rng = backend.rng().bit_generator
            before, state_before = rng.state, _values(self.state)
            result = _arrays(*self.eager(xb, yb, swb, None, seed))
            after, rng.state = rng.state, before
            state_after = _values(self.state)
            _assign(self.state, state_before)
            replayed, _ = self._split(*candidate.run(arrays, seed))
            same = _same(result, replayed) and all(
                np.array_equal(a, v.data, equal_nan=True) for a, v in zip(state_after, self.state))
            rng.state = after
            _assign(self.state, state_after)
            self.replays[signature] = candidate if same else None
            return result
        trace = Trace()
        for a in arrays:
            trace.add_input(a)
        loss, parts, predictions, grads = self.eager(xb, yb, swb, trace, seed)
        if any(p._keras_mask is not None for p in predictions):
            # Metrics weight by the predictions' masks, which a replay's arrays cannot carry.
            self.replays[signature] = None
            return _arrays(loss, parts, predictions, grads)
        try:
            present = [p for p in parts if p is not None]
            wanted = list(predictions) if self.predictions else []
            watched = [list(w.watched_tensors()) for w in self.watchers]
            outputs = wanted + present + [t for group in watched for t in group]
            self.pending[signature] = trace.compile(loss, self.variables, outputs)
            self._n_pred, self._has_part = len(wanted), [p is not None for p in parts]
            self._n_watched = [len(group) for group in watched]
        except TraceError:
            self.replays[signature] = None
        return _arrays(loss, parts, predictions, grads)

    def _split(self, loss, outputs, grads):
        """A replay's outputs as a StepResult and the watchers' values."""
        n_pred, n_parts = self._n_pred, sum(self._has_part)
        present = iter(outputs[n_pred:n_pred + n_parts])
        parts = [next(present) if has else None for has in self._has_part]
        watched, start = [], n_pred + n_parts
        for n in self._n_watched:
            watched.append(outputs[start:start + n])
            start += n
        return StepResult(loss, parts, outputs[:n_pred], grads), watched


def _values(variables):
    return [v.data.copy() for v in variables]


def _assign(variables, values):
    for v, value in zip(variables, values):
        v.data[...] = value


def _arrays(loss, parts, predictions, grads):
    """A StepResult of arrays from the eager step's Tensors; a prediction with a mask stays
    a Tensor, so the metrics see its mask."""
    return StepResult(loss.data, [None if p is None else p.data for p in parts],
                      [p.data if p._keras_mask is None else p for p in predictions],
                      [None if g is None else g.data for g in grads])


def _same(eager, replayed):
    # zip stops at the replay's predictions: none when nothing reads them.
    pairs = [(eager.loss, replayed.loss)] + list(zip(eager.predictions, replayed.predictions)) \
        + list(zip(eager.parts, replayed.parts)) + list(zip(eager.grads, replayed.grads))
    for a, b in pairs:
        if (a is None) != (b is None):
            return False
        if a is not None and not np.array_equal(a, b, equal_nan=True):
            return False
    return True
